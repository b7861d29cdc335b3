"""The requirements gate: what an environment's workflows need must install on its MWAA release.

* python approach: the rendered ``requirements.txt`` is installed into MWAA's own Python under
  the constraints MWAA applies (:mod:`mwaa_gitops.facts.mwaa_install`). Every ``validate`` compares
  it with the constraint pins offline; ``validate --resolve`` also resolves it with uv
  (:mod:`mwaa_gitops.facts.resolver`, cached), which finds transitive conflicts too.
* virtualenv approach: the task virtualenv installs a vendored lock
  (:mod:`mwaa_gitops.facts.requirements_data`), or, for a release of a supported line the tool
  has not vendored, one resolved on demand (:mod:`mwaa_gitops.facts.venv_locks`); a combination
  without one, or one that does not resolve, is refused here before rendering.
* A release that is not vendored is read from the package index, once (then cached); when the
  index cannot be reached, that is said once, at ``openmetadata.ingestionVersion``.
* Both install each workflow's connector extras (:mod:`mwaa_gitops.facts.connectors`); a test suite
  whose connection the server gives at run time gets a warning: its driver cannot be known.

Each problem is reported at whichever of the approach, ``openmetadata.ingestionVersion`` and
``mwaa.airflowVersion`` a later layer set: the change that brought it. The hint names only the
ways out that resolve (measured by the same data) and that no other rule refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mwaa_gitops.check.messages import set_at
from mwaa_gitops.check.secrets import reference_kind
from mwaa_gitops.config import locks
from mwaa_gitops.config.environments import MergedEnvironment
from mwaa_gitops.config.locks import LockSet
from mwaa_gitops.config.model import Environment, Workflow
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import Diagnostic, Location
from mwaa_gitops.facts import (
    connectors,
    mwaa_install,
    mwaa_releases,
    package_index,
    requirements_data,
    resolver,
    venv_locks,
)
from mwaa_gitops.facts.kinds import kind_of
from mwaa_gitops.render import pipelines
from mwaa_gitops.render.mwaa import render_requirements

CONNECTION_TYPE = ("source", "serviceConnection", "config", "connection", "type")
SHOWN = 12  # conflicts named in one message; the rest are counted
EXTRAS_NAMED = re.compile(rf"{re.escape(requirements_data.PACKAGE)}\[[^\]]*\]")


def requirements_install(merged: MergedEnvironment, environment: Environment, *,
                         resolve: bool = False) -> list[Diagnostic]:
    """Every workflow of ``environment`` whose requirements do not install on its release."""
    try:
        return [*python_approach(merged, environment, resolve=resolve),
                *virtualenv_approach(merged, environment), *drivers_unknown(merged, environment)]
    except package_index.IndexUnavailable as exc:
        _, ingestion = _versions(merged)
        if ingestion is None:
            raise
        return [index_unavailable(ingestion, exc)]


def index_unavailable(ingestion: Node, exc: package_index.IndexUnavailable) -> Diagnostic:
    """A release the tool has not vendored, whose facts the package index could not give."""
    vendored = requirements_data.vendored_of_line(str(ingestion.value))
    pin = f"pin the vendored release of the line{f', {vendored}' if vendored else ''}"
    message = (f"openmetadata-ingestion {ingestion.value} is not vendored in this mwaa-gitops, "
               f"so what it requires is read from the package index; {exc}")
    if isinstance(exc, package_index.NoSuchRelease):
        return Diagnostic(ingestion.location, message, f"use a release the index has, or {pin}",
                          "no-such-release")
    return Diagnostic(ingestion.location, message, "reach the package index once (what it "
                      f"answers is kept in {resolver.cache_dir()}), or {pin}",
                      "index-unavailable")


def drivers_unknown(merged: MergedEnvironment, environment: Environment) -> Iterator[Diagnostic]:
    """A test suite in MWAA's Python or a task virtualenv whose connection the server gives at
    run time: the driver it needs cannot be known, so none is installed; say so."""
    for workflow in environment.workflows:
        if workflow.dag.approach == "ecs" or not connectors.connection_from_server(
                workflow.config):
            continue
        node = merged.workflows[workflow.name].get("source", "type")
        yield Diagnostic(
            node.location if node is not None else merged.workflows[workflow.name].location,
            f"test suite '{workflow.name}' runs its tests through the connection of the tested "
            "tables' service, which the OpenMetadata server gives at run time: which "
            "openmetadata-ingestion extra (database driver) that needs is not known here, so "
            f"approach {workflow.dag.approach} installs none",
            "name the service's connection in source.serviceConnection (its extra is then "
            "installed), or use approach ecs (the ingestion image installs the `all` extra)",
            "driver-unknown", severity="warning")


def python_approach(merged: MergedEnvironment, environment: Environment, *,
                    resolve: bool) -> Iterator[Diagnostic]:
    """The rendered requirements.txt installs under MWAA's constraints, or the python
    approach is refused with the conflicts."""
    workflows = [wf for wf in environment.workflows if wf.dag.approach == "python"]
    airflow, ingestion = _versions(merged)
    if not workflows or airflow is None or ingestion is None:
        return
    if environment.mwaa.custom_constraints:
        yield from _custom_constraints(merged, environment)
        return
    if environment.mwaa.private_network is not None:
        yield from _private_without_constraints(merged, workflows)
        return
    release = str(airflow.value)
    text = render_requirements(environment)[environment.mwaa.requirements_path].decode("utf-8")
    try:
        conflicts = mwaa_install.direct_conflicts(text, release)
    except mwaa_install.UnknownIngestion:
        yield _unsupported(ingestion)
        return
    if conflicts:
        shown = ", ".join(c.text() for c in conflicts[:SHOWN])
        more = f" and {len(conflicts) - SHOWN} more" if len(conflicts) > SHOWN else ""
        reason = (f"it requires {shown}{more} ({len(conflicts)} conflicting "
                  f"package{'s' if len(conflicts) != 1 else ''})")
    elif resolve:
        constraints = [c.text for c in mwaa_install.applied_constraints(text, release)]
        listed = "".join(line + "\n" for line in text.splitlines()
                         if line and not line.startswith(("#", "-")))
        result = resolver.resolve(listed, constraints, mwaa_releases.python_full_version(release))
        if result.ok:
            return
        reason = f"the resolver finds no solution: {result.message}"
    else:
        yield _unverified(merged, workflows, text, airflow, ingestion)
        return
    yield from _refusals(merged, environment, workflows, "python", reason, airflow, ingestion)


def _custom_constraints(merged: MergedEnvironment, environment: Environment
                        ) -> Iterator[Diagnostic]:
    """The python approach under the repository's custom constraints: their lock is there and
    fresh, and every package of MWAA's image they move is shown (once per environment)."""
    found = lock_sets(merged, environment)
    for lock_set, places in found.items():
        if lock_set.kind != "constraints":
            continue
        # On a private network the bundle carries what pip installs: the resolved set's lock.
        resolved = {other: where for other, where in found.items() if other.kind == "python"}
        problems = list(_lock_problems(merged, {lock_set: places, **resolved},
                                       "custom constraints"))
        if problems:
            yield from problems
            continue
        airflow, ingestion = _versions(merged)
        here = _latest(merged, [airflow, ingestion, _custom(merged)])
        yield from moves_warning(merged.root, lock_set, here)


