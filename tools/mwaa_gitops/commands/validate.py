"""``mwaa-gitops validate``: merge and check environments, report every problem once."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops.check.copies import stale_copies
from mwaa_gitops.config.environments import chain_of
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import ConfigError, Location
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.facts.resolver import ResolverUnavailable
from mwaa_gitops.render import pipeline
from mwaa_gitops.report import OutputFormat, report


def run(root: Path | None, names: list[str], fmt: OutputFormat, *, resolve: bool = False,
        abstract_ok: bool = False) -> int:
    """Check ``names`` (all environments when empty); exit 1 when anything is wrong.

    ``resolve``: also resolve the python approach's requirements with uv (network, cached).
    Naming an abstract layer is a usage error unless ``abstract_ok`` (the commit hook, which
    checks every layer a change reaches): on its own it has nothing to validate.
    """
    repo = pipeline.open_repository(root)
    if not abstract_ok:
        _refuse_abstract(repo, names)
    try:
        result = pipeline.check(repo, names or None, resolve=resolve, keep=False)
    except ResolverUnavailable as exc:
        raise ConfigError.at(Location(""), str(exc), code="usage") from None
    problems = result.diagnostics.sorted()
    # Advice that never fails validate: the repository's copies, what ECS cannot deliver.
    notes = [*stale_copies(repo.root), *result.advice.sorted()]
    report([*notes, *problems], fmt, pipeline.summary_line(result))
    return ExitCode.INVALID if result.diagnostics else ExitCode.OK  # errors; warnings pass


def _refuse_abstract(repo: Repository, names: list[str]) -> None:
    """Name the environments to validate instead of an abstract layer ``names`` holds."""
    layers = repo.layer_names()
    deployable = pipeline.deployable(repo)
    for name in names:
        if name not in layers or name in deployable:
            continue
        reached = [e for e in deployable if name in _chain(repo, e)]
        options = " ".join(f"--env {e}" for e in reached)
        raise ConfigError.at(
            Location(repo.display(repo.environment_file(name))),
            f"'{name}' is an abstract layer (abstract: true): it is validated as part of the "
            "environments that extend it",
            f"validate those: {options}; or omit --env" if reached else
            "no environment extends it yet; omit --env to check it by the rules alone",
            code="usage")


def _chain(repo: Repository, name: str) -> tuple[str, ...]:
    try:
        return chain_of(repo, name)
    except ConfigError:
        return ()  # a broken chain is reported when that environment is validated
