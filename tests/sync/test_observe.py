"""Reading the bucket in a child process while the config is checked: same answers, used once."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.deploy import sync
from mwaa_gitops.sync.lock import LOCK_KEY
from mwaa_gitops.sync.manifest import MANIFEST_KEY
from mwaa_gitops.sync.observe import Observer
from mwaa_gitops.sync.prepare import prepare
from mwaa_gitops.sync.targets.s3 import S3Target
from tests.support.s3server import REGION, FaultProxy
from tests.sync.conftest import write_environment
from tests.sync.trees import LAYOUT, V1

PREFIX = "openmetadata"


def synced(proxy: FaultProxy, bucket: str) -> S3Target:
    """A bucket prefix holding one sync of ``V1``."""
    from mwaa_gitops.sync.plan import desired_files

    target = S3Target(bucket, PREFIX, endpoint_url=proxy.endpoint, region=REGION)
    sync(target, desired_files(V1, LAYOUT), environment="ci", commit="c1", layout=LAYOUT)
    return target


def observe(proxy: FaultProxy, bucket: str) -> Observer:
    return Observer(f"s3://{bucket}/{PREFIX}", proxy.endpoint, REGION, 4)


def test_the_child_answers_as_the_bucket_does(proxy: FaultProxy, bucket: str) -> None:
    target = synced(proxy, bucket)
    answers = observe(proxy, bucket).answers()
    assert answers[("list", "")] == target.list()
    assert answers[("read", MANIFEST_KEY)] == target.read(MANIFEST_KEY)
    assert answers[("versioning", "")] == target.versioning() == "Enabled"
    assert answers[("read", LOCK_KEY)] is None


def test_a_replayed_answer_is_used_once_then_the_bucket_is_asked(proxy: FaultProxy,
                                                                 bucket: str) -> None:
    synced(proxy, bucket)
    answers = observe(proxy, bucket).answers()
    proxy.reset()
    fresh = S3Target(bucket, PREFIX, endpoint_url=proxy.endpoint, region=REGION)
    fresh.replay(answers)
    first = fresh.list()
    assert proxy.requests("GET") == []
    assert fresh.list() == first and proxy.requests("GET") != []


def test_an_error_in_the_child_is_the_error_the_parent_would_raise(proxy: FaultProxy) -> None:
    missing = S3Target("no-such-bucket-here", PREFIX, endpoint_url=proxy.endpoint,
                       region=REGION)
    with pytest.raises(SyncError) as direct:
        missing.list()
    answers = observe(proxy, "no-such-bucket-here").answers()
    assert set(answers) == {("list", "")}  # the recording stops at the first error
    replaying = S3Target("no-such-bucket-here", PREFIX, endpoint_url=proxy.endpoint,
                         region=REGION)
    replaying.replay(answers)
    with pytest.raises(SyncError) as replayed:
        replaying.list()
    assert (replayed.value.message, replayed.value.hint) == (direct.value.message,
                                                             direct.value.hint)


def test_answers_for_another_bucket_than_the_checked_one_are_dropped(
        repo: Path, proxy: FaultProxy, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write_environment(repo, "ci", f"s3://{bucket}/{PREFIX}", proxy.endpoint)
    started: list[Observer] = []

    class Elsewhere(Observer):
        def __init__(self, url: str, *args: object) -> None:
            super().__init__(url.replace(bucket, "no-such-bucket-here"), *args)  # type: ignore[arg-type]
            started.append(self)

    monkeypatch.setattr("mwaa_gitops.sync.observe.Observer", Elsewhere)
    prepared = prepare(repo, "ci")
    assert started and isinstance(prepared.target, S3Target)
    assert prepared.target.list() == {}  # asked the bucket itself, not the child's error
