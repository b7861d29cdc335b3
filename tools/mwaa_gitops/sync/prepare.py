"""An environment made ready to sync, plan or verify: checked, rendered, laid out and its target
opened (and, for a bucket, read ahead while the config is checked)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mwaa_gitops.config.model import Environment
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location
from mwaa_gitops.render import pipeline
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.plan import Desired, Layout, desired_files
from mwaa_gitops.sync.targets import DEFAULT_JOBS, Target, open_target

if TYPE_CHECKING:
    from mwaa_gitops.sync.observe import Observer
    from mwaa_gitops.sync.preflight import Preflight


@dataclass
class Prepared:
    """A checked environment, its rendered files and its target."""

    repo: Repository
    environment: Environment
    layout: Layout
    desired: dict[str, Desired]
    target: Target
    where: Location  # mwaa.target in the layer that set it: where sync errors point
    settings: Node | None = None  # the merged environment.yaml settings, with provenance
    # Rendered files of MWAA settings the repository does not own (mwaa.owns): not synced.
    withheld: dict[str, bytes] = field(default_factory=dict)

    @property
    def registration_setting(self) -> Location:
        """``openmetadata.registerPipelines`` where it was set: where registration errors
        that concern the server or its token point."""
        node = self.settings.get("openmetadata", "registerPipelines") if self.settings \
            else None
        return node.location if node is not None else self.where

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Report a :class:`SyncError` at the ``mwaa.target`` setting, like config errors."""
        try:
            yield
        except SyncError as exc:
            raise ConfigError([Diagnostic(self.where, exc.message, exc.hint, code="sync")]) \
                from exc

    def preflight(self) -> Preflight:
        """The settings checked against the MWAA environment (``GetEnvironment``); see
        :mod:`mwaa_gitops.sync.preflight`. Reads nothing from the target."""
        from mwaa_gitops.sync import preflight

        mwaa = self.environment.mwaa
        client = None
        if self.manages_mwaa:
            from botocore.exceptions import BotoCoreError

            try:
                client = preflight.connect(mwaa.environment_name, mwaa.region)
            except BotoCoreError as exc:
                return preflight.Preflight(notes=[
                    f"warning: could not read MWAA environment '{mwaa.environment_name}' "
                    f"({exc}): its settings were not checked against it"])
        return preflight.check(self.environment, self.settings, self.target, self.layout,
                               self.withheld, client, self.where)

    @property
    def manages_mwaa(self) -> bool:
        """Only a bucket belongs to an MWAA environment; a folder has none to update."""
        return self.target.serves_mwaa


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
        if (prepared.target.reads_ahead
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
    if not (isinstance(target, str) and isinstance(endpoint, str | None)
            and isinstance(region, str | None)):
        return None
    try:
        if not open_target(target, root=repo.root, endpoint_url=endpoint, region=region,
                           jobs=jobs).reads_ahead:
            return None
    except SyncError:
        return None  # validation will say what is wrong
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
    try:
        prepared_target = open_target(environment.mwaa.target, root=repo.root,
                                      endpoint_url=environment.mwaa.endpoint_url,
                                      region=environment.mwaa.region, jobs=jobs)
        layout = Layout.of(environment.mwaa, serves_mwaa=prepared_target.serves_mwaa)
        desired = desired_files(checked.files, layout)
    except SyncError as exc:
        raise ConfigError([Diagnostic(where, exc.message, exc.hint, code="sync")]) from exc
    withheld = {key: data for key, data in checked.files.items() if key in layout.withheld}
    return Prepared(repo, environment, layout, desired, prepared_target, where,
                    checked.merged.settings, withheld)