def _private_without_constraints(merged: MergedEnvironment, workflows: list[Workflow]
                                 ) -> Iterator[Diagnostic]:
    """On a private network the python approach needs its constraints file in the DAGs folder:
    Apache Airflow's constraints are a URL the workers cannot fetch."""
    private = merged.settings.get("mwaa", "privateNetwork")
    by_place: dict[Location, list[str]] = {}
    for workflow in workflows:
        here = _latest(merged, [private, _approach(merged, workflow)])
        by_place.setdefault(here, []).append(workflow.name)
    for here, names in by_place.items():
        many = len(names) > 1
        yield Diagnostic(
            here, f"{'workflows' if many else 'workflow'} "
            f"{', '.join(map(repr, names))} {'run' if many else 'runs'} in MWAA's own Python "
            "(approach python) on a private network, where MWAA's pip can fetch neither "
            "packages nor Apache Airflow's constraints (a URL) for requirements.txt",
            "set `mwaa.customConstraints: true` so the constraints file travels in the DAGs "
            f"folder, run `{locks.command(merged.name)}` and `mwaa-gitops bundle --env "
            f"{merged.name}` and commit locks/; or use approach virtualenv",
            "private-network-constraints")


def moves_warning(root: Path | None, lock_set: LockSet, here: Location
                  ) -> Iterator[Diagnostic]:
    """The packages of MWAA's image that fresh custom constraints move, as one warning."""
    lock = locks.read(root, lock_set)
    if lock is None or lock.digest != lock_set.digest:
        return
    moves = lock.moves
    yield Diagnostic(
        here, f"the python approach installs {lock_set.requirement} into MWAA's own Python "
        f"under the custom constraints {lock_set.path}, which move "
        f"{len(moves)} of the packages MWAA's image has on Airflow {lock_set.airflow}"
        f"{': ' + ', '.join(moves) if moves else ''}",
        "review that MWAA's own DAGs and operators work with these versions; approach "
        "virtualenv keeps MWAA's packages as they are", "custom-constraints",
        severity="warning")


