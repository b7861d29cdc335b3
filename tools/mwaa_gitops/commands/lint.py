"""``mwaa-gitops lint``: check plain OpenMetadata workflow files outside this layout."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from mwaa_gitops.diagnostics import ConfigError, Location
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.report import OutputFormat, report


def run(files: list[Path], fmt: OutputFormat, ingestion: str | None = None) -> int:
    """Load each file and check it against OpenMetadata's workflow schema of the ``ingestion``
    release's line (default: the newest) and the secret rules."""
    from mwaa_gitops.check import check_files, check_openmetadata_workflow
    from mwaa_gitops.check.schemas import line_of, supported_lines

    line = None
    if ingestion is not None:
        line = line_of(ingestion)
        if line is None:
            raise ConfigError.at(Location("--ingestion-version"), f"openmetadata-ingestion "
                                 f"{ingestion!r} is of no supported line",
                                 f"use one of {', '.join(supported_lines())}", code="usage")
    problems = check_files(files, partial(check_openmetadata_workflow, line=line))
    report(problems, fmt, f"{len(problems)} problem(s)" if problems else
           f"ok: {len(files)} file{'s' if len(files) != 1 else ''} valid")
    return ExitCode.INVALID if problems else ExitCode.OK
