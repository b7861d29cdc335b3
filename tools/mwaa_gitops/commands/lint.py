"""``mwaa-gitops lint``: check plain OpenMetadata workflow files outside this layout."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops.commands import EXIT_INVALID, EXIT_OK, guarded
from mwaa_gitops.report import OutputFormat, report


def run(files: list[Path], fmt: OutputFormat) -> int:
    """Load each file and check it against OpenMetadata's workflow schema and secret rules."""

    def action() -> int:
        from mwaa_gitops.check import check_files, check_openmetadata_workflow

        problems = check_files(files, check_openmetadata_workflow)
        report(problems, fmt, f"{len(problems)} problem(s)" if problems else
               f"ok: {len(files)} file{'s' if len(files) != 1 else ''} valid")
        return EXIT_INVALID if problems else EXIT_OK

    return guarded(fmt, action)