def _unverified(merged: MergedEnvironment, workflows: list[Workflow], text: str, airflow: Node,
                ingestion: Node) -> Diagnostic:
    """Offline, only the first level of what requirements.txt pulls in is known: say so."""
    listed = ", ".join(line for line in text.splitlines()
                       if line and not line.startswith(("#", "-")))
    here = _latest(merged, [airflow, ingestion, _approach(merged, workflows[0])])
    names = ", ".join(f"'{wf.name}'" for wf in workflows)
    return Diagnostic(
        here, f"requirements.txt ({listed}) for {names} fits MWAA's constraints on Airflow "
        f"{airflow.value} as far as is known offline: what those packages require directly; "
        "what their own dependencies require is not vendored, so a conflict there is not seen",
        "run `mwaa-gitops validate --resolve` (uv, network, cached) to resolve the whole set",
        "requirements-unverified", severity="warning")


def lock_sets(merged: MergedEnvironment, environment: Environment
              ) -> dict[LockSet, dict[Location, list[Workflow]]]:
    """Every lock the environment's workflows need from the repository (a task virtualenv's
    per virtualenv workflow's set; the custom constraints of the python approach, when the
    environment opts in), with the workflows that need it, grouped by the setting that brought
    it: whichever of the approach, ``source.type``, ``openmetadata.ingestionVersion`` and
    ``mwaa.airflowVersion`` a later layer set."""
    airflow, ingestion = _versions(merged)
    found: dict[LockSet, dict[Location, list[Workflow]]] = {}
    if airflow is None or ingestion is None:
        return found
    release, version = str(airflow.value), str(ingestion.value)
    python = [wf for wf in environment.workflows if wf.dag.approach == "python"]
    if python and environment.mwaa.custom_constraints:
        extras = tuple(sorted({e for wf in python
                               for e in connectors.workflow_extras(wf.config, version)}))
        lock_set = LockSet(release, version, extras, "constraints")
        resolved = LockSet(release, version, extras, "python") \
            if environment.mwaa.private_network is not None else None
        for workflow in python:
            here = _latest(merged, [airflow, ingestion, _custom(merged),
                                    _approach(merged, workflow)])
            found.setdefault(lock_set, {}).setdefault(here, []).append(workflow)
            if resolved is not None:  # the same place: one message names both files
                found.setdefault(resolved, {}).setdefault(here, []).append(workflow)
    for workflow in environment.workflows:
        if workflow.dag.approach != "virtualenv":
            continue
        extras = connectors.workflow_extras(workflow.config, version)
        here = _latest(merged, [airflow, ingestion, _source_type(merged, workflow),
                                _approach(merged, workflow)])
        found.setdefault(LockSet(release, version, extras), {}).setdefault(
            here, []).append(workflow)
    return found


