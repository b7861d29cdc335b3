"""Apply: carry out a plan against a target, in an order that survives being killed.

1. An intent manifest first records the keys about to be written as owned (etag unknown), so
   a run that dies half-way leaves nothing that the next run would mistake for foreign.
2. Uploads run in phases (environment files, then configs and helpers, then DAGs), each phase
   in parallel and complete before the next starts: a DAG never lands before what it reads.
3. Deletions follow, DAGs first, so no config disappears under a DAG that still reads it.
4. The manifest is written last, recording what the target now holds, once the lock proved
   it is still held.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync import manifest as manifests
from mwaa_gitops.sync.manifest import Entry, Manifest
from mwaa_gitops.sync.plan import Action, Desired, Phase, Plan
from mwaa_gitops.sync.progress import Progress, SilentProgress
from mwaa_gitops.sync.targets import (
    DEFAULT_JOBS,
    ConditionalWritesUnsupported,
    PreconditionFailed,
    Target,
    Written,
)

PHASE_LABELS = {Phase.environment: "environment files", Phase.support: "configs and helpers",
                Phase.dags: "DAGs"}


@dataclass
class Applied:
    """What apply did."""

    manifest: Manifest
    uploaded: int = 0
    uploaded_bytes: int = 0
    deleted: int = 0
    written: dict[str, Written] = field(default_factory=dict)


def apply_plan(target: Target, plan: Plan, desired: Mapping[str, Desired],
               previous: Manifest | None, *, environment: str, commit: str | None,
               jobs: int = DEFAULT_JOBS, progress: Progress | None = None,
               checkpoint: Callable[[], None] | None = None,
               confirm: Callable[[], None] | None = None) -> Applied:
    """Upload, delete and record ``plan``; raises :class:`SyncError` when a step fails.

    ``checkpoint`` runs between phases (the lock refreshes itself there when due);
    ``confirm`` right before the final manifest is written (the lock proves it is still ours:
    a run that lost it must not record its view of the target over the new holder's). A key
    the plan adds is written only if it still does not exist, so an object put there between
    the listing and the write is never overwritten.
    """
    if plan.conflicts:
        raise SyncError(f"{len(plan.conflicts)} rendered file(s) would overwrite objects this "
                        f"repository does not own, e.g. {plan.conflicts[0].key}",
                        "pass --adopt to take them over")
    progress = progress or SilentProgress()
    checkpoint = checkpoint or (lambda: None)
    base = previous or Manifest(environment=environment)
    owned = dict(base.objects)
    for item in plan.of(Action.unchanged):
        before = owned.get(item.key)
        want = desired[item.key]
        version = before.version_id if before and before.etag == item.etag else None
        owned[item.key] = Entry(want.sha256, len(want.data), item.etag, version)
    result = Applied(manifest=base)

    # MWAA's update is owed from before the first byte is written until the update is made.
    pending = tuple(sorted({*base.mwaa_pending, *plan.mwaa_update}))
    uploads = plan.uploads
    if uploads:
        intent = dict(owned)
        for item in uploads:
            want = desired[item.key]
            intent[item.key] = Entry(want.sha256, len(want.data))
        manifests.save(target, base.with_objects(intent, commit=commit, complete=False,
                                                 environment=environment, mwaa_pending=pending))
        for phase in sorted({item.phase for item in uploads}):
            checkpoint()
            batch = [desired[i.key] for i in uploads if i.phase is phase]
            added = {i.key for i in uploads if i.phase is phase and i.action is Action.add}
            written = _upload(target, batch, jobs, progress, f"upload {PHASE_LABELS[phase]}",
                              added)
            for key, answer in written.items():
                want = desired[key]
                owned[key] = Entry(want.sha256, len(want.data), answer.etag, answer.version_id)
                result.uploaded += 1
                result.uploaded_bytes += len(want.data)
            result.written.update(written)

    deletions = plan.deletions
    for phase in sorted({item.phase for item in deletions}, reverse=True):
        checkpoint()
        keys = [i.key for i in deletions if i.phase is phase]
        progress.start(f"delete {PHASE_LABELS[phase]}", len(keys), 0)
        target.delete(keys)
        for key in keys:
            owned.pop(key, None)
            progress.advance(key, 0)
            result.deleted += 1
        progress.finish()
    for key in plan.forgotten:
        owned.pop(key, None)

    if uploads or deletions or plan.manifest_stale:
        (confirm or checkpoint)()
        # Adopting or re-recording objects does not change which commit produced them.
        produced = commit if (uploads or deletions or previous is None) else base.commit
        final = base.with_objects(owned, commit=produced, complete=True,
                                  environment=environment, mwaa_pending=pending)
        manifests.save(target, final)
        result.manifest = final
    return result


def _upload(target: Target, batch: list[Desired], jobs: int, progress: Progress,
            label: str, added: Collection[str] = ()) -> dict[str, Written]:
    """Write ``batch`` with at most ``jobs`` requests in flight; stop at the first failure.
    The ``added`` keys are written only if they still do not exist."""
    progress.start(label, len(batch), sum(len(d.data) for d in batch))
    stop = threading.Event()
    written: dict[str, Written] = {}

    def put(file: Desired) -> Written:
        if stop.is_set():
            raise _Skipped
        if file.key not in added:
            return target.write(file.key, file.data)
        try:
            return target.write(file.key, file.data, if_none_match=True)
        except PreconditionFailed:
            found = target.read(file.key)
            if found is not None and found[0] == file.data:
                # Our own write landed and its answer was lost (the retry found it): writing
                # the same bytes again changes nothing and reports the object's version.
                return target.write(file.key, file.data)
            raise SyncError(f"{file.key} appeared in the target after it was listed (someone "
                            "else wrote it); it was left alone") from None
        except ConditionalWritesUnsupported:
            return target.write(file.key, file.data)  # the server cannot tell: as before

    failures: list[tuple[str, BaseException]] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        pending: dict[Future[Written], Desired] = {pool.submit(put, f): f for f in batch}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    file = pending.pop(future)
                    error = future.exception()
                    if error is None:
                        written[file.key] = future.result()
                        progress.advance(file.key, len(file.data))
                    elif not isinstance(error, _Skipped):
                        stop.set()  # finish what is in flight, start nothing new
                        failures.append((file.key, error))
        except BaseException:
            stop.set()  # interrupted (Ctrl-C): let queued uploads fall through unstarted
            raise
    progress.finish()
    if failures:
        key, error = failures[0]
        detail = error.message if isinstance(error, SyncError) else f"{key}: {error}"
        raise SyncError(f"{len(failures)} upload(s) failed; {len(written)} of {len(batch)} "
                        f"{label.removeprefix('upload ')} written before stopping: {detail}",
                        "nothing later was started; run the sync again to converge")
    return written


class _Skipped(Exception):
    """An upload not started because another one failed."""
