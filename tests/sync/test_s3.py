"""Sync against a real S3-compatible server (SeaweedFS on 127.0.0.1, through a counting proxy)."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from mwaa_gitops.render import render_environment
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync import manifest as manifests
from mwaa_gitops.sync.deploy import Options, inspect, sync
from mwaa_gitops.sync.lock import Lock, LockHeld
from mwaa_gitops.sync.mwaa import MwaaEnvironment
from mwaa_gitops.sync.plan import Layout, desired_files
from mwaa_gitops.sync.progress import LineProgress
from mwaa_gitops.sync.targets import RESERVED
from mwaa_gitops.sync.targets.s3 import S3Target
from tests.support.s3server import REGION, Fault, FaultProxy
from tests.sync.conftest import S3, write_environment
from tests.sync.trees import FOREIGN, LAYOUT, V1, V2, V3, dags_missing_config

pytestmark = pytest.mark.s3
PREFIX = "openmetadata"
WORKFLOW = "environments/base/workflows/airflow_pipelines.yaml"
runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ci_repo(repo: Path, bucket: str, proxy: FaultProxy) -> Path:
    """The example repository plus a ``ci`` environment syncing to the test bucket."""
    write_environment(repo, "ci", f"s3://{bucket}/{PREFIX}", proxy.endpoint)
    return repo


def bucket_files(s3: S3, bucket: str, prefix: str = PREFIX) -> dict[str, bytes]:
    """Every object under ``prefix`` except our bookkeeping, read directly (not via proxy)."""
    client = s3.server.client()
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", [])
    keys = [o["Key"][len(prefix) + 1:] for o in listed]
    return {k: client.get_object(Bucket=bucket, Key=f"{prefix}/{k}")["Body"].read()
            for k in keys if not k.startswith(RESERVED)}


def rendered(repo: Path, env: str = "ci") -> dict[str, bytes]:
    """What a sync puts in the bucket: the rendered files but those of MWAA settings the
    repository does not own (the example owns none: requirements.txt stays out)."""
    from mwaa_gitops.render import pipeline

    checked = pipeline.checked_environment(pipeline.open_repository(repo), env)
    withheld = Layout.of(checked.mwaa, serves_mwaa=True).withheld
    assert "requirements.txt" in withheld
    return {key: data for key, data in render_environment(checked).items()
            if key not in withheld}


def file_puts(proxy: FaultProxy) -> list[str]:
    """PUTs of synced files (not of the manifest or the lock)."""
    return proxy.requests("PUT", excluding=RESERVED)


def target(proxy: FaultProxy, bucket: str, attempts: int = 6) -> S3Target:
    return S3Target(bucket, PREFIX, endpoint_url=proxy.endpoint, region=REGION, attempts=attempts)


# --- the command line against the example repository ------------------------------------


def test_first_sync_uploads_every_rendered_file(ci_repo: Path, s3: S3, bucket: str,
                                                proxy: FaultProxy) -> None:
    code, out, _ = cli("sync", "--env", "ci", "--repo", str(ci_repo), "--commit", "abc123",
                       "--no-update-mwaa", "--format", "json")
    assert code == 0
    result = json.loads(out)
    expected = rendered(ci_repo)
    assert result["result"] == "applied" and result["uploaded"] == len(expected)
    assert bucket_files(s3, bucket) == expected
    assert len(file_puts(proxy)) == len(expected)
    manifest = manifests.load(target(proxy, bucket))
    assert manifest is not None and manifest.commit == "abc123" and manifest.complete
    assert set(manifest.objects) == set(expected)
    assert all(e.version_id for e in manifest.objects.values())  # versioned bucket


def test_resync_of_fresh_clone_uploads_nothing(ci_repo: Path, tmp_path: Path,
                                               proxy: FaultProxy) -> None:
    assert cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")[0] == 0
    clone = tmp_path / "clone"
    shutil.copytree(ci_repo / "environments", clone / "environments")  # new mtimes, same bytes
    shutil.copytree(ci_repo / "locks", clone / "locks")
    proxy.reset()
    code, out, _ = cli("sync", "--env", "ci", "--repo", str(clone), "--no-update-mwaa",
                       "--detailed-exitcode")
    assert code == 0, out
    assert "nothing written" in out
    assert proxy.requests("PUT") == [] and proxy.requests("DELETE") == []


def test_one_changed_workflow_uploads_one_file(ci_repo: Path, proxy: FaultProxy) -> None:
    assert cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")[0] == 0
    path = ci_repo / WORKFLOW
    path.write_text(path.read_text().replace("loggerLevel: INFO", "loggerLevel: DEBUG"))
    proxy.reset()
    code, out, _ = cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")
    assert code == 0, out
    assert file_puts(proxy) == [f"/{proxy_bucket(ci_repo)}/{PREFIX}/dags/openmetadata/"
                                "airflow_pipelines.yaml"]
    assert "0 added, 1 changed, 0 deleted" in out


def proxy_bucket(repo: Path) -> str:
    text = (repo / "environments/ci/environment.yaml").read_text()
    return text.split("s3://", 1)[1].split("/", 1)[0]


def test_same_length_schedule_edit_is_detected_and_uploaded(ci_repo: Path, s3: S3, bucket: str,
                                                            proxy: FaultProxy) -> None:
    assert cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")[0] == 0
    before = bucket_files(s3, bucket)
    path = ci_repo / WORKFLOW
    path.write_text(path.read_text().replace('schedule: "0 */6 * * *"',
                                             'schedule: "5 */6 * * *"'))
    after = rendered(ci_repo)
    changed = [k for k in after if after[k] != before[k]]
    assert changed and all(len(after[k]) == len(before[k]) for k in changed)  # same size
    code, out, _ = cli("plan", "--env", "ci", "--repo", str(ci_repo), "--format", "json")
    assert code == 0
    actions = {i["key"]: i["action"] for i in json.loads(out)["items"]}
    assert [k for k, a in actions.items() if a == "change"] == changed
    proxy.reset()
    assert cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")[0] == 0
    assert len(file_puts(proxy)) == len(changed)
    assert bucket_files(s3, bucket) == after


def test_foreign_objects_under_the_prefix_are_never_touched(ci_repo: Path, s3: S3, bucket: str,
                                                            proxy: FaultProxy) -> None:
    client = s3.server.client()
    for key, data in FOREIGN.items():
        client.put_object(Bucket=bucket, Key=f"{PREFIX}/{key}", Body=data)
    assert cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")[0] == 0
    (ci_repo / WORKFLOW).unlink()
    code, out, _ = cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")
    assert code == 0, out
    assert "2 foreign objects left alone" in out
    files = bucket_files(s3, bucket)
    assert {k: files[k] for k in FOREIGN} == FOREIGN
    deleted = [p for p in proxy.requests("POST") if "delete" in p]
    assert deleted  # the stale config went through DeleteObjects, foreign keys did not


def test_stale_owned_objects_are_deleted(ci_repo: Path, s3: S3, bucket: str) -> None:
    assert cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")[0] == 0
    before = rendered(ci_repo)
    (ci_repo / WORKFLOW).unlink()
    gone = set(before) - set(rendered(ci_repo))
    assert "dags/openmetadata/airflow_pipelines.yaml" in gone
    code, out, _ = cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")
    assert code == 0, out
    assert f"{len(gone)} deleted" in out
    assert bucket_files(s3, bucket) == rendered(ci_repo)


def test_drift_is_reported_by_plan_and_corrected_by_sync(ci_repo: Path, s3: S3,
                                                         bucket: str) -> None:
    assert cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")[0] == 0
    key = "dags/openmetadata/airflow_pipelines.yaml"
    s3.server.client().put_object(Bucket=bucket, Key=f"{PREFIX}/{key}", Body=b"hand edit\n")
    code, out, _ = cli("plan", "--env", "ci", "--repo", str(ci_repo))
    assert code == 0
    assert "drift: changed outside mwaa-gitops since the last sync" in out
    code, out, _ = cli("plan", "--env", "ci", "--repo", str(ci_repo), "--format", "json")
    assert json.loads(out)["drift"] == [key]
    code, out, _ = cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")
    assert code == 0 and f"drift corrected: {key}" in out
    assert bucket_files(s3, bucket) == rendered(ci_repo)


def test_plan_writes_github_step_summary(ci_repo: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, _, _ = cli("plan", "--env", "ci", "--repo", str(ci_repo), "--format", "github")
    assert code == 0
    text = summary.read_text()
    assert text.startswith("### mwaa-gitops plan: `ci` → `s3://")
    assert "| add | `dags/openmetadata/airflow_pipelines.yaml` |" in text


def test_sync_refuses_while_another_sync_holds_the_lock(ci_repo: Path, bucket: str,
                                                        proxy: FaultProxy) -> None:
    held = Lock.acquire(target(proxy, bucket), environment="ci", commit="0123456789abcdef",
                        who="release-bot@runner-7 (pid 42)")
    proxy.reset()
    code, _, err = cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")
    assert code == 1
    assert "is being synced by release-bot@runner-7 (pid 42), commit 0123456789ab" in err
    assert "environments/ci/environment.yaml:4:" in err  # points at mwaa.target
    assert file_puts(proxy) == []
    held.release()
    assert cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")[0] == 0


def test_invalid_config_uploads_nothing(ci_repo: Path, proxy: FaultProxy) -> None:
    path = ci_repo / WORKFLOW
    path.write_text(path.read_text().replace("loggerLevel: INFO", "loggerLevel: LOUD"))
    code, _, err = cli("sync", "--env", "ci", "--repo", str(ci_repo), "--no-update-mwaa")
    assert code == 1
    assert "airflow_pipelines.yaml:" in err and "Traceback" not in err
    assert proxy.log == []  # not even a listing


# --- the sync core against the server, with faults ----------------------------------------


def test_concurrent_lock_attempts_have_exactly_one_winner(bucket: str, proxy: FaultProxy) -> None:
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def contend(n: int) -> None:
        contender = target(proxy, bucket)
        barrier.wait()
        try:
            Lock.acquire(contender, environment="ci", commit=None, who=f"runner-{n}")
            outcomes.append("won")
        except LockHeld as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1
    assert all("runner-" in o for o in outcomes if o != "won")


def test_stale_lock_is_taken_over(bucket: str, proxy: FaultProxy,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    Lock.acquire(target(proxy, bucket), environment="ci", commit=None, who="crashed-run")
    # Stale by the bucket's clock once --stale-lock-minutes passed since its last write.
    sync(target(proxy, bucket), desired_files(V1, LAYOUT), environment="ci", commit=None,
         layout=LAYOUT, progress=LineProgress(), options=Options(stale_after=timedelta(0)))
    assert "taking over a stale sync lock" in capsys.readouterr().err
    assert target(proxy, bucket).read(RESERVED + "lock.json") is None  # released after


def test_a_lock_holds_against_a_second_sync_whatever_the_holder_s_clock_says(
        bucket: str, proxy: FaultProxy) -> None:
    # A runner whose clock is 20 minutes slow: its lock's own dates look stale at once.
    slow = datetime.now(timezone.utc) - timedelta(minutes=20)
    Lock.acquire(target(proxy, bucket), environment="ci", commit=None, who="slow-clock run",
                 clock=lambda: slow)
    with pytest.raises(LockHeld, match="slow-clock run"):
        sync(target(proxy, bucket), desired_files(V1, LAYOUT), environment="ci", commit=None,
             layout=LAYOUT)


def test_transient_faults_are_retried_within_one_run(s3: S3, bucket: str,
                                                     proxy: FaultProxy) -> None:
    # Five faults in all: fewer than the six attempts a request gets, so the run must succeed
    # even when parallel uploads happen to send every fault to the same request.
    slow = proxy.inject(Fault(kind="status", status=503, times=2, path_contains="/dags/"))
    broken = proxy.inject(Fault(kind="status", status=500, times=1, path_contains="/dags/"))
    dropped = proxy.inject(Fault(kind="drop", times=1, path_contains="/dags/"))
    lost = proxy.inject(Fault(kind="drop-after", times=1, path_contains="/dags/"))
    sync(target(proxy, bucket), desired_files(V1, LAYOUT), environment="ci", commit=None,
         layout=LAYOUT)
    assert (slow.hit, broken.hit, dropped.hit, lost.hit) == (2, 1, 1, 1)
    assert bucket_files(s3, bucket) == V1


@pytest.mark.parametrize("kind", ["status", "drop-after"])
def test_sync_failing_half_way_converges_on_the_next_run(kind: str, s3: S3, bucket: str,
                                                         proxy: FaultProxy) -> None:
    client = s3.server.client()
    for key, data in FOREIGN.items():
        client.put_object(Bucket=bucket, Key=f"{PREFIX}/{key}", Body=data)
    sync(target(proxy, bucket), desired_files(V1, LAYOUT), environment="ci", commit="v1",
         layout=LAYOUT)
    # From the third file upload on, the server fails (or applies but never answers) for good.
    proxy.inject(Fault(kind=kind, status=500, skip=2, path_contains=f"/{PREFIX}/dags/"))
    with pytest.raises(SyncError, match="upload"):
        sync(target(proxy, bucket, attempts=2), desired_files(V2, LAYOUT), environment="ci",
             commit="v2", layout=LAYOUT, options=Options(jobs=2))
    state = bucket_files(s3, bucket)
    assert dags_missing_config(state) == []
    assert {k: state[k] for k in FOREIGN} == FOREIGN
    proxy.reset()
    sync(target(proxy, bucket), desired_files(V3, LAYOUT), environment="ci", commit="v3",
         layout=LAYOUT)
    assert bucket_files(s3, bucket) == {**V3, **FOREIGN}
    proxy.reset()
    again = sync(target(proxy, bucket), desired_files(V3, LAYOUT), environment="ci",
                 commit="v3", layout=LAYOUT)
    assert not again.changed and proxy.requests("PUT") == []


# --- MWAA environment updates (botocore Stubber with the real mwaa model) -----------------


def stubbed_mwaa() -> tuple[MwaaEnvironment, Stubber, list[dict[str, Any]]]:
    client = boto3.session.Session().client("mwaa", region_name=REGION,
                                            aws_access_key_id="x", aws_secret_access_key="x")
    calls: list[dict[str, Any]] = []
    client.meta.events.register("provide-client-params.mwaa.UpdateEnvironment",
                                lambda params, **_: calls.append(dict(params)))
    return MwaaEnvironment(client, "openmetadata-ci"), Stubber(client), calls


def expect_update(stub: Stubber) -> None:
    stub.add_response("get_environment", {"Environment": {"Name": "openmetadata-ci",
                                                          "Status": "AVAILABLE"}},
                      {"Name": "openmetadata-ci"})
    stub.add_response("update_environment", {"Arn": "arn:aws:airflow:eu-west-1:1:environment/x"},
                      {"Name": "openmetadata-ci", "RequirementsS3Path": "openmetadata/"
                       "requirements.txt", "RequirementsS3ObjectVersion": ANY})


def test_mwaa_is_updated_with_new_versions_only_when_requirements_change(
        s3: S3, bucket: str, proxy: FaultProxy) -> None:
    mwaa, stub, calls = stubbed_mwaa()
    with stub:
        expect_update(stub)
        sync(target(proxy, bucket), desired_files(V1, LAYOUT), environment="ci", commit=None,
             layout=LAYOUT, mwaa=mwaa)
        version = s3.server.client().head_object(Bucket=bucket,
                                                 Key=f"{PREFIX}/requirements.txt")["VersionId"]
        assert calls[-1]["RequirementsS3ObjectVersion"] == version
        # DAG-only change, and a byte-identical rebuild: no MWAA call at all (none is stubbed).
        sync(target(proxy, bucket), desired_files({**V1, "dags/orders.py": b"# new\n"}, LAYOUT),
             environment="ci", commit=None, layout=LAYOUT, mwaa=mwaa)
        sync(target(proxy, bucket), desired_files({**V1, "dags/orders.py": b"# new\n"}, LAYOUT),
             environment="ci", commit=None, layout=LAYOUT, mwaa=mwaa)
        assert len(calls) == 1
        expect_update(stub)
        for status in ("UPDATING", "AVAILABLE"):  # --wait polls until available again
            stub.add_response("get_environment", {"Environment": {"Status": status}},
                              {"Name": "openmetadata-ci"})
        sync(target(proxy, bucket), desired_files(V2, LAYOUT), environment="ci", commit=None,
             layout=LAYOUT, mwaa=mwaa, options=Options(wait=True, poll_seconds=0.01))
        assert len(calls) == 2 and calls[1]["RequirementsS3ObjectVersion"] != version
        stub.assert_no_pending_responses()


def test_mwaa_update_that_failed_is_made_by_the_next_run(bucket: str, proxy: FaultProxy) -> None:
    mwaa, stub, _ = stubbed_mwaa()
    with stub:
        stub.add_response("get_environment", {"Environment": {"Status": "AVAILABLE"}})
        stub.add_client_error("update_environment", "InternalServerException", "try later", 500)
        with pytest.raises(SyncError, match="InternalServerException"):
            sync(target(proxy, bucket), desired_files(V1, LAYOUT), environment="ci",
                 commit=None, layout=LAYOUT, mwaa=mwaa)
        expect_update(stub)
        outcome = sync(target(proxy, bucket), desired_files(V1, LAYOUT), environment="ci",
                       commit=None, layout=LAYOUT, mwaa=mwaa)
        assert outcome.applied is not None and outcome.applied.uploaded == 0
        assert list(outcome.mwaa_updated) == ["requirements.txt"]
        stub.assert_no_pending_responses()


def test_unversioned_bucket_is_reported_and_blocks_mwaa_updates(s3: S3,
                                                                proxy: FaultProxy) -> None:
    s3.server.create_bucket("sync-unversioned", versioning=False)
    plain = S3Target("sync-unversioned", PREFIX, endpoint_url=proxy.endpoint, region=REGION)
    seen = inspect(plain, desired_files(V1, LAYOUT), environment="ci", layout=LAYOUT)
    assert seen.versioning == "Disabled"
    assert "bucket versioning is Disabled" in seen.notes[0]
    mwaa, stub, _ = stubbed_mwaa()
    with stub, pytest.raises(SyncError, match="versioning is Disabled") as caught:
        sync(plain, desired_files(V1, LAYOUT), environment="ci", commit=None, layout=LAYOUT,
             mwaa=mwaa)
    assert "put-bucket-versioning --bucket sync-unversioned" in str(caught.value.hint)
    assert proxy.requests("PUT") == []


class StoppedBeforeDags(S3Target):
    """A run that loses the bucket once its environment files are up, before anything else
    is written (the same as a run killed there: the final manifest is never written)."""

    def write(self, key: str, data: bytes, **conditions: Any) -> Any:
        if key.startswith("dags/"):
            raise SyncError("connection lost")
        return super().write(key, data, **conditions)


def test_mwaa_update_of_a_run_stopped_after_uploading_requirements_is_made_by_the_next_run(
        s3: S3, bucket: str, proxy: FaultProxy) -> None:
    mwaa, stub, calls = stubbed_mwaa()
    with stub:
        stub.add_response("get_environment", {"Environment": {"Status": "AVAILABLE"}})
        stopped = StoppedBeforeDags(bucket, PREFIX, endpoint_url=proxy.endpoint, region=REGION)
        with pytest.raises(SyncError, match="connection lost"):
            sync(stopped, desired_files(V1, LAYOUT), environment="ci", commit=None,
                 layout=LAYOUT, mwaa=mwaa)
        assert calls == []  # stopped before MWAA was told
        expect_update(stub)
        outcome = sync(target(proxy, bucket), desired_files(V1, LAYOUT), environment="ci",
                       commit=None, layout=LAYOUT, mwaa=mwaa)
        assert list(outcome.mwaa_updated) == ["requirements.txt"]
        version = s3.server.client().head_object(Bucket=bucket,
                                                 Key=f"{PREFIX}/requirements.txt")["VersionId"]
        assert calls[-1]["RequirementsS3ObjectVersion"] == version
        stub.assert_no_pending_responses()
    # Made once: the next run owes nothing.
    assert inspect(target(proxy, bucket), desired_files(V1, LAYOUT), environment="ci",
                   layout=LAYOUT, track_mwaa=True).plan.mwaa_update == ()
