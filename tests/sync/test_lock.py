"""The sync lock on a folder target (bucket behaviour is covered in test_s3.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.lock import LOCK_KEY, Lock, LockHeld, break_lock, read_holder
from mwaa_gitops.sync.targets import ConditionalWritesUnsupported, RemoteObject, Written
from mwaa_gitops.sync.targets.file import LocalTarget

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_second_lock_names_the_holder_and_when_it_turns_stale(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path)
    Lock.acquire(target, environment="dev", commit="feedface" * 5, who="ci run 17",
                 clock=lambda: NOW)
    with pytest.raises(LockHeld) as held:
        Lock.acquire(target, environment="dev", commit=None, clock=lambda: NOW)
    holder = read_holder(target)
    assert holder is not None
    assert held.value.message == (f"{target.url} is being synced by ci run 17, commit "
                                  "feedfacefeed, since 2024-05-01T12:00:00+00:00 "
                                  f"(environment 'dev', lock id {holder[0].token})")
    assert held.value.hint is not None and "2024-05-01T12:15:00+00:00" in held.value.hint
    assert f"mwaa-gitops unlock --lock-id {holder[0].token}" in held.value.hint


def test_released_lock_can_be_taken_again(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path)
    with Lock.acquire(target, environment="dev", commit=None):
        assert read_holder(target) is not None
    assert read_holder(target) is None
    Lock.acquire(target, environment="dev", commit=None).release()


def test_stale_lock_is_taken_over_and_the_old_holder_notices(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path)
    slow = Lock.acquire(target, environment="dev", commit=None, who="slow run",
                        clock=lambda: NOW)
    notes: list[str] = []
    later = NOW + timedelta(minutes=16)
    fresh = Lock.acquire(target, environment="dev", commit=None, who="next run",
                         clock=lambda: later, warn=notes.append)
    assert notes and "held by slow run" in notes[0]
    with pytest.raises(SyncError, match=r"lost the sync lock .* taken over by next run"):
        slow.refresh()
    slow.release()  # not ours any more: must leave the new holder's lock alone
    current = read_holder(target)
    assert current is not None and current[0].who == "next run"
    fresh.refresh()
    fresh.release()


class NoConditionalWrites:
    """A folder target behaving like a server that rejects If-None-Match / If-Match."""

    def __init__(self, inner: LocalTarget) -> None:
        self.inner, self.url = inner, inner.url

    def list(self) -> dict[str, RemoteObject]:
        return self.inner.list()

    def read(self, key: str) -> tuple[bytes, str] | None:
        return self.inner.read(key)

    def write(self, key: str, data: bytes, *, if_none_match: bool = False,
              if_match: str | None = None) -> Written:
        if if_none_match or if_match:
            raise ConditionalWritesUnsupported("this server does not support conditional writes")
        return self.inner.write(key, data)

    def delete(self, keys: Sequence[str]) -> None:
        self.inner.delete(keys)

    def versioning(self) -> str | None:
        return None


def test_lock_falls_back_to_best_effort_and_says_so(tmp_path: Path) -> None:
    target = NoConditionalWrites(LocalTarget(tmp_path))
    notes: list[str] = []
    lock = Lock.acquire(target, environment="dev", commit=None, warn=notes.append)
    assert lock.best_effort
    assert "the sync lock is best-effort" in notes[0]
    with pytest.raises(LockHeld):
        Lock.acquire(target, environment="dev", commit=None)
    lock.refresh()
    lock.release()
    assert target.read(LOCK_KEY) is None


def test_stale_lock_minutes_of_the_judging_run_decide_staleness(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path)
    Lock.acquire(target, environment="dev", commit=None, who="killed run",
                 stale_after=timedelta(minutes=15), clock=lambda: NOW)
    later = NOW + timedelta(minutes=2)
    with pytest.raises(LockHeld):
        Lock.acquire(target, environment="dev", commit=None, clock=lambda: later,
                     stale_after=timedelta(minutes=5))
    rerun = Lock.acquire(target, environment="dev", commit=None, who="re-run",
                         clock=lambda: later, stale_after=timedelta(0))
    current = read_holder(target)
    assert current is not None and current[0].who == "re-run"
    rerun.release()


def test_breaking_a_lock_needs_its_id_and_lets_the_next_sync_take_it(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path)
    Lock.acquire(target, environment="dev", commit=None, who="killed run", clock=lambda: NOW)
    holder = read_holder(target)
    assert holder is not None
    with pytest.raises(LockHeld, match=f"locked by killed run.*lock id {holder[0].token}"):
        break_lock(target, None)
    with pytest.raises(LockHeld, match="is not that lock's"):
        break_lock(target, "0" * 32)
    assert break_lock(target, holder[0].token).who == "killed run"
    Lock.acquire(target, environment="dev", commit=None, who="next", clock=lambda: NOW).release()
    with pytest.raises(SyncError, match="is not locked"):
        break_lock(target, holder[0].token)
