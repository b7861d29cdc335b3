"""One sync from start to end: inspect, lock, re-plan under the lock, apply, update MWAA.

An unchanged environment costs one listing, one manifest read and one lock read, and writes
nothing (not even the lock): the lock is only taken once the plan has something to do, and the
plan is made again under the lock so that it reflects any sync that finished meanwhile.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from mwaa_gitops import git
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync import manifest as manifests
from mwaa_gitops.sync.apply import Applied, apply_plan
from mwaa_gitops.sync.lock import (
    DEFAULT_STALE_AFTER,
    Holder,
    Lock,
    LockHeld,
    read_holder,
    stale_by_storage,
)
from mwaa_gitops.sync.manifest import Manifest
from mwaa_gitops.sync.mwaa import DEFAULT_POLL_SECONDS, MwaaEnvironment, update_request
from mwaa_gitops.sync.plan import Desired, Layout, Plan, make_plan
from mwaa_gitops.sync.progress import Progress, SilentProgress
from mwaa_gitops.sync.targets import DEFAULT_JOBS, Target

COMMIT_VARIABLE = "MWAA_GITOPS_COMMIT"
_COMMIT_ID = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Options:
    """How a sync behaves (the command line's switches)."""

    adopt: bool = False
    jobs: int = DEFAULT_JOBS
    wait: bool = False
    wait_timeout: float = 3600.0
    poll_seconds: float = DEFAULT_POLL_SECONDS
    stale_after: timedelta = DEFAULT_STALE_AFTER
    allow_older: bool = False


@dataclass
class Inspection:
    """What the target holds compared with the rendered tree (read-only)."""

    target: Target
    plan: Plan
    manifest: Manifest | None
    versioning: str | None
    holder: Holder | None
    notes: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What a sync did."""

    inspection: Inspection
    applied: Applied | None = None
    mwaa_updated: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.applied is not None or bool(self.mwaa_updated)


def source_commit(root: Path, override: str | None = None) -> str | None:
    """The git commit the rendered files come from: ``override``, $MWAA_GITOPS_COMMIT, or HEAD."""
    chosen = override or os.environ.get(COMMIT_VARIABLE)
    if chosen:
        return chosen
    try:
        answer = subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=root,
                                capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (answer.stdout.strip() or None) if answer.returncode == 0 else None


def inspect(target: Target, desired: Mapping[str, Desired], *, environment: str,
            layout: Layout, adopt: bool = False, track_mwaa: bool = False) -> Inspection:
    """List the target, read its manifest and lock, and plan (one listing, no writes)."""
    remote = target.list()
    manifest = manifests.load(target)
    if manifest is not None and manifest.environment != environment:
        raise SyncError(f"{target.url} is managed by environment '{manifest.environment}', not "
                        f"'{environment}'", "two environments must not share a target; give "
                        "each its own prefix in mwaa.target")
    plan = make_plan(desired, remote, manifest, adopt=adopt, layout=layout,
                     track_mwaa=track_mwaa)
    versioning = target.versioning()
    current = read_holder(target)
    notes = []
    if versioning == "Unknown":
        notes.append(f"warning: could not read the bucket versioning of {target.url} (no "
                     "s3:GetBucketVersioning permission); MWAA needs it enabled")
    elif versioning not in (None, "Enabled"):
        notes.append(f"warning: bucket versioning is {versioning} on {target.url}: MWAA needs "
                     "object versions of requirements, plugins and the startup script")
    return Inspection(target, plan, manifest, versioning, current[0] if current else None,
                      notes)


def check_order(manifest: Manifest | None, commit: str | None, history: Path | None, *,
                allow_older: bool = False) -> str | None:
    """Refuse to sync ``commit`` over a target last synced from a commit it does not contain.

    Raises :class:`SyncError` when git says the manifest's commit is not ``commit`` or one of
    its ancestors (an old CI run re-run, approvals applied out of order); returns a warning
    when that cannot be told, or when ``allow_older`` lets it through; None when all is well.
    """
    recorded = manifest.commit if manifest is not None else None
    if not recorded or recorded == commit:
        return None  # first sync, or nothing recorded to compare with
    if not commit:
        return (f"warning: this run has no commit (not a git clone, no --commit), so it "
                f"cannot tell whether it is newer than commit {_short(recorded)}, which the "
                "target was last synced from; syncing anyway")
    newer = git.is_ancestor(history, recorded, commit) if history is not None else None
    if history is None or newer is None:
        return (f"warning: cannot tell whether commit {_short(commit)} is newer than commit "
                f"{_short(recorded)}, which the target was last synced from: git does not have "
                "both and the history between them here (no clone, or a shallow checkout); "
                "syncing anyway. Check out with full history (fetch-depth: 0) to have older "
                "commits refused")
    if newer:
        return None
    relation = ("older than" if git.is_ancestor(history, commit, recorded)
                else "not a descendant of")
    if allow_older:
        return (f"warning: syncing commit {_short(commit)}, {relation} commit "
                f"{_short(recorded)} that the target was last synced from (--allow-older)")
    raise SyncError(f"commit {_short(commit)} is {relation} commit {_short(recorded)}, which "
                    "the target was last synced from; syncing it could put older files back; "
                    "nothing was written",
                    "sync a commit that contains it (e.g. the tip of main), or pass "
                    "--allow-older to roll back on purpose")


def sync(target: Target, desired: Mapping[str, Desired], *, environment: str,
         commit: str | None, layout: Layout, mwaa: MwaaEnvironment | None = None,
         options: Options | None = None, progress: Progress | None = None,
         history: Path | None = None) -> Outcome:
    """Make ``target`` hold exactly ``desired``; raises :class:`SyncError` on failure.

    ``history`` is the git repository ``commit`` comes from: with it, a commit older than the
    one the target was last synced from is refused (see :func:`check_order`).
    """
    options = options or Options()
    progress = progress or SilentProgress()
    first = inspect(target, desired, environment=environment, layout=layout,
                    adopt=options.adopt, track_mwaa=mwaa is not None)
    for note in first.notes:
        progress.note(note)
    if first.plan.nothing_to_do:
        if first.holder is not None and not (first.holder.broken or
                                             stale_by_storage(target, options.stale_after)[0]):
            # Its run may be writing something else right now: "in sync" would be a guess.
            raise LockHeld(f"{target.url} is being synced by {first.holder.describe()}",
                           "run again once that sync finished")
        return Outcome(first)
    _refuse_conflicts(first.plan)
    order = check_order(first.manifest, commit, history, allow_older=options.allow_older)
    if order:
        progress.note(order)
    if first.plan.mwaa_update and mwaa is not None:
        _require_versioning(target, first.versioning)
        mwaa.ensure_ready()

    outcome = Outcome(first)
    lock = Lock.acquire(target, environment=environment, commit=commit,
                        stale_after=options.stale_after, warn=progress.note)
    try:
        current = inspect(target, desired, environment=environment, layout=layout,
                          adopt=options.adopt, track_mwaa=mwaa is not None)
        outcome.inspection = current
        if current.plan.nothing_to_do:
            return outcome
        _refuse_conflicts(current.plan)
        if _commit_of(current.manifest) != _commit_of(first.manifest):
            # A sync finished in between: compare with the commit it recorded.
            order = check_order(current.manifest, commit, history,
                                allow_older=options.allow_older)
            if order:
                progress.note(order)
        if current.plan.mwaa_update and mwaa is not None and not first.plan.mwaa_update:
            _require_versioning(target, current.versioning)  # a sync in between changed them
            mwaa.ensure_ready()
        outcome.applied = apply_plan(target, current.plan, desired, current.manifest,
                                     environment=environment, commit=commit, jobs=options.jobs,
                                     progress=progress, checkpoint=lock.checkpoint,
                                     confirm=lock.refresh)
        if current.plan.mwaa_update and mwaa is not None:
            outcome.mwaa_updated = _update_mwaa(target, mwaa, layout, desired=desired,
                                                manifest=outcome.applied.manifest, lock=lock,
                                                progress=progress)
    finally:
        lock.release()
    if outcome.mwaa_updated and options.wait and mwaa is not None:
        mwaa.wait(progress, timeout=options.wait_timeout, poll=options.poll_seconds)
    return outcome


def _update_mwaa(target: Target, mwaa: MwaaEnvironment, layout: Layout, *,
                 desired: Mapping[str, Desired], manifest: Manifest, lock: Lock,
                 progress: Progress) -> dict[str, str]:
    versions = {key: manifest.objects[key].version_id for key in layout.environment_files
                if key in desired and key in manifest.objects}
    bucket_key = target.object_key
    request = update_request(mwaa.name, layout, bucket_key, versions)
    progress.note(f"MWAA {mwaa.name}: UpdateEnvironment with "
                  + ", ".join(f"{k} version {v}" for k, v in sorted(versions.items()) if v))
    mwaa.update(request)
    applied = {key: version for key, version in versions.items() if version}
    lock.refresh()  # still ours: only then record what this run told MWAA
    # Recorded only after the call succeeded, so a run stopped before it calls again next time.
    manifests.save(target, manifest.with_objects(manifest.objects, mwaa_applied=applied,
                                                 mwaa_pending=()))
    return applied


def _commit_of(manifest: Manifest | None) -> str | None:
    return manifest.commit if manifest is not None else None


def _short(commit: str) -> str:
    return commit[:12] if _COMMIT_ID.fullmatch(commit) else commit


def _refuse_conflicts(plan: Plan) -> None:
    if plan.conflicts:
        keys = ", ".join(i.key for i in plan.conflicts[:3])
        more = f" and {len(plan.conflicts) - 3} more" if len(plan.conflicts) > 3 else ""
        raise SyncError(f"{len(plan.conflicts)} rendered file(s) would overwrite objects this "
                        f"repository does not own: {keys}{more}",
                        "nothing was written; pass --adopt to take them over")


def _require_versioning(target: Target, versioning: str | None) -> None:
    # "Unknown" goes on: the writes report versions, and update_request insists on them.
    if versioning in ("Disabled", "Suspended"):
        bucket = target.bucket
        raise SyncError(f"bucket versioning is {versioning} on {target.url}, but MWAA needs "
                        "object versions to pick up requirements, plugins or the startup "
                        "script; nothing was written",
                        f"aws s3api put-bucket-versioning --bucket {bucket} "
                        "--versioning-configuration Status=Enabled")
