"""Stage 3, check: JSON Schemas plus domain rules over merged trees.

Every diagnostic points at the file:line:col that *set* the offending value, because the
trees carry provenance from the layer files (see :mod:`mwaa_gitops.config.provenance`).

Layer: check. May import the ground modules, ``facts`` and ``config``; never render, sync,
verify or commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from mwaa_gitops.check import rules
from mwaa_gitops.check.kind_rules import workflow_problems
from mwaa_gitops.check.messages import diagnostics
from mwaa_gitops.check.schemas import (
    DAG,
    ENVIRONMENT,
    line_of,
    supported_lines,
    validator,
    workflow_schema,
)
from mwaa_gitops.config.environments import MergedEnvironment
from mwaa_gitops.config.load import load_file
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import (
    ConfigError,
    Diagnostic,
    Diagnostics,
    Location,
    did_you_mean,
    display_path,
)
from mwaa_gitops.facts.requirements_data import major_minor

# Settings of environment.yaml that fill a RestAPI connection's mwaaConfig, by the message a
# workflow would get for each when it is missing.
FILLED_FROM = {
    "missing required key 'environmentName'": "missing required key 'mwaaEnvironmentName'",
    "missing required key 'region'": "missing required key 'awsConfig'",
}


def check_environment(env: MergedEnvironment) -> list[Diagnostic]:
    """Every problem in one merged environment (an abstract layer gets only the rules)."""
    found: list[Diagnostic] = []
    if not env.abstract:
        settings = env.settings.plain()
        found.extend(diagnostics(validator(ENVIRONMENT).iter_errors(settings), env.settings))
        # What a missing MWAA setting leaves unfilled in the workflows is that one problem.
        unfilled = {FILLED_FROM[d.message] for d in found
                    if d.subject == "mwaa" and d.message in FILLED_FROM}
        line, unsupported = _workflow_line(env)
        found.extend(unsupported)
        for name, tree in env.workflows.items():
            orphan = _overlays_nothing(env, name, tree)
            found.extend([orphan] if orphan else (
                d for d in check_workflow(tree, line, openmetadata=not unsupported)
                if not (d.code == "required" and d.message in unfilled)))
    for rule in rules.RULES:
        found.extend(rule(env))
    return found


def _overlays_nothing(env: MergedEnvironment, name: str, tree: Node) -> Diagnostic | None:
    """A workflow with neither ``source`` nor ``sink`` whose first file is not in the root
    layer is an overlay of a workflow no lower layer has (a renamed or misspelt file)."""
    layers = env.workflow_layers.get(name, ())
    if not layers or layers[0] == env.chain[0] or tree.get("source") or tree.get("sink"):
        return None
    below = env.chain[:env.chain.index(layers[0])] if layers[0] in env.chain else ()
    others = [n for n, of in env.workflow_layers.items() if n != name and of[0] in below]
    hint = did_you_mean(name, others) if others else None
    hint = hint if hint and not hint.startswith("known:") else (
        "a workflow first written here needs its own source and sink")
    return Diagnostic(Location(tree.location.path), f"overlays nothing: no layer below "
                      f"'{layers[0]}' ({', '.join(below)}) has a workflow '{name}'", hint,
                      "orphan-overlay")


def _workflow_line(env: MergedEnvironment) -> tuple[str | None, list[Diagnostic]]:
    """The openmetadata-ingestion line whose schema checks the workflows (None: the newest,
    when no version is set, which the environment schema reports), or why there is none."""
    version = env.settings.get("openmetadata", "ingestionVersion")
    if version is None or not isinstance(version.value, str) or \
            major_minor(version.value) is None:
        return None, []
    line = line_of(version.value)
    if line is not None:
        return line, []
    lines = supported_lines()
    return None, [Diagnostic(
        version.location, f"openmetadata-ingestion {version.value} is of no supported line: "
        f"workflows are checked against the model of {', '.join(lines)}",
        f"use a {' or '.join(lines)} release (e.g. {lines[-1]}.x); a newer line needs the "
        "mwaa-gitops release that adds its model", "unsupported-line")]


def check_workflow(tree: Node, line: str | None = None, *,
                   openmetadata: bool = True) -> Iterator[Diagnostic]:
    """Schema problems of one merged workflow: its ``dag`` block and the OpenMetadata part,
    checked against the model of openmetadata-ingestion ``line`` (default: the newest)."""
    data = tree.plain()
    dag = data.pop("dag", None)
    if dag is not None:
        yield from diagnostics(validator(DAG).iter_errors(dag), tree, ("dag",))
    if openmetadata:
        yield from diagnostics(validator(workflow_schema(line)).iter_errors(data), tree,
                               top_keys=("dag",))


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


def check_openmetadata_workflow(tree: Node, line: str | None = None) -> Iterator[Diagnostic]:
    """A plain OpenMetadata workflow file (no ``dag`` block), as ``lint`` reads it, against the
    model of openmetadata-ingestion ``line`` (default: the newest)."""
    yield from diagnostics(validator(workflow_schema(line)).iter_errors(tree.plain()), tree)
    yield from rules.plaintext_secrets(tree)
    yield from workflow_problems(PurePosixPath(tree.location.path).stem, tree)
