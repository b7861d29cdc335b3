"""The exit codes of every command, in one place (docs/commands.md lists them)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status means; CI scripts branch on these."""

    OK = 0
    INVALID = 1  # invalid config, or a sync that failed; nothing was synced past the failure
    PIPE_CLOSED = 1  # the reader of the output left (`| head -1`), quietly, as click does
    DIFFERS = 1  # `diff --exit-code`: the rendered files differ, as `git diff --exit-code`
    USAGE = 2  # a wrong command line: unknown environment, option or file
    CHANGES = 2  # `plan`/`sync --detailed-exitcode`: there were changes, as Terraform's plan
    PROBLEMS = 4  # MWAA answered, and our DAGs have import errors, are missing or collide
    TIMEOUT = 5  # MWAA had not parsed the files (or the smoke run not ended) in time
    UNREACHABLE = 6  # MWAA or its Airflow API did not answer
    DENIED = 7  # the caller may not call InvokeRestApi / GetEnvironment
    UNAVAILABLE = 8  # the environment is updating, failed, or does not exist
    INTERRUPTED = 130  # Ctrl-C, as a shell reports a process ended by SIGINT

    def __str__(self) -> str:
        # The number, as Python 3.11 prints an IntEnum; 3.10 would print the name.
        return str(int(self))
