"""The sync lock: one object in the target, created with a conditional write.

``PutObject`` with ``If-None-Match: *`` succeeds for exactly one of two racing syncs; the loser
reads the lock and names its holder. A lock older than its expiry is stale (its run died) and
is taken over with ``If-Match`` on the etag that was read, so two runs breaking the same stale
lock cannot both win. Between phases, once a third of the timeout has passed, the holder
refreshes the lock the same way, which also proves that nobody took it over in the meantime.
Servers without conditional writes get a best-effort lock (check, write, read back) and a
warning saying so.

Staleness is judged by one clock, the storage's: the lock object's last-modified time against
the storage's own now (:meth:`Target.stamp`), never against the local clock, so a run whose
clock is slow or fast cannot take a live lock nor keep a dead one. The times written into the
lock are for people to read.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone

from mwaa_gitops.diagnostics import printable
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.targets import (
    RESERVED,
    ConditionalWritesUnsupported,
    PreconditionFailed,
    Target,
    Written,
)

LOCK_KEY = RESERVED + "lock.json"
DEFAULT_STALE_AFTER = timedelta(minutes=15)
Clock = Callable[[], datetime]
# The dates `unlock` writes into a lock it breaks: stale whatever any clock says.
BROKEN = "1970-01-01T00:00:00+00:00"


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, written into the lock object."""

    who: str
    environment: str
    commit: str | None
    acquired: str
    expires: str
    token: str
    refreshed: str | None = None  # last refresh (locks of older releases lack it: acquired)

    def describe(self) -> str:
        """One line for messages: who, which commit, since when (names from the target are
        shown with control characters escaped, so they cannot steer the terminal)."""
        commit = f", commit {self.commit[:12]}" if self.commit else ""
        return printable(f"{self.who}{commit}, since {self.acquired}")

    def stale(self, now: datetime, stale_after: timedelta | None = None) -> bool:
        """True once the lock went ``stale_after`` without a refresh (by the judging run's
        measure, as ``--stale-lock-minutes`` says); without it, once it outlived its expiry."""
        if stale_after is None:
            return now >= datetime.fromisoformat(self.expires)
        last = datetime.fromisoformat(self.refreshed or self.acquired)
        return now >= last + stale_after

    @property
    def broken(self) -> bool:
        """Marked stale by ``unlock`` (:func:`break_lock`)."""
        return self.expires == BROKEN

    def to_json(self) -> bytes:
        """The lock object's bytes."""
        return (json.dumps(asdict(self), indent=1) + "\n").encode()


class LockHeld(SyncError):
    """Another sync of the same environment is running."""


def whoami() -> str:
    """A name for this run that a colleague can act on: the CI run, or user@host."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        repo = os.environ.get("GITHUB_REPOSITORY", "?")
        run = os.environ.get("GITHUB_RUN_ID", "?")
        return f"GitHub Actions run {server}/{repo}/actions/runs/{run}"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()} (pid {os.getpid()})"


def read_holder(target: Target) -> tuple[Holder, str] | None:
    """The current holder and the lock's etag, or None when unlocked."""
    found = target.read(LOCK_KEY)
    if found is None:
        return None
    data, etag = found
    try:
        return _holder(json.loads(data)), etag
    except (ValueError, TypeError, RecursionError) as exc:
        raise LockHeld(f"{target.url}/{LOCK_KEY} exists but is not a readable lock ({exc})",
                       "if no sync is running, delete that object") from None


def stale_by_storage(target: Target, stale_after: timedelta) -> tuple[bool, datetime | None]:
    """Whether the lock went ``stale_after`` without a write, by the storage's clock, and when
    it turns (turned) stale by that clock (None: there is no lock)."""
    modified, now = target.stamp(LOCK_KEY)
    if modified is None:
        return True, None
    return now - modified >= stale_after, modified + stale_after


def _holder(document: object) -> Holder:
    """A lock's holder, every field checked: a garbled lock must not crash a later step."""
    fields = set(Holder.__dataclass_fields__)
    if not isinstance(document, dict) or set(document) not in (fields, fields - {"refreshed"}):
        raise ValueError("not a lock written by mwaa-gitops")
    optional = ("commit", "refreshed")
    if not all(isinstance(document[name], str) for name in document if name not in optional) \
            or not all(isinstance(document.get(name), (str, type(None))) for name in optional):
        raise ValueError("a field has the wrong type")
    for name in ("acquired", "expires", "refreshed"):
        if document.get(name) is not None and \
                datetime.fromisoformat(document[name]).tzinfo is None:
            raise ValueError(f"'{name}' has no time zone")
    return Holder(**document)


def break_lock(target: Target, lock_id: str | None) -> Holder:
    """Mark the lock whose id is ``lock_id`` stale, so that the next sync takes it over.

    Without the right id nothing changes and :class:`LockHeld` names the holder and its id:
    breaking a lock must be a decision about that one run. The lock is replaced with
    ``If-Match`` on the etag read, so a lock taken or refreshed meanwhile is never broken.
    """
    current = read_holder(target)
    if current is None:
        raise SyncError(f"{target.url} is not locked", "nothing to break")
    holder, etag = current
    if lock_id != holder.token:
        given = "no lock id was given" if lock_id is None else \
            f"lock id {printable(lock_id)!r} is not that lock's"
        raise LockHeld(f"{target.url} is locked by {holder.describe()} (lock id "
                       f"{printable(holder.token)}); {given}",
                       "make sure that run is dead, then pass --lock-id with its id")
    broken = replace(holder, expires=BROKEN, refreshed=BROKEN)
    try:
        target.write(LOCK_KEY, broken.to_json(), if_match=etag)
    except PreconditionFailed:
        raise LockHeld(f"the lock of {target.url} changed while breaking it",
                       "run the command again to see its holder") from None
    except ConditionalWritesUnsupported:
        target.write(LOCK_KEY, broken.to_json())
    return holder


