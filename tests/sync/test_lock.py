"""The sync lock on a folder target (bucket behaviour is covered in test_s3.py)."""

from __future__ import annotations

import os
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
    # When it turns stale is told by the storage's clock: its write time plus 15 minutes.
    written = datetime.fromtimestamp((target.root / LOCK_KEY).stat().st_mtime, timezone.utc)
    turns = (written + timedelta(minutes=15)).isoformat(timespec="seconds")
    assert held.value.hint is not None and turns in held.value.hint
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
    age(target, minutes=16)  # by the storage's clock, the only one that counts
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


def age(target: LocalTarget, minutes: int) -> None:
    """Make the lock object ``minutes`` older, as the storage sees it."""
    path = target.root / LOCK_KEY
    then = path.stat().st_mtime - minutes * 60
    os.utime(path, (then, then))


def test_a_live_lock_holds_whatever_the_clock_of_its_holder_says(tmp_path: Path) -> None:
    # The holder's clock is 20 minutes slow: by its own dates the lock looks stale at once.
    target = LocalTarget(tmp_path)
    slow = datetime.now(timezone.utc) - timedelta(minutes=20)
    Lock.acquire(target, environment="dev", commit=None, who="slow clock", clock=lambda: slow)
    with pytest.raises(LockHeld, match="slow clock"):
        Lock.acquire(target, environment="dev", commit=None, who="second sync")
    # Nor does a fast clock of the second run make it stale.
    fast = datetime.now(timezone.utc) + timedelta(hours=1)
    with pytest.raises(LockHeld):
        Lock.acquire(target, environment="dev", commit=None, clock=lambda: fast)


def test_a_lock_dated_in_the_future_is_taken_with_stale_lock_minutes_0(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path)
    future = datetime.now(timezone.utc) + timedelta(days=1)
    Lock.acquire(target, environment="dev", commit=None, who="fast clock", clock=lambda: future)
    rerun = Lock.acquire(target, environment="dev", commit=None, who="re-run",
                         stale_after=timedelta(0))
    current = read_holder(target)
    assert current is not None and current[0].who == "re-run"
    rerun.release()


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

    def stamp(self, key: str) -> tuple[datetime | None, datetime]:
        return self.inner.stamp(key)


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


@pytest.mark.parametrize("name", ["lock.json", "manifest.json"])
def test_a_huge_state_file_is_refused_before_it_is_read(tmp_path: Path, name: str) -> None:
    import tracemalloc

    from mwaa_gitops.sync import manifest as manifests

    target = LocalTarget(tmp_path)
    state = tmp_path / LOCK_KEY.replace("lock.json", name)
    state.parent.mkdir(parents=True, exist_ok=True)
    with state.open("wb") as handle:
        handle.truncate(256 * 1024 * 1024)  # sparse: no disk, but 256 MiB to whoever reads it
    tracemalloc.start()
    with pytest.raises(SyncError, match="it was not read"):
        (read_holder if name == "lock.json" else manifests.load)(target)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * 1024 * 1024
