"""load → merge → check, for one environment or many: what every command starts from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mwaa_gitops.check import check_environment, targets
from mwaa_gitops.check.ecs_advice import ecs_long_dag_tasks
from mwaa_gitops.check.keys import setting_key_collisions
from mwaa_gitops.config.environments import MergedEnvironment, build
from mwaa_gitops.config.model import Environment, environment_from
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import ConfigError, Diagnostics, Location, did_you_mean
from mwaa_gitops.render.configs import OPENMETADATA_FOLDER


@dataclass(frozen=True)
class Rendered:
    """An environment that passed its checks, in its three forms."""

    merged: MergedEnvironment  # with provenance, for pointing at the lines that set values
    environment: Environment
    files: dict[str, bytes]  # bucket key → bytes


@dataclass(frozen=True)
class Summary:
    """What checking an environment found, in numbers."""

    abstract: bool
    workflows: int  # merged workflows, enabled or not


@dataclass
class Checked:
    """The outcome of checking some environments: merged trees and what is wrong with them."""

    environments: dict[str, MergedEnvironment] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    # Warnings that never make the config invalid (what an approach cannot deliver).
    advice: Diagnostics = field(default_factory=Diagnostics)
    rendered: dict[str, Rendered] = field(default_factory=dict)
    summaries: dict[str, Summary] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.diagnostics


def open_repository(root: Path | None) -> Repository:
    """The repository at ``root``, or the one containing the working directory."""
    if root is None:
        return Repository.find()
    if not (root / "environments").is_dir():
        raise ConfigError.at(Location(str(root)), "not a config repository: no 'environments/' "
                             "folder here", code="usage")
    return Repository(root.resolve())


def deployable(repo: Repository) -> list[str]:
    """Environments that sync somewhere (every layer that is not ``abstract: true``)."""
    names = []
    for name in repo.layer_names():
        try:
            node = repo.load(repo.environment_file(name)).get("abstract")
        except ConfigError:
            names.append(name)  # unreadable: keep it, so validation reports why
            continue
        if not (node is not None and node.value is True):
            names.append(name)
    return names


def check(repo: Repository, names: list[str] | None = None, *, resolve: bool = False,
          keep: bool = True) -> Checked:
    """Merge and check ``names`` (default: every layer, abstract ones by rules only);
    ``resolve`` also runs the resolver over the python approach's requirements.

    ``keep=False`` lets each environment's merged trees and rendered files go once it is
    checked (only ``diagnostics`` and ``summaries`` are filled): what ``validate`` needs, in
    the memory of one environment rather than all of them.
    """
    result = Checked()
    known = repo.layer_names()
    places: list[targets.Place] = []  # where each environment syncs, to compare them
    for name in names or known:
        if name not in known:
            raise ConfigError.at(Location(repo.display(repo.environments_dir)),
                                 f"unknown environment '{name}'", did_you_mean(name, known),
                                 code="usage")
        try:
            merged = build(repo, name)
        except ConfigError as exc:
            result.diagnostics.extend(exc.diagnostics)
            continue
        result.summaries[name] = Summary(merged.abstract, len(merged.workflows))
        place = None if merged.abstract else targets.place_of(name, merged.settings)
        if place is not None:
            places.append(place)
            result.diagnostics.extend(list(targets.inside_repository_folders(place, repo.root)))
        if keep:
            result.environments[name] = merged
        problems = check_environment(merged)
        result.diagnostics.extend(problems)
        result.advice.extend(ecs_long_dag_tasks([merged]))
        if not merged.abstract and not any(d.severity == "error" for d in problems):
            _render_into(result, repo, merged, resolve)
            if not keep:
                result.rendered.pop(name, None)
    result.diagnostics.extend(list(targets.overlapping_targets(places, repo.root)))
    return result


def _render_into(result: Checked, repo: Repository, merged: MergedEnvironment,
                 resolve: bool) -> None:
    """Render in memory: what cannot be rendered (an ECS config too large for its target, an
    Airflow reference in an ECS task…) or installed (requirements MWAA's constraints reject) is
    a validation error, not a surprise at sync time."""
    from mwaa_gitops.render import render_environment
    from mwaa_gitops.render.installable import requirements_install

    environment = environment_from(merged)
    gate = requirements_install(merged, environment, resolve=resolve)
    result.diagnostics.extend(gate)
    if any(d.severity == "error" for d in gate):  # warnings still render
        return
    try:
        files = render_environment(environment)
    except ConfigError as exc:
        result.diagnostics.extend(exc.diagnostics)
        return
    mwaa = environment.mwaa
    clashes = list(setting_key_collisions(merged, {
        "requirementsPath": mwaa.requirements_path, "pluginsPath": mwaa.plugins_path,
        "startupScriptPath": mwaa.startup_script_path}, _produced(environment, files)))
    if clashes:
        result.diagnostics.extend(clashes)
        return
    result.rendered[merged.name] = Rendered(merged, environment, files)


def _produced(environment: Environment, files: Mapping[str, bytes]) -> dict[str, str]:
    """Every rendered key but the requirements, with what it holds (for messages); read from
    the renderers' own key functions, since the requirements replace a key they share."""
    from mwaa_gitops.render.configs import config_key
    from mwaa_gitops.render.dags import ADAPTER, dag_key
    from mwaa_gitops.render.discovery import discovery_key

    mwaa = environment.mwaa
    produced = {key: "a rendered file" for key in files if key != mwaa.requirements_path}
    produced[f"{mwaa.dags_prefix}/{OPENMETADATA_FOLDER}/{ADAPTER}"] = "the connector adapter"
    if environment.discovery.enabled:
        produced[discovery_key(environment)] = "the connection discovery DAG"
    for workflow in environment.workflows:
        produced[dag_key(environment, workflow)] = f"the DAG of workflow '{workflow.name}'"
        produced[config_key(environment, workflow)] = f"the config of workflow '{workflow.name}'"
    return produced


def checked_environment(repo: Repository, name: str) -> Environment:
    """The typed, checked environment ``name``; raises :class:`ConfigError` listing problems."""
    (one,) = rendered(repo, [name])
    return one.environment


def rendered(repo: Repository, names: list[str]) -> list[Rendered]:
    """``names`` checked and rendered (the render that validation did, not a second one);
    raises :class:`ConfigError` listing every problem when any of them is invalid."""
    result = check(repo, names)
    if not result.ok:
        raise ConfigError(result.diagnostics.sorted())
    for name in names:
        if result.environments[name].abstract:
            raise ConfigError.at(Location(repo.display(repo.environment_file(name))),
                                 f"'{name}' is an abstract layer (abstract: true); it has no "
                                 f"bucket", f"use one of: {', '.join(deployable(repo))}",
                                 code="usage")
    return [result.rendered[name] for name in names]


def summary_line(result: Checked) -> str:
    """What ``validate`` says last: how many problems in how many files, or what is valid."""
    problems = result.diagnostics.sorted()
    if result.diagnostics:  # an error among them
        return (f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
                f"{len({d.location.path for d in problems})} file(s)")
    envs = [e for e in result.summaries.values() if not e.abstract]
    workflows = sum(e.workflows for e in envs)
    warned = f", {len(problems)} warning{'s' if len(problems) != 1 else ''}" if problems else ""
    return (f"ok: {len(envs)} environment{'s' if len(envs) != 1 else ''}, "
            f"{workflows} workflow{'s' if workflows != 1 else ''} valid{warned}")
