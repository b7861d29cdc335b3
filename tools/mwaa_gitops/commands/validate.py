"""``mwaa-gitops validate``: merge and check environments, report every problem once."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops import pipeline
from mwaa_gitops.commands import EXIT_INVALID, EXIT_OK, guarded
from mwaa_gitops.diagnostics import ConfigError, Location
from mwaa_gitops.report import OutputFormat, report
from mwaa_gitops.resolver import ResolverUnavailable


def run(root: Path | None, names: list[str], fmt: OutputFormat, *, resolve: bool = False) -> int:
    """Check ``names`` (all environments when empty); exit 1 when anything is wrong.
    ``resolve``: also resolve the python approach's requirements with uv (network, cached)."""

    def action() -> int:
        repo = pipeline.open_repository(root)
        try:
            result = pipeline.check(repo, names or None, resolve=resolve)
        except ResolverUnavailable as exc:
            raise ConfigError.at(Location(""), str(exc), code="usage") from None
        problems = result.diagnostics.sorted()
        envs = [e for e in result.environments.values() if not e.abstract]
        workflows = sum(len(e.workflows) for e in envs)
        if problems:
            summary = (f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
                       f"{len({d.location.path for d in problems})} file(s)")
        else:
            summary = (f"ok: {len(envs)} environment{'s' if len(envs) != 1 else ''}, "
                       f"{workflows} workflow{'s' if workflows != 1 else ''} valid")
        report(problems, fmt, summary)
        return EXIT_INVALID if problems else EXIT_OK

    return guarded(fmt, action)
