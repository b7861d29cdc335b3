"""One sync from start to end: inspect, lock, re-plan under the lock, apply, update MWAA.

An unchanged environment costs one listing, one manifest read and one lock read, and writes
nothing (not even the lock): the lock is only taken once the plan has something to do, and the
plan is made again under the lock so that it reflects any sync that finished meanwhile.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync import manifest as manifests
from mwaa_gitops.sync.apply import Applied, apply_plan
from mwaa_gitops.sync.lock import DEFAULT_STALE_AFTER, Holder, Lock, LockHeld, read_holder, utcnow
from mwaa_gitops.sync.manifest import Manifest
from mwaa_gitops.sync.mwaa import DEFAULT_POLL_SECONDS, MwaaEnvironment, update_request
from mwaa_gitops.sync.plan import Desired, Layout, Plan, make_plan
from mwaa_gitops.sync.progress import Progress, SilentProgress
from mwaa_gitops.sync.targets import DEFAULT_JOBS, S3Target, Target

COMMIT_VARIABLE = "MWAA_GITOPS_COMMIT"


@dataclass(frozen=True)
class Options:
    """How a sync behaves (the command line's switches)."""

    adopt: bool = False
    jobs: int = DEFAULT_JOBS
    wait: bool = False
    wait_timeout: float = 3600.0
    poll_seconds: float = DEFAULT_POLL_SECONDS
    stale_after: timedelta = DEFAULT_STALE_AFTER


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


def sync(target: Target, desired: Mapping[str, Desired], *, environment: str,
         commit: str | None, layout: Layout, mwaa: MwaaEnvironment | None = None,
         options: Options | None = None, progress: Progress | None = None) -> Outcome:
    """Make ``target`` hold exactly ``desired``; raises :class:`SyncError` on failure."""
    options = options or Options()
    progress = progress or SilentProgress()
    first = inspect(target, desired, environment=environment, layout=layout,
                    adopt=options.adopt, track_mwaa=mwaa is not None)
    for note in first.notes:
        progress.note(note)
    if first.plan.nothing_to_do:
        if first.holder is not None and not first.holder.stale(utcnow()):
            # Its run may be writing something else right now: "in sync" would be a guess.
            raise LockHeld(f"{target.url} is being synced by {first.holder.describe()}",
                           "run again once that sync finished")
        return Outcome(first)
    _refuse_conflicts(first.plan)
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
        if current.plan.mwaa_update and mwaa is not None and not first.plan.mwaa_update:
            _require_versioning(target, current.versioning)  # a sync in between changed them
            mwaa.ensure_ready()
        outcome.applied = apply_plan(target, current.plan, desired, current.manifest,
                                     environment=environment, commit=commit, jobs=options.jobs,
                                     progress=progress, checkpoint=lock.checkpoint)
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
    bucket_key = target.object_key if isinstance(target, S3Target) else (lambda key: key)
    request = update_request(mwaa.name, layout, bucket_key, versions)
    progress.note(f"MWAA {mwaa.name}: UpdateEnvironment with "
                  + ", ".join(f"{k} version {v}" for k, v in sorted(versions.items()) if v))
    mwaa.update(request)
    applied = {key: version for key, version in versions.items() if version}
    lock.checkpoint()
    # Recorded only after the call succeeded, so a run stopped before it calls again next time.
    manifests.save(target, manifest.with_objects(manifest.objects, mwaa_applied=applied))
    return applied


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
        bucket = target.bucket if isinstance(target, S3Target) else target.url
        raise SyncError(f"bucket versioning is {versioning} on {target.url}, but MWAA needs "
                        "object versions to pick up requirements, plugins or the startup "
                        "script; nothing was written",
                        f"aws s3api put-bucket-versioning --bucket {bucket} "
                        "--versioning-configuration Status=Enabled")
