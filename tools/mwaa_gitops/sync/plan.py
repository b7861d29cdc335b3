"""Plan: what a sync would do, as a pure function of (rendered tree, target listing, manifest).

Objects are compared by content, never by size or time: a rendered file is unchanged when the
target still holds the very object we wrote (its etag matches the manifest) and that object had
the same SHA-256, or when the target's etag is the MD5 of the rendered bytes. Objects that are
neither rendered nor owned are foreign and never appear in a plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum, IntEnum
from pathlib import PurePosixPath

from mwaa_gitops.config.model import MwaaSettings
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.manifest import Entry, Manifest, sha256_hex
from mwaa_gitops.sync.targets import RESERVED, RemoteObject, check_key, folder_collision, md5_hex


class Action(str, Enum):
    add = "add"
    change = "change"
    delete = "delete"
    unchanged = "unchanged"
    conflict = "conflict"  # rendered, but the target holds a different object we do not own


class Phase(IntEnum):
    """Upload order; deletions run in reverse, so no DAG ever outlives what it reads."""

    environment = 0  # requirements.txt, plugins.zip, startup script
    support = 1      # workflow configs and helper modules the DAGs read
    dags = 2         # files Airflow parses as DAGs


# ``mwaa.owns`` names a setting by its config key; a layout names the file's kind.
OWNED_KINDS = {"requirements": "requirements", "plugins": "plugins", "startupScript": "startup"}


@dataclass(frozen=True)
class Layout:
    """Where an environment keeps its DAGs and the files MWAA itself reads."""

    dags_prefix: str
    environment_files: dict[str, str] = field(default_factory=dict)  # key → MWAA kind
    # Rendered environment files of settings the repository does not own: never written,
    # never deleted, never given to UpdateEnvironment (key → MWAA kind).
    withheld: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, mwaa: MwaaSettings, *, serves_mwaa: bool = False) -> Layout:
        """The layout an environment's settings describe. For a target that serves MWAA,
        only the settings in ``mwaa.owns`` are the repository's; a folder keeps them all."""
        files = {mwaa.requirements_path: "requirements", mwaa.plugins_path: "plugins"}
        if mwaa.startup_script_path:
            files[mwaa.startup_script_path] = "startup"
        owned = {OWNED_KINDS[name] for name in mwaa.owns} if serves_mwaa \
            else set(OWNED_KINDS.values())
        return cls(mwaa.dags_prefix,
                   {k.strip("/"): v for k, v in files.items() if v in owned},
                   {k.strip("/"): v for k, v in files.items() if v not in owned})

    def phase_of(self, key: str, data: bytes) -> Phase:
        """The upload phase of a rendered file."""
        if key in self.environment_files:
            return Phase.environment
        in_dags = not self.dags_prefix or key.startswith(self.dags_prefix + "/")
        suffix = PurePosixPath(key).suffix
        # Airflow's safe-mode test: it only parses .py files mentioning both words.
        looks_like_dag = suffix == ".zip" or (
            suffix == ".py" and b"airflow" in data.lower() and b"dag" in data.lower())
        return Phase.dags if in_dags and looks_like_dag else Phase.support


@dataclass(frozen=True)
class Desired:
    """One rendered file with its digests."""

    key: str
    data: bytes
    sha256: str
    md5: str
    phase: Phase


def desired_files(tree: Mapping[str, bytes], layout: Layout) -> dict[str, Desired]:
    """The rendered tree, hashed once and classified by phase."""
    files: dict[str, Desired] = {}
    clash = folder_collision(tree)
    if clash is not None:
        raise SyncError(f"rendered file '{clash[0]}' is also the folder of '{clash[1]}'",
                        "give mwaa.requirementsPath, pluginsPath and startupScriptPath names "
                        "outside mwaa.dagsPrefix's folders")
    for key, data in sorted(tree.items()):
        if key in layout.withheld:
            continue
        check_key(key)
        files[key] = Desired(key, data, sha256_hex(data), md5_hex(data), layout.phase_of(key, data))
    return files


@dataclass(frozen=True)
class Item:
    """One rendered or owned key and what happens to it."""

    key: str
    action: Action
    phase: Phase
    size: int            # bytes to upload, or the size of the object to delete
    etag: str | None     # the object's etag in the target now (None when absent)
    drift: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Plan:
    """Every decision of one sync, in apply order."""

    items: tuple[Item, ...]
    foreign: int = 0
    forgotten: tuple[str, ...] = ()      # owned, no longer rendered: gone, or given up
    mwaa_update: tuple[str, ...] = ()    # environment files MWAA must be pointed at
    manifest_stale: bool = False         # the manifest must be rewritten even without uploads

    def of(self, *actions: Action) -> list[Item]:
        """Items with one of ``actions``."""
        return [i for i in self.items if i.action in actions]

    @property
    def uploads(self) -> list[Item]:
        return self.of(Action.add, Action.change)

    @property
    def deletions(self) -> list[Item]:
        return self.of(Action.delete)

    @property
    def conflicts(self) -> list[Item]:
        return self.of(Action.conflict)

    @property
    def drifted(self) -> list[Item]:
        return [i for i in self.items if i.drift]

    @property
    def nothing_to_do(self) -> bool:
        """True when the target already holds exactly the rendered tree."""
        return not (self.uploads or self.deletions or self.conflicts or self.mwaa_update
                    or self.manifest_stale)

    def counts(self) -> dict[str, int]:
        """How many items per action, every action present."""
        return {a.value: len(self.of(a)) for a in Action}


