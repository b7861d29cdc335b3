"""One module per CLI verb; each exposes ``run(...) -> int`` (the exit code).

Verbs are leaves: a verb imports the stage packages, never another verb. What several verbs
share lives in the stages (``render.pipeline``, ``sync.prepare``, ``verify.check``).
:func:`guarded` is the one error boundary: the CLI runs every verb inside it.
Layer: commands. May import every layer below it; never ``cli``.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from mwaa_gitops import __version__
from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.report import OutputFormat, report

# Set to show the traceback of an unexpected error instead of the one-line bug report.
TRACEBACK_VARIABLE = "MWAA_GITOPS_TRACEBACK"


def guarded(fmt: OutputFormat, action: Callable[[], int], *,
            usage: ExitCode = ExitCode.USAGE) -> int:
    """Run ``action``; a :class:`ConfigError` is reported once and becomes exit code 1 (or
    ``usage`` when it only holds usage errors), and any other error is a bug, reported in one
    line (exit code 1). A reader that closed the output pipe is left to the caller."""
    try:
        return action()
    except ConfigError as exc:
        only_usage = all(d.code == "usage" for d in exc.diagnostics)
        code = usage if only_usage else ExitCode.INVALID
        report(exc.diagnostics, fmt)
        return code
    except BrokenPipeError:
        raise
    except Exception as exc:
        if os.environ.get(TRACEBACK_VARIABLE):
            raise
        sys.stderr.write(bug_report(exc) + "\n")
        return ExitCode.INVALID


def bug_report(exc: BaseException) -> str:
    """One line for an unexpected error: where in the tool it happened and how to report it.

    The exception's text is left out: it may quote a config value, and values can be secrets.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        path = Path(frames[-1].filename)
        inside = path.parts[path.parts.index("mwaa_gitops"):] if "mwaa_gitops" in path.parts \
            else (path.name,)
        where = f" at {'/'.join(inside)}:{frames[-1].lineno}"
    else:
        where = ""
    return (f"error: internal error ({type(exc).__name__}{where}); this is a bug in mwaa-gitops "
            f"{__version__}: please report it with the command you ran and the traceback that "
            f"{TRACEBACK_VARIABLE}=1 shows")
