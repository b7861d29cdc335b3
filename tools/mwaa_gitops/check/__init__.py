"""Stage 3, check: JSON Schemas plus domain rules over merged trees.

Every diagnostic points at the file:line:col that *set* the offending value, because the
trees carry provenance from the layer files (see :mod:`mwaa_gitops.provenance`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from mwaa_gitops.check import rules
from mwaa_gitops.check.messages import diagnostics
from mwaa_gitops.check.schemas import DAG, ENVIRONMENT, OPENMETADATA_WORKFLOW, validator
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Diagnostics, display_path
from mwaa_gitops.environments import MergedEnvironment
from mwaa_gitops.load import load_file
from mwaa_gitops.provenance import Node


def check_environment(env: MergedEnvironment) -> list[Diagnostic]:
    """Every problem in one merged environment (an abstract layer gets only the rules)."""
    found: list[Diagnostic] = []
    if not env.abstract:
        settings = env.settings.plain()
        found.extend(diagnostics(validator(ENVIRONMENT).iter_errors(settings), env.settings))
        for tree in env.workflows.values():
            found.extend(check_workflow(tree))
    for rule in rules.RULES:
        found.extend(rule(env))
    return found


def check_workflow(tree: Node) -> Iterator[Diagnostic]:
    """Schema problems of one merged workflow: its ``dag`` block and the OpenMetadata part."""
    data = tree.plain()
    dag = data.pop("dag", None)
    if dag is not None:
        yield from diagnostics(validator(DAG).iter_errors(dag), tree, ("dag",))
    yield from diagnostics(validator(OPENMETADATA_WORKFLOW).iter_errors(data), tree)


def check_files(paths: Iterable[Path], checker: Callable[[Node], Iterable[Diagnostic]]
                ) -> list[Diagnostic]:
    """Load each standalone file and run ``checker`` on it; unreadable files are reported."""
    found = Diagnostics()
    for path in paths:
        try:
            tree = load_file(path, display_path(path))
        except ConfigError as exc:
            found.extend(exc.diagnostics)
            continue
        found.extend(list(checker(tree)))
    return found.sorted()


def check_openmetadata_workflow(tree: Node) -> Iterator[Diagnostic]:
    """A plain OpenMetadata workflow file (no ``dag`` block), as ``lint`` reads it."""
    yield from diagnostics(validator(OPENMETADATA_WORKFLOW).iter_errors(tree.plain()), tree)
    yield from rules.plaintext_secrets(tree)
