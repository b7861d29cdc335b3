"""``mwaa-gitops lint``: check plain OpenMetadata workflow files outside this layout."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops.commands import EXIT_INVALID, EXIT_OK, guarded
from mwaa_gitops.diagnostics import ConfigError, Diagnostics, display_path
from mwaa_gitops.load import load_file
from mwaa_gitops.report import OutputFormat, report


def run(files: list[Path], fmt: OutputFormat) -> int:
    """Load each file and check it against OpenMetadata's workflow schema and secret rules."""

    def action() -> int:
        from mwaa_gitops.check import check_openmetadata_workflow

        found = Diagnostics()
        for path in files:
            try:
                tree = load_file(path, display_path(path))
            except ConfigError as exc:
                found.extend(exc.diagnostics)
                continue
            found.extend(list(check_openmetadata_workflow(tree)))
        problems = found.sorted()
        report(problems, fmt, f"{len(problems)} problem(s)" if problems else
               f"ok: {len(files)} file{'s' if len(files) != 1 else ''} valid")
        return EXIT_INVALID if problems else EXIT_OK

    return guarded(fmt, action)