def virtualenv_approach(merged: MergedEnvironment, environment: Environment
                        ) -> Iterator[Diagnostic]:
    """Each virtualenv workflow's set resolves (as far as this mwaa-gitops measured) and the
    repository holds its lock, written for exactly these inputs."""
    airflow, ingestion = _versions(merged)
    if airflow is None or ingestion is None:
        return
    unresolvable: dict[str, list[Workflow]] = {}
    wanting: dict[LockSet, dict[Location, list[Workflow]]] = {}
    for lock_set, places in lock_sets(merged, environment).items():
        if lock_set.kind != "venv":
            continue
        # A release not vendored: that the index has it is known once (then cached).
        requirements_data.requires_dist(lock_set.ingestion)
        reason = venv_locks.known_unresolvable(lock_set.airflow, lock_set.ingestion,
                                               lock_set.extras)
        if reason is None:
            wanting[lock_set] = places
            continue
        # One root cause, one message: the same conflict whatever extras brought it there.
        cause = EXTRAS_NAMED.sub(requirements_data.PACKAGE, reason)
        unresolvable.setdefault(cause, []).extend(
            wf for workflows in places.values() for wf in workflows)
    yield from _lock_problems(merged, wanting, "task virtualenv")
    for reason, workflows in unresolvable.items():
        yield from _refusals(merged, environment, workflows, "virtualenv",
                             f"its task virtualenv does not resolve: {reason}", airflow,
                             ingestion)


def _lock_problems(merged: MergedEnvironment,
                   wanting: dict[LockSet, dict[Location, list[Workflow]]], what: str
                   ) -> Iterator[Diagnostic]:
    """The locks the repository lacks, or holds for other inputs: once per setting that
    brought them, with the command that writes them."""
    found: dict[tuple[Location, str], tuple[list[LockSet], list[str]]] = {}
    for lock_set, places in wanting.items():
        kind = locks.state(merged.root, lock_set)
        if kind == "fresh":
            continue
        for here, workflows in places.items():
            sets, names = found.setdefault((here, kind), ([], []))
            sets.append(lock_set)
            names.extend(wf.name for wf in workflows if wf.name not in names)
    for (here, state), (sets, names) in found.items():
        listed = ", ".join(f"'{name}'" for name in names)
        files = ", ".join(s.path for s in sets)
        what_of = "; ".join(f"{s.requirement} on MWAA's Airflow {s.airflow}" for s in sets)
        many = len(sets) > 1
        if state == "missing":
            message = (f"{'workflows' if len(names) > 1 else 'workflow'} {listed} "
                       f"{'need' if len(names) > 1 else 'needs'} the {what} "
                       f"lock{'s' if many else ''} of {what_of}, and the repository has no "
                       f"{files}")
        else:
            message = (f"{files}, the {what} lock{'s' if many else ''} of {listed}, "
                       f"{'were' if many else 'was'} written for other inputs than {what_of} "
                       "(the release's Python, the platform or the locking algorithm changed, "
                       "or the file was edited)")
        hint = f"run `{locks.command(merged.name)}` and commit {locks.LOCKS}/"
        if state == "missing":
            yield Diagnostic(here, message, hint, "missing-lock")
        else:
            yield Diagnostic(here, message, hint, "stale-lock")


