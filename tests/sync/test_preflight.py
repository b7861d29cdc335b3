"""Preflight of ``plan`` and ``sync`` against a shared MWAA environment: the MWAA control-plane
stand-in (botocore's ``mwaa`` model, SigV4) describes the environment, SeaweedFS holds its
bucket, and the CLI runs as in CI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from tests.support.mwaa_api import MwaaApi, environment, mwaa_api
from tests.support.s3server import ACCESS_KEY, SECRET_KEY, FaultProxy
from tests.sync.conftest import S3

runner = CliRunner()
NAME = "openmetadata-shared"
PLATFORM_REQUIREMENTS = "requirements/platform.txt"  # another team's file


@pytest.fixture
def mwaa(monkeypatch: pytest.MonkeyPatch) -> Iterator[MwaaApi]:
    """The control-plane stand-in, signed for by the tests' S3 identity, as the CLI's MWAA."""
    with mwaa_api({}, {ACCESS_KEY: SECRET_KEY}) as api:
        monkeypatch.setenv("AWS_ENDPOINT_URL_MWAA", api.endpoint_url)
        monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
        yield api


def shared(repo: Path, target: str, proxy: FaultProxy, *extra: str) -> str:
    """The environment ``shared`` (target on line 4, ``extra`` lines from line 6 on)."""
    lines = ["extends: base", "mwaa:", f"  environmentName: {NAME}", f"  target: {target}",
             f"  endpointUrl: {proxy.endpoint}", *extra]
    folder = repo / "environments" / "shared"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "environment.yaml").write_text("\n".join(lines) + "\n")
    return "environments/shared/environment.yaml"


def describe(api: MwaaApi, bucket: str, **members: str) -> None:
    settings = {"airflow_version": "3.3.1", "bucket": bucket, **members}
    api.described[NAME] = environment(NAME, **settings)


def cli(repo: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--env", "shared", "--repo", str(repo)])
    return result.exit_code, result.stdout, result.stderr


def keys(s3: S3, bucket: str) -> list[str]:
    listed = s3.server.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def updates(api: MwaaApi) -> list[str]:
    return [op.operation for op in api.operations if op.operation == "UpdateEnvironment"]


def test_other_airflow_version_is_refused_at_the_line_that_set_it(
        repo: Path, s3: S3, bucket: str, proxy: FaultProxy, mwaa: MwaaApi) -> None:
    shared(repo, f"s3://{bucket}", proxy)
    describe(mwaa, bucket, airflow_version="2.10.3")
    for verb in ("plan", "sync"):
        code, _, err = cli(repo, verb)
        assert code == 1
        assert ("environments/base/environment.yaml:6:19: MWAA environment "
                f"'{NAME}' runs Airflow 2.10.3, not 3.3.1 (set mwaa.airflowVersion to "
                "\"2.10.3\"") in err
    assert keys(s3, bucket) == [] and updates(mwaa) == []


def test_target_outside_the_dag_folder_is_refused_at_the_setting_to_change(
        repo: Path, s3: S3, bucket: str, proxy: FaultProxy, mwaa: MwaaApi) -> None:
    # The bucket's root with MWAA reading airflow/dags: the dags prefix is what is wrong.
    shared(repo, f"s3://{bucket}", proxy)
    describe(mwaa, bucket, dag_path="airflow/dags")
    code, _, err = cli(repo, "sync")
    assert code == 1
    assert (f"environments/base/environment.yaml:7:15: MWAA environment '{NAME}' reads DAGs "
            f"from s3://{bucket}/airflow/dags/ (DagS3Path), but the DAGs would go to "
            f"s3://{bucket}/dags/, which it never reads (set mwaa.dagsPrefix to airflow/dags "
            "or a folder below it)") in err
    # A prefix beside the DAG folder (the old README's example): the target is wrong.
    file = shared(repo, f"s3://{bucket}/openmetadata", proxy)
    describe(mwaa, bucket)
    code, _, err = cli(repo, "plan")
    assert code == 1
    assert (f"{file}:4:11: MWAA environment '{NAME}' reads DAGs from s3://{bucket}/dags/ "
            f"(DagS3Path), but the DAGs would go to s3://{bucket}/openmetadata/dags/") in err
    assert f"(set mwaa.target to s3://{bucket}/dags/<folder>, or to s3://{bucket} with " \
        "mwaa.dagsPrefix dags or a folder below it)" in err
    # Another bucket altogether.
    shared(repo, f"s3://{bucket}", proxy)
    describe(mwaa, "platform-airflow-bucket")
    code, _, err = cli(repo, "sync")
    assert code == 1 and f"{file}:4:11: MWAA environment '{NAME}' reads DAGs from " \
        f"s3://platform-airflow-bucket/dags/ (SourceBucketArn, DagS3Path), not from bucket " \
        f"{bucket}" in err
    assert keys(s3, bucket) == [] and updates(mwaa) == []


def test_a_folder_below_the_dag_folder_is_fine(
        repo: Path, s3: S3, bucket: str, proxy: FaultProxy, mwaa: MwaaApi) -> None:
    shared(repo, f"s3://{bucket}/dags/openmetadata", proxy)
    describe(mwaa, bucket, RequirementsS3Path=PLATFORM_REQUIREMENTS)
    code, _, err = cli(repo, "sync")
    assert code == 0, err
    assert all(key.startswith("dags/openmetadata/dags/") or key.startswith(
        "dags/openmetadata/.mwaa-gitops/") for key in keys(s3, bucket))


def test_requirements_of_another_team_are_never_replaced(
        repo: Path, s3: S3, bucket: str, proxy: FaultProxy, mwaa: MwaaApi) -> None:
    # Naming a requirements file the environment does not use, without owning it: refused.
    file = shared(repo, f"s3://{bucket}", proxy, "  requirementsPath: requirements.txt")
    describe(mwaa, bucket, RequirementsS3Path=PLATFORM_REQUIREMENTS,
             RequirementsS3ObjectVersion="3sL4kqtJlcpXroDTDmJ.rw")
    code, _, err = cli(repo, "sync")
    assert code == 1
    assert (f"{file}:6:21: MWAA environment '{NAME}' uses s3://{bucket}/"
            f"{PLATFORM_REQUIREMENTS} for its requirements, not s3://{bucket}/requirements.txt, "
            "and this repository does not own that setting (remove mwaa.requirementsPath to "
            "leave the environment's requirements setting alone, or add requirements to "
            "mwaa.owns") in err
    assert keys(s3, bucket) == []
    # Not named, not owned: the DAGs are synced, requirements.txt is not, MWAA is not updated,
    # and the output says what the environment's own file must hold.
    shared(repo, f"s3://{bucket}", proxy)
    code, _, err = cli(repo, "sync")
    assert code == 0, err
    assert "requirements.txt" not in keys(s3, bucket)
    assert any(key.startswith("dags/") for key in keys(s3, bucket))
    assert updates(mwaa) == []
    # (The example's DAGs run in task virtualenvs: MWAA itself needs nothing more.)
    note = ("note: requirements are not owned by this repository (mwaa.owns), and the rendered "
            f"DAGs need nothing added to the requirements of MWAA environment '{NAME}'")
    assert note in err
    assert mwaa.described[NAME]["RequirementsS3Path"] == PLATFORM_REQUIREMENTS
    code, _, err = cli(repo, "plan")
    assert code == 0 and err.count(note) == 1


def test_owned_requirements_are_uploaded_and_given_to_mwaa(
        repo: Path, s3: S3, bucket: str, proxy: FaultProxy, mwaa: MwaaApi) -> None:
    shared(repo, f"s3://{bucket}", proxy, "  owns: [requirements]",
           "  requirementsPath: requirements.txt")
    describe(mwaa, bucket, RequirementsS3Path=PLATFORM_REQUIREMENTS)
    code, _, err = cli(repo, "sync")
    assert code == 0, err
    version = s3.server.client().head_object(Bucket=bucket, Key="requirements.txt")["VersionId"]
    assert mwaa.updates == [{"Name": NAME, "RequirementsS3Path": "requirements.txt",
                             "RequirementsS3ObjectVersion": version}]
    assert mwaa.described[NAME]["RequirementsS3Path"] == "requirements.txt"
    # Now the environment's setting is the repository's: nothing more to do, no other update.
    code, _, err = cli(repo, "sync")
    assert code == 0, err
    assert len(mwaa.updates) == 1


def test_without_mwaa_access_plan_and_sync_say_once_what_was_not_checked(
        repo: Path, s3: S3, bucket: str, proxy: FaultProxy, mwaa: MwaaApi) -> None:
    shared(repo, f"s3://{bucket}", proxy)
    describe(mwaa, "platform-airflow-bucket", airflow_version="2.10.3")
    mwaa.credentials = {"another-key": "another-secret"}  # ours is not allowed
    for verb in ("plan", "sync"):
        code, _, err = cli(repo, verb)
        assert code == 0, err
        assert err.count(f"warning: could not read MWAA environment '{NAME}' "
                         "(UnrecognizedClientException: no airflow:GetEnvironment permission)"
                         ": its Airflow version, DAG folder") == 1
    assert any(key.startswith("dags/") for key in keys(s3, bucket))


def test_update_environment_is_held_to_the_service_model(mwaa: MwaaApi) -> None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    mwaa.described[NAME] = environment(NAME, airflow_version="3.3.1", bucket="b")
    client = boto3.session.Session().client(
        "mwaa", region_name="eu-west-1", endpoint_url=mwaa.endpoint_url,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=Config(inject_host_prefix=False, parameter_validation=False,
                      retries={"max_attempts": 1}))
    with pytest.raises(ClientError, match=r"ValidationException.*length less than or "
                                          r"equal to 1024"):
        client.update_environment(Name=NAME, RequirementsS3Path="r" * 1025)

    def unknown_member(request: Any, **_: Any) -> None:  # botocore would never send one
        request.data = json.dumps({**json.loads(request.data or b"{}"),
                                   "RequirementsPath": "requirements.txt"}).encode()

    client.meta.events.register("before-sign.mwaa.UpdateEnvironment", unknown_member)
    with pytest.raises(ClientError, match="Unknown member 'requirementsPath'"):
        client.update_environment(Name=NAME, DagS3Path="dags")
    client.meta.events.unregister("before-sign.mwaa.UpdateEnvironment", unknown_member)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.update_environment(Name="nobody", DagS3Path="dags")
    assert mwaa.updates == []
    client.update_environment(Name=NAME, DagS3Path="airflow/dags")
    assert client.get_environment(Name=NAME)["Environment"]["DagS3Path"] == "airflow/dags"
    assert [op.status for op in mwaa.operations] == [400, 400, 404, 200, 200]


def test_requirements_not_owned_are_told_as_the_lines_the_environments_file_must_hold(
        repo: Path, mwaa: MwaaApi) -> None:
    import boto3
    from botocore.config import Config

    from mwaa_gitops.diagnostics import Location
    from mwaa_gitops.render import pipeline
    from mwaa_gitops.sync.plan import Layout
    from mwaa_gitops.sync.preflight import check
    from mwaa_gitops.sync.targets.s3 import S3Target

    dev = pipeline.checked_environment(pipeline.open_repository(repo), "dev")
    layout = Layout.of(dev.mwaa, serves_mwaa=True)
    assert layout.withheld == {"requirements.txt": "requirements", "plugins.zip": "plugins"} and \
        "requirements.txt" not in layout.environment_files
    needed = (b"# Rendered by mwaa-gitops.\n--constraint \"https://example.invalid/c.txt\"\n"
              b"openmetadata-ingestion[postgres]==2.0.7.0\n")
    mwaa.described[dev.mwaa.environment_name] = environment(
        dev.mwaa.environment_name, airflow_version=dev.mwaa.airflow_version,
        bucket="example-mwaa-dev", RequirementsS3Path=PLATFORM_REQUIREMENTS)
    client = boto3.session.Session().client(
        "mwaa", region_name="eu-west-1", endpoint_url=mwaa.endpoint_url,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=Config(inject_host_prefix=False))
    found = check(dev, None, S3Target("example-mwaa-dev", ""), layout,
                  {"requirements.txt": needed}, client, Location("dev"))
    assert found.checked and found.problems == []
    assert found.notes == [
        "note: requirements are not owned by this repository (mwaa.owns), so MWAA "
        "'openmetadata-dev' is not updated; for the rendered DAGs, "
        f"s3://example-mwaa-dev/{PLATFORM_REQUIREMENTS} must contain:\n"
        "  --constraint \"https://example.invalid/c.txt\"\n"
        "  openmetadata-ingestion[postgres]==2.0.7.0"]
    assert [op.operation for op in mwaa.operations] == ["GetEnvironment"]