def make_plan(desired: Mapping[str, Desired], remote: Mapping[str, RemoteObject],
              manifest: Manifest | None, *, adopt: bool = False,
              layout: Layout | None = None, track_mwaa: bool = False) -> Plan:
    """Compare the rendered files with the target and the ownership manifest.

    ``adopt`` takes over rendered keys that already hold a different, unowned object
    (otherwise they are conflicts). ``track_mwaa`` also plans MWAA environment updates.
    """
    owned: Mapping[str, Entry] = manifest.objects if manifest else {}
    items: list[Item] = []
    stale = manifest is not None and not manifest.complete
    for key, want in desired.items():
        item = _decide(want, remote.get(key), owned.get(key), adopt)
        items.append(item)
        entry = owned.get(key)
        if item.action is Action.unchanged and (entry is None or item.drift or entry.etag is None
                                                or entry.sha256 != want.sha256):
            stale = True  # adopted, or drifted back to our content: record the new etag
    forgotten: list[str] = []
    for key, entry in owned.items():
        if key in desired:
            continue
        found = remote.get(key)
        if found is None or (layout is not None and key in layout.withheld):
            # Gone, or a setting given up (mwaa.owns): MWAA may still read it, so it stays.
            forgotten.append(key)
            continue
        drift = None
        if entry.etag is not None and found.etag != entry.etag:
            drift = "changed outside mwaa-gitops since the last sync"
        items.append(Item(key, Action.delete, _owned_phase(key, layout), found.size, found.etag,
                          drift))
    if forgotten:
        stale = True
    foreign = sum(1 for key in remote
                  if key not in desired and key not in owned and not key.startswith(RESERVED))
    items.sort(key=lambda i: (i.action is Action.delete, i.phase, i.key))
    plan = Plan(tuple(items), foreign, tuple(sorted(forgotten)), (), stale)
    if track_mwaa and layout is not None:
        owed = tuple(_owed_upload(item, layout, manifest) for item in plan.items)
        plan = Plan(owed, plan.foreign, plan.forgotten, (), plan.manifest_stale)
        plan = Plan(plan.items, plan.foreign, plan.forgotten,
                    _mwaa_pending(plan, layout, manifest), plan.manifest_stale)
    return plan


def _decide(want: Desired, found: RemoteObject | None, entry: Entry | None,
            adopt: bool) -> Item:
    size = len(want.data)
    if found is None:
        drift = ("deleted outside mwaa-gitops since the last sync"
                 if entry is not None and entry.etag is not None else None)
        return Item(want.key, Action.add, want.phase, size, None, drift)
    same_bytes = found.etag == want.md5
    if entry is None:
        if same_bytes:
            return Item(want.key, Action.unchanged, want.phase, size, found.etag,
                        note="already there with the same content; now owned")
        if adopt:
            return Item(want.key, Action.change, want.phase, size, found.etag,
                        note="taken over (--adopt)")
        return Item(want.key, Action.conflict, want.phase, size, found.etag,
                    note="exists and is not owned by this repository (--adopt takes it over)")
    if entry.etag is None:
        # Left by an interrupted sync: our write may or may not have landed.
        action = Action.unchanged if same_bytes else Action.change
        return Item(want.key, action, want.phase, size, found.etag,
                    note="finishing an interrupted sync")
    if found.etag == entry.etag:
        action = Action.unchanged if entry.sha256 == want.sha256 else Action.change
        return Item(want.key, action, want.phase, size, found.etag)
    drift = "changed outside mwaa-gitops since the last sync"
    return Item(want.key, Action.unchanged if same_bytes else Action.change, want.phase, size,
                found.etag, drift)


def _owned_phase(key: str, layout: Layout | None) -> Phase:
    # The bytes of an object to delete are not at hand: judge by name.
    if layout is None:
        return Phase.dags if key.endswith((".py", ".zip")) else Phase.support
    if key in layout.environment_files:
        return Phase.environment
    in_dags = not layout.dags_prefix or key.startswith(layout.dags_prefix + "/")
    return Phase.dags if in_dags and key.endswith((".py", ".zip")) else Phase.support


def _owed_upload(item: Item, layout: Layout, manifest: Manifest | None) -> Item:
    """An environment file whose MWAA update a stopped run still owes, and whose object
    version is unknown (the run stopped before recording it), is written again: its new
    version is what MWAA is then pointed at."""
    if manifest is None or item.action is not Action.unchanged or \
            item.key not in layout.environment_files or item.key not in manifest.mwaa_pending:
        return item
    entry = manifest.objects.get(item.key)
    if entry is not None and entry.version_id and entry.etag == item.etag:
        return item
    return replace(item, action=Action.change,
                   note="written again: a stopped sync left MWAA's update to this run")


def _mwaa_pending(plan: Plan, layout: Layout, manifest: Manifest | None) -> tuple[str, ...]:
    pending = []
    for item in plan.items:
        if item.key not in layout.environment_files or item.action is Action.delete:
            continue
        if item.action in (Action.add, Action.change):
            pending.append(item.key)
            continue
        entry = manifest.objects.get(item.key) if manifest else None
        applied = manifest.mwaa_applied.get(item.key) if manifest else None
        if manifest is not None and item.key in manifest.mwaa_pending:
            pending.append(item.key)  # recorded before its upload by a run that stopped
            continue
        # Uploaded by an earlier run that stopped before MWAA was updated.
        if entry is not None and entry.version_id and entry.version_id != applied:
            pending.append(item.key)
    return tuple(sorted(pending))
