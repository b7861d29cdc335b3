"""Apply order and crash safety, on the folder target (the same code path as a bucket)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync import manifest as manifests
from mwaa_gitops.sync.deploy import Options, inspect, sync
from mwaa_gitops.sync.plan import desired_files
from mwaa_gitops.sync.targets import RESERVED, RemoteObject, Written
from mwaa_gitops.sync.targets.file import LocalTarget
from tests.sync.trees import FOREIGN, LAYOUT, V1, V2, V3, dags_missing_config


def contents(root: Path) -> dict[str, bytes]:
    """Every file of a folder target except our own bookkeeping."""
    return {k: root.joinpath(k).read_bytes() for k in LocalTarget(root).list()
            if not k.startswith(RESERVED)}


class Killed(BaseException):
    """The process died (not an error anything should handle)."""


class DiesAt:
    """A folder target whose process dies at its ``at``-th write or delete."""

    def __init__(self, inner: LocalTarget, at: int) -> None:
        self.inner, self.at, self.url = inner, at, inner.url
        self.calls = 0
        self.dead = False
        self.guard = threading.Lock()

    def _mutation(self) -> None:
        with self.guard:
            self.calls += 1
            self.dead = self.dead or self.calls >= self.at
            if self.dead:
                raise Killed

    def _alive(self) -> None:
        if self.dead:
            raise Killed

    def list(self) -> dict[str, RemoteObject]:
        self._alive()
        return self.inner.list()

    def read(self, key: str) -> tuple[bytes, str] | None:
        self._alive()
        return self.inner.read(key)

    def write(self, key: str, data: bytes, *, if_none_match: bool = False,
              if_match: str | None = None) -> Written:
        self._mutation()
        return self.inner.write(key, data, if_none_match=if_none_match, if_match=if_match)

    def delete(self, keys: Sequence[str]) -> None:
        self._mutation()
        self.inner.delete(keys)

    def versioning(self) -> str | None:
        return None


def run_sync(target: object, files: dict[str, bytes], stale_after: timedelta | None = None,
             adopt: bool = False) -> None:
    options = Options(jobs=4, adopt=adopt,
                      stale_after=stale_after if stale_after is not None else timedelta(minutes=15))
    sync(target, desired_files(files, LAYOUT), environment="dev", commit="c0ffee",  # type: ignore[arg-type]
         layout=LAYOUT, options=options)


@pytest.fixture
def synced_v1(tmp_path: Path) -> Path:
    """A folder target holding V1 (synced) and some foreign files."""
    root = tmp_path / "template"
    for key, data in FOREIGN.items():
        root.joinpath(key).parent.mkdir(parents=True, exist_ok=True)
        root.joinpath(key).write_bytes(data)
    run_sync(LocalTarget(root), V1)
    return root


def test_sync_to_folder_holds_rendered_tree_and_keeps_foreign_files(synced_v1: Path) -> None:
    run_sync(LocalTarget(synced_v1), V2)
    assert contents(synced_v1) == {**V2, **FOREIGN}
    manifest = manifests.load(LocalTarget(synced_v1))
    assert manifest is not None and set(manifest.objects) == set(V2)
    assert manifest.commit == "c0ffee" and manifest.complete


def test_run_killed_at_any_write_never_exposes_a_dag_without_config_and_converges(
        synced_v1: Path, tmp_path: Path) -> None:
    counter = DiesAt(LocalTarget(synced_v1), at=10**6)
    run_sync(counter, V2, stale_after=timedelta(0))
    mutations = counter.calls
    assert mutations >= 8  # lock, intent manifest, three upload phases, deletes, manifest…
    run_sync(LocalTarget(synced_v1), V1)  # back to V1 for the copies below
    for at in range(1, mutations + 1):
        root = tmp_path / f"killed-at-{at}"
        shutil.copytree(synced_v1, root)
        with pytest.raises((Killed, SyncError)):
            run_sync(DiesAt(LocalTarget(root), at), V2, stale_after=timedelta(0))
        assert dags_missing_config(contents(root)) == [], f"killed at mutation {at}"
        assert {k: contents(root)[k] for k in FOREIGN} == FOREIGN
        # The next run may already come from a newer commit: it must still converge. It takes
        # the dead run's lock over at once (--stale-lock-minutes 0, as after a kill -9).
        run_sync(LocalTarget(root), V3, stale_after=timedelta(0))
        assert contents(root) == {**V3, **FOREIGN}, f"killed at mutation {at}"
        again = inspect(LocalTarget(root), desired_files(V3, LAYOUT), environment="dev",
                        layout=LAYOUT)
        assert again.plan.nothing_to_do, f"killed at mutation {at}"


def test_sync_refuses_to_overwrite_an_unowned_object_unless_adopting(tmp_path: Path) -> None:
    root = tmp_path / "bucket"
    root.joinpath("dags").mkdir(parents=True)
    root.joinpath("dags/orders.py").write_bytes(b"# hand-made, not ours\n")
    with pytest.raises(SyncError, match=r"do(es)? not own"):
        run_sync(LocalTarget(root), V1)
    assert root.joinpath("dags/orders.py").read_bytes() == b"# hand-made, not ours\n"
    assert not root.joinpath("requirements.txt").exists()  # refused before writing anything
    run_sync(LocalTarget(root), V1, adopt=True)
    assert contents(root) == V1


def test_sync_refuses_a_target_managed_by_another_environment(synced_v1: Path) -> None:
    with pytest.raises(SyncError, match="managed by environment 'dev'"):
        sync(LocalTarget(synced_v1), desired_files(V1, LAYOUT), environment="prod",
             commit=None, layout=LAYOUT)


def test_sync_stops_on_unreadable_manifest_without_deleting(synced_v1: Path) -> None:
    synced_v1.joinpath(RESERVED, "manifest.json").write_text("{not json")
    with pytest.raises(SyncError, match="not a readable manifest"):
        run_sync(LocalTarget(synced_v1), V2)
    assert contents(synced_v1) == {**V1, **FOREIGN}