def _refusals(merged: MergedEnvironment, environment: Environment, workflows: list[Workflow],
              approach: str, reason: str, airflow: Node, ingestion: Node
              ) -> Iterator[Diagnostic]:
    grouped: dict[tuple[Location, tuple[str, ...]], list[tuple[Workflow, Node | None]]] = {}
    for workflow in workflows:
        node = _approach(merged, workflow)
        here = _latest(merged, [airflow, ingestion, node])
        ways = tuple(a for a in working_approaches(merged, environment, workflow)
                     if a != approach)
        grouped.setdefault((here, ways), []).append((workflow, node))
    for (here, ways), group in grouped.items():
        many = len(group) > 1
        names = ", ".join(f"'{wf.name}'" for wf, _ in group)
        where = ("run" if many else "runs") + (
            " in MWAA's own Python" if approach == "python" else " in a task virtualenv")
        yield Diagnostic(
            here,
            f"{'workflows' if many else 'workflow'} {names} {where} (approach {approach}"
            f"{_origins(group, here)}), where openmetadata-ingestion {ingestion.value}"
            f"{set_at(ingestion, here)} cannot be installed on MWAA's Airflow "
            f"{airflow.value}{set_at(airflow, here)}: {reason}",
            _ways_out(approach, ways, str(airflow.value), str(ingestion.value),
                      [wf.config for wf, _ in group], _server(merged)) +
            (_opt_in(merged.name) if approach == "python" else ""),
            "dependency-conflict")


def working_approaches(merged: MergedEnvironment, environment: Environment,
                       workflow: Workflow) -> list[str]:
    """The approaches that install and that no rule refuses for this workflow, in order."""
    found = []
    airflow, ingestion = (str(n.value) if n else "" for n in _versions(merged))
    if _python_installs(environment, airflow, ingestion, workflow):
        found.append("python")
    if _resolves(airflow, ingestion, connectors.workflow_extras(workflow.config, ingestion)):
        found.append("virtualenv")
    tree = merged.workflows[workflow.name]
    kind = tree.get(*CONNECTION_TYPE)
    refers = any(reference_kind(node.value) in ("var", "env") for _, node in tree.walk()) \
        or not kind_of(workflow.config).runs_on("ecs")  # then ECS is no way out either
    if environment.ecs is not None and not (kind is not None and kind.value == "Backend") \
            and not refers:
        found.append("ecs")
    return found


def _python_installs(environment: Environment, airflow: str, ingestion: str,
                     workflow: Workflow) -> bool:
    """Whether this workflow's requirement alone passes the offline check."""
    try:
        return _installs(airflow, ingestion, connectors.workflow_extras(workflow.config,
                                                                         ingestion))
    except (mwaa_install.UnknownIngestion, mwaa_releases.UnknownRelease):
        return False


def _ways_out(approach: str, ways: tuple[str, ...], airflow: str, ingestion: str,
              configs: list[dict[str, Any]], server: str | None = None) -> str:
    """Approaches that work, then versions that would let this approach install (with the
    extras the workflows need on each version): another ingestion release only of the server's
    line (the client refuses a server of another major.minor), or another MWAA release."""
    options = [f"use approach {' or '.join(ways)}"] if ways else []
    works = _installs if approach == "python" else _locked
    line = requirements_data.line_name(server or ingestion)
    others = [v for v in requirements_data.SUPPORTED_INGESTION if v != ingestion
              and requirements_data.line_name(v) == line
              and all(works(airflow, v, connectors.workflow_extras(c, v)) for c in configs)]
    releases = [r for r in mwaa_releases.releases() if r != airflow
                and all(works(r, ingestion, connectors.workflow_extras(c, ingestion))
                        for c in configs)]
    if others:
        options.append(f"openmetadata-ingestion {' or '.join(others)}")
    if releases:
        options.append(f"MWAA with Airflow {' or '.join(releases)}")
    if not options:
        return ("no approach installs it here: run it from an OpenMetadata server of its own, "
                "or change the versions")
    if not others and not releases:
        options.append(f"with approach {approach}, no openmetadata-ingestion {line} release "
                       f"installs on Airflow {airflow}, nor does {ingestion} on any MWAA release")
    elif not others and server is not None:
        options.append(f"the server is on {line}, and the ingestion client must be of the "
                       "server's major.minor")
    return "; ".join(options)