class Lock:
    """A held lock; use :meth:`acquire`, then :meth:`release` (or ``with``)."""

    def __init__(self, target: Target, holder: Holder, etag: str, *, stale_after: timedelta,
                 best_effort: bool, clock: Clock) -> None:
        self.target = target
        self.holder = holder
        self.etag = etag
        self.stale_after = stale_after
        self.best_effort = best_effort
        self.clock = clock
        self.refreshed = clock()

    @classmethod
    def acquire(cls, target: Target, *, environment: str, commit: str | None,
                stale_after: timedelta = DEFAULT_STALE_AFTER, who: str | None = None,
                clock: Clock = utcnow,
                warn: Callable[[str], None] | None = None) -> Lock:
        """Take the lock of ``target`` or raise :class:`LockHeld` naming its holder."""
        now = clock()
        mine = Holder(who or whoami(), environment, commit, _iso(now), _iso(now + stale_after),
                      uuid.uuid4().hex, _iso(now))
        best_effort = False
        try:
            written = target.write(LOCK_KEY, mine.to_json(), if_none_match=True)
        except PreconditionFailed:
            written = _take_over_if_stale(target, mine, now, stale_after, warn)
        except ConditionalWritesUnsupported as exc:
            best_effort = True
            if warn:
                warn(f"warning: {exc.message}; the sync lock is best-effort (check, write, "
                     "read back), so two syncs started at the same instant could both run")
            current = read_holder(target)
            stale, turns = stale_by_storage(target, stale_after)
            if current is not None and not (stale or current[0].broken):
                raise _held(target, current[0], turns) from exc
            written = target.write(LOCK_KEY, mine.to_json())
        current = read_holder(target)
        if current is None or current[0].token != mine.token:
            raise _held(target, current[0] if current else None)
        return cls(target, mine, current[1] or written.etag, stale_after=stale_after,
                   best_effort=best_effort, clock=clock)

    def checkpoint(self) -> None:
        """Refresh once a third of the stale timeout has passed (no request before that).

        Until then the lock cannot have been taken over: it is not stale yet.
        """
        if self.clock() - self.refreshed >= self.stale_after / 3:
            self.refresh()

    def refresh(self) -> None:
        """Push the expiry forward; raises :class:`SyncError` if the lock was taken over."""
        moment = self.clock()
        renewed = replace(self.holder, expires=_iso(moment + self.stale_after),
                          refreshed=_iso(moment))
        try:
            if self.best_effort:
                current = read_holder(self.target)
                if current is None or current[0].token != self.holder.token:
                    raise PreconditionFailed("lock changed")
                written = self.target.write(LOCK_KEY, renewed.to_json())
            else:
                written = self.target.write(LOCK_KEY, renewed.to_json(), if_match=self.etag)
        except PreconditionFailed as exc:
            now = read_holder(self.target)
            by = f" by {now[0].describe()}" if now else ""
            raise SyncError(f"lost the sync lock of {self.target.url}: it was taken over{by} "
                            "while this run was slower than the stale-lock timeout",
                            "stopped before the next step; run the sync again") from exc
        self.holder, self.etag = renewed, written.etag
        self.refreshed = self.clock()

    def release(self) -> None:
        """Remove the lock if it is still ours."""
        current = read_holder(self.target)
        if current is not None and current[0].token == self.holder.token:
            self.target.delete([LOCK_KEY])

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _take_over_if_stale(target: Target, mine: Holder, now: datetime, stale_after: timedelta,
                        warn: Callable[[str], None] | None) -> Written:
    current = read_holder(target)
    if current is None:  # released between our write and our read: try once more
        try:
            return target.write(LOCK_KEY, mine.to_json(), if_none_match=True)
        except PreconditionFailed:
            current = read_holder(target)
            raise _held(target, current[0] if current else None) from None
    holder, etag = current
    stale, turns = stale_by_storage(target, stale_after)
    if not (stale or holder.broken):
        raise _held(target, holder, turns)
    if warn:
        warn(f"taking over a stale sync lock of {target.url} (held by {holder.describe()}, "
             f"last refreshed {holder.refreshed or holder.acquired})")
    try:
        return target.write(LOCK_KEY, mine.to_json(), if_match=etag)
    except PreconditionFailed:
        current = read_holder(target)
        raise _held(target, current[0] if current else None) from None


def _held(target: Target, holder: Holder | None, stale_at: datetime | None = None) -> LockHeld:
    if holder is None:
        return LockHeld(f"another sync of {target.url} took the lock at the same moment",
                        "run again once it finished")
    turns = _iso(stale_at) if stale_at else "(unknown)"
    return LockHeld(f"{target.url} is being synced by {holder.describe()} "
                    f"(environment '{printable(holder.environment)}', lock id "
                    f"{printable(holder.token)})",
                    f"wait for that run to finish; if it died, its lock turns stale at {turns} "
                    "by the storage's clock (--stale-lock-minutes after its last refresh), or "
                    "break it now with "
                    f"mwaa-gitops unlock --lock-id {printable(holder.token)}")


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
