"""MWAA calls, checked by botocore's Stubber against the real ``mwaa`` service model.

There is no local MWAA server; the Stubber validates every request we make (names, types,
required members) and every canned response against botocore's own model of the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import boto3
import pytest
from botocore.stub import Stubber

from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.mwaa import MwaaEnvironment, update_request
from mwaa_gitops.sync.plan import Layout
from mwaa_gitops.sync.progress import LineProgress

LAYOUT = Layout("dags", {"requirements.txt": "requirements", "plugins.zip": "plugins",
                         "startup.sh": "startup"})
ARN = "arn:aws:airflow:eu-west-1:123456789012:environment/openmetadata-dev"


@pytest.fixture
def stubbed() -> Iterator[tuple[MwaaEnvironment, Stubber]]:
    client = boto3.session.Session().client("mwaa", region_name="eu-west-1",
                                            aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        yield MwaaEnvironment(client, "openmetadata-dev"), stub
        stub.assert_no_pending_responses()


def environment(status: str, last_update: str | None = None,
                error: str | None = None) -> dict[str, object]:
    """A GetEnvironment response (validated against the model by the Stubber)."""
    env: dict[str, object] = {"Name": "openmetadata-dev", "Arn": ARN, "Status": status}
    if last_update:
        update: dict[str, object] = {"Status": last_update,
                                     "CreatedAt": datetime(2024, 1, 1, tzinfo=timezone.utc)}
        if error:
            update["Error"] = {"ErrorCode": "RequirementsInstallFailed", "ErrorMessage": error}
        env["LastUpdate"] = update
    return {"Environment": env}


def test_update_request_names_prefixed_paths_and_versions() -> None:
    request = update_request("openmetadata-dev", LAYOUT, lambda key: f"team-a/{key}",
                             {"requirements.txt": "v-req", "startup.sh": "v-start"})
    assert request == {
        "Name": "openmetadata-dev",
        "RequirementsS3Path": "team-a/requirements.txt",
        "RequirementsS3ObjectVersion": "v-req",
        "StartupScriptS3Path": "team-a/startup.sh",
        "StartupScriptS3ObjectVersion": "v-start",
    }


def test_update_request_refuses_files_without_object_version() -> None:
    with pytest.raises(SyncError, match="no object version"):
        update_request("openmetadata-dev", LAYOUT, str, {"requirements.txt": None})


def test_update_environment_call_matches_the_service_model(
        stubbed: tuple[MwaaEnvironment, Stubber]) -> None:
    mwaa, stub = stubbed
    request = update_request(mwaa.name, LAYOUT, str, {"plugins.zip": "3HL4kqtJlcpXroDTDmJ.rw"})
    stub.add_response("update_environment", {"Arn": ARN}, expected_params=request)
    mwaa.update(request)


def test_update_refused_while_environment_is_busy(
        stubbed: tuple[MwaaEnvironment, Stubber]) -> None:
    mwaa, stub = stubbed
    stub.add_response("get_environment", environment("UPDATING"), {"Name": mwaa.name})
    with pytest.raises(SyncError, match="is UPDATING"):
        mwaa.ensure_ready()


def test_update_error_becomes_a_message(stubbed: tuple[MwaaEnvironment, Stubber]) -> None:
    mwaa, stub = stubbed
    stub.add_client_error("update_environment", "ResourceNotFoundException",
                          "Environment openmetadata-dev not found", 404)
    with pytest.raises(SyncError, match="ResourceNotFoundException") as caught:
        mwaa.update({"Name": mwaa.name, "RequirementsS3Path": "requirements.txt",
                     "RequirementsS3ObjectVersion": "v1"})
    assert caught.value.hint == "check mwaa.environmentName and mwaa.region"


def test_wait_polls_until_available_and_reports_progress(
        stubbed: tuple[MwaaEnvironment, Stubber], capsys: pytest.CaptureFixture[str]) -> None:
    mwaa, stub = stubbed
    for status in ("UPDATING", "UPDATING", "AVAILABLE"):
        stub.add_response("get_environment",
                          environment(status, "SUCCESS" if status == "AVAILABLE" else "PENDING"),
                          {"Name": mwaa.name})
    ticks = iter(range(0, 1000, 30))
    slept: list[float] = []
    mwaa.wait(LineProgress(), timeout=3600, poll=30, sleep=slept.append,
              clock=lambda: float(next(ticks)))
    assert slept == [30, 30]
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "MWAA openmetadata-dev: UPDATING (0m30s)"
    assert lines[-1] == "MWAA openmetadata-dev: AVAILABLE (1m30s)"


def test_wait_reports_a_failed_update(stubbed: tuple[MwaaEnvironment, Stubber]) -> None:
    mwaa, stub = stubbed
    stub.add_response("get_environment",
                      environment("AVAILABLE", "FAILED", "pip could not resolve x==9"),
                      {"Name": mwaa.name})
    with pytest.raises(SyncError, match="update failed: pip could not resolve x==9"):
        mwaa.wait(LineProgress(), timeout=60, sleep=lambda _: None)


def test_wait_gives_up_after_timeout(stubbed: tuple[MwaaEnvironment, Stubber]) -> None:
    mwaa, stub = stubbed
    stub.add_response("get_environment", environment("UPDATING"), {"Name": mwaa.name})
    ticks = iter([0.0, 7200.0])
    with pytest.raises(SyncError, match="still UPDATING after 120m00s"):
        mwaa.wait(LineProgress(), timeout=3600, sleep=lambda _: None, clock=lambda: next(ticks))