def _opt_in(environment: str) -> str:
    return ("; or install it under custom constraints that move MWAA's packages where they "
            "must: set `mwaa.customConstraints: true` in the environment's settings, then run "
            f"`{locks.command(environment)}`")


def _server(merged: MergedEnvironment) -> str | None:
    node = merged.settings.get("openmetadata", "serverVersion")
    return str(node.value) if node is not None else None


def _installs(airflow: str, ingestion: str, extras: tuple[str, ...]) -> bool:
    text = f'--constraint "{_url(airflow)}"\n{pipelines.requirement(ingestion, list(extras))}\n'
    return not mwaa_install.direct_conflicts(text, airflow)


def _locked(airflow: str, ingestion: str, extras: tuple[str, ...]) -> bool:
    """Whether a vendored lock resolved; for a release the tool has not vendored, the vendored
    release of its line stands for it (nothing is resolved just to suggest a way out)."""
    vendored = ingestion if requirements_data.is_vendored(ingestion) else \
        requirements_data.vendored_of_line(ingestion)
    lock = requirements_data.venv_lock(airflow, vendored, extras) if vendored else None
    return lock is not None and lock.unresolvable is None


def _resolves(airflow: str, ingestion: str, extras: tuple[str, ...]) -> bool:
    """The environment's own combination: not known to be unresolvable (offline; the
    repository's lock, written by `mwaa-gitops lock`, says the rest)."""
    return venv_locks.known_unresolvable(airflow, ingestion, extras) is None


def _url(airflow: str) -> str:
    from mwaa_gitops.facts.mwaa_releases import constraints_url

    return constraints_url(airflow)


def _unsupported(ingestion: Node) -> Diagnostic:
    versions = ", ".join(requirements_data.vendored_ingestion())
    return Diagnostic(ingestion.location,
                      f"openmetadata-ingestion {ingestion.value} has no vendored requirements, "
                      "so whether it installs into MWAA cannot be checked",
                      f"use {versions}; or add it to SUPPORTED_INGESTION in "
                      f"mwaa_gitops.facts.requirements_data of mwaa-gitops and run "
                      f"`{requirements_data.GENERATE}` there", "unsupported-ingestion")


def _versions(merged: MergedEnvironment) -> tuple[Node | None, Node | None]:
    return (merged.settings.get("mwaa", "airflowVersion"),
            merged.settings.get("openmetadata", "ingestionVersion"))


def _approach(merged: MergedEnvironment, workflow: Workflow) -> Node | None:
    return merged.workflows[workflow.name].get("dag", "approach")


def _source_type(merged: MergedEnvironment, workflow: Workflow) -> Node | None:
    return merged.workflows[workflow.name].get("source", "type")


def _custom(merged: MergedEnvironment) -> Node | None:
    return merged.settings.get("mwaa", "customConstraints")


def _latest(merged: MergedEnvironment, nodes: list[Node | None]) -> Location:
    """The location of the node a later layer set; on a tie the last of ``nodes``."""
    present = [node for node in nodes if node is not None]
    best = present[0]
    for node in present[1:]:
        if merged.layer_of(node.location) >= merged.layer_of(best.location):
            best = node
    return best.location



def _origins(group: list[tuple[Workflow, Node | None]], here: Location) -> str:
    """``, set at <where>`` for each approach not set at ``here``; ``, by default`` if unset."""
    located = list(dict.fromkeys(str(node.location) for _, node in group
                                 if node and node.location != here))
    origins = ([f"set at {', '.join(located)}"] if located else []) + \
        (["by default"] if any(node is None for _, node in group) else [])
    return "".join(f", {origin}" for origin in origins)
