"""``mwaa-gitops plan``: what a sync of one environment would upload, change and delete."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mwaa_gitops.commands import EXIT_OK, guarded
from mwaa_gitops.config.model import Environment
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location
from mwaa_gitops.render import pipeline
from mwaa_gitops.report import OutputFormat, github_line
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.deploy import Inspection, inspect
from mwaa_gitops.sync.plan import Desired, Layout, desired_files
from mwaa_gitops.sync.summary import plan_json, plan_markdown, plan_text
from mwaa_gitops.sync.targets import DEFAULT_JOBS, S3Target, Target, open_target

if TYPE_CHECKING:
    from mwaa_gitops.sync.observe import Observer

# Distinct from success so CI can tell "nothing to do" apart (only with --detailed-exitcode).
EXIT_NOTHING_TO_DO = 3


@dataclass
class Prepared:
    """A checked environment, its rendered files and its target."""

    repo: Repository
    environment: Environment
    layout: Layout
    desired: dict[str, Desired]
    target: Target
    where: Location  # mwaa.target in the layer that set it: where sync errors point

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Report a :class:`SyncError` at the ``mwaa.target`` setting, like config errors."""
        try:
            yield
        except SyncError as exc:
            raise ConfigError([Diagnostic(self.where, exc.message, exc.hint, code="sync")]) \
                from exc

    @property
    def manages_mwaa(self) -> bool:
        """Only a bucket belongs to an MWAA environment; a folder has none to update."""
        return isinstance(self.target, S3Target)


def prepare(root: Path | None, env: str, jobs: int = DEFAULT_JOBS) -> Prepared:
    """Check and render ``env`` and open its target; nothing is read from the target yet.

    Refuses (with the check's diagnostics) when the environment does not validate.
    """
    repo = pipeline.open_repository(root)
    observer = _observe_early(repo, env, jobs)
    try:
        prepared = _prepare(repo, env, jobs)
    except BaseException:
        if observer is not None:
            observer.cancel()
        raise
    if observer is not None:
        mwaa = prepared.environment.mwaa
        if (isinstance(prepared.target, S3Target)
                and observer.key == (mwaa.target, mwaa.endpoint_url, mwaa.region)):
            prepared.target.replay(observer.answers())
        else:
            observer.cancel()
    return prepared


def _observe_early(repo: Repository, env: str, jobs: int) -> Observer | None:
    """Start reading the bucket that ``env``'s environment files name, while it is checked
    and rendered; None for a folder, or when the files do not say plainly."""
    from mwaa_gitops.config.environments import chain_of
    from mwaa_gitops.sync.observe import Observer

    found: dict[str, object] = {}
    try:
        for layer in chain_of(repo, env):  # base first: later layers override
            node = repo.load(repo.environment_file(layer))
            for key in ("target", "endpointUrl", "region"):
                value = node.get("mwaa", key)
                if value is not None:
                    found[key] = value.value
    except (ConfigError, OSError):
        return None  # validation will say what is wrong
    target, endpoint, region = (found.get(k) for k in ("target", "endpointUrl", "region"))
    if not (isinstance(target, str) and target.startswith("s3://")
            and isinstance(endpoint, str | None) and isinstance(region, str | None)):
        return None
    # The checked settings must name the same bucket, or the answers are dropped unread.
    try:
        return Observer(target, endpoint, region, jobs)
    except OSError:
        return None  # no interpreter to start: the sync reads the bucket itself


def _prepare(repo: Repository, env: str, jobs: int) -> Prepared:
    (checked,) = pipeline.rendered(repo, [env])
    environment = checked.environment
    node = checked.merged.settings.get("mwaa", "target")
    where = node.location if node is not None else Location(repo.display(
        repo.environment_file(env)))
    layout = Layout.of(environment.mwaa)
    prepared_target: Target | None = None
    try:
        desired = desired_files(checked.files, layout)
        prepared_target = open_target(environment.mwaa.target, root=repo.root,
                                      endpoint_url=environment.mwaa.endpoint_url,
                                      region=environment.mwaa.region, jobs=jobs)
    except SyncError as exc:
        raise ConfigError([Diagnostic(where, exc.message, exc.hint, code="sync")]) from exc
    return Prepared(repo, environment, layout, desired, prepared_target, where)


def show(inspection: Inspection, env: str, fmt: OutputFormat) -> None:
    """Print a plan in ``fmt`` (GitHub: step summary file when set, plus drift annotations)."""
    if fmt is OutputFormat.json:
        print(json.dumps(plan_json(inspection, env), indent=2))
    elif fmt is OutputFormat.github:
        publish_markdown(plan_markdown(inspection, env))
        annotate_drift(inspection, env)
    else:
        print(plan_text(inspection, env))


def publish_markdown(markdown: str) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` when running in Actions, else print."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    else:
        print(markdown)


def annotate_drift(inspection: Inspection, env: str) -> None:
    """A warning annotation per drifted object (they show on the run's summary page)."""
    for item in inspection.plan.drifted:
        message = f"{env}: {inspection.target.url}/{item.key} {item.drift}"
        print(github_line(Diagnostic(Location(""), message, code="drift", severity="warning")))


def run(root: Path | None, env: str, fmt: OutputFormat, adopt: bool = False,
        detailed_exitcode: bool = False, check_dags: bool = True) -> int:
    """Print the plan for ``env``; with ``detailed_exitcode``, 3 means nothing to do; 4 when
    MWAA already has one of the rendered dag ids from another file (``check_dags``)."""

    def action() -> int:
        from mwaa_gitops.commands.verify import precheck

        prepared = prepare(root, env)
        with prepared.errors():
            inspection = inspect(prepared.target, prepared.desired, environment=env,
                                 layout=prepared.layout, adopt=adopt,
                                 track_mwaa=prepared.manages_mwaa)
        show(inspection, env, fmt)
        collided = precheck(prepared, fmt, required=False) if check_dags else EXIT_OK
        if collided:
            return collided
        if detailed_exitcode and inspection.plan.nothing_to_do:
            return EXIT_NOTHING_TO_DO
        return EXIT_OK

    return guarded(fmt, action)
