"""One module per CLI verb; each exposes ``run(...) -> int`` (the exit code)."""

from __future__ import annotations

from collections.abc import Callable

from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.report import OutputFormat, report

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def guarded(fmt: OutputFormat, action: Callable[[], int]) -> int:
    """Run ``action``; a :class:`ConfigError` is reported once and becomes exit code 1."""
    try:
        return action()
    except ConfigError as exc:
        code = EXIT_USAGE if all(d.code == "usage" for d in exc.diagnostics) else EXIT_INVALID
        report(exc.diagnostics, fmt)
        return code
