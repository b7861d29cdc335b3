"""InvokeRestApi and GetEnvironment failure modes, with botocore's Stubber on the real ``mwaa``
model (every request and canned answer is validated against it), and real botocore errors for
what the Stubber cannot produce (a closed port, a call that times out)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

from mwaa_gitops.exits import ExitCode
from mwaa_gitops.verify.client import (
    ATTEMPTS,
    AirflowApi,
    MwaaFailure,
    RestApi,
    smoke_id_limit,
    wait_available,
)

NAME = "openmetadata-dev"


def client(endpoint_url: str | None = None, **config: Any) -> Any:
    return boto3.session.Session().client(
        "mwaa", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x",
        endpoint_url=endpoint_url, config=Config(retries={"max_attempts": 1}, **config))


@pytest.fixture
def stubbed() -> Iterator[tuple[RestApi, Stubber, list[float]]]:
    mwaa = client()
    slept: list[float] = []
    with Stubber(mwaa) as stub:
        yield RestApi(mwaa, NAME, sleep=slept.append), stub, slept
        stub.assert_no_pending_responses()


def request(path: str, method: str = "GET", **more: Any) -> dict[str, Any]:
    return {"Name": NAME, "Path": path, "Method": method, **more}


def failure(call: Any) -> MwaaFailure:
    with pytest.raises(MwaaFailure) as raised:
        call()
    return raised.value


def test_access_denied_names_the_iam_permission(stubbed: Any) -> None:
    rest, stub, _ = stubbed
    stub.add_client_error("invoke_rest_api", "AccessDeniedException", "User is not authorized",
                          403, expected_params=request("/importErrors"))
    raised = failure(lambda: rest.call("GET", "/importErrors"))
    assert raised.exit_code == ExitCode.DENIED
    assert "airflow:InvokeRestApi" in str(raised.hint)


def test_airflow_refusing_the_role_is_permission_denied_too(stubbed: Any) -> None:
    rest, stub, _ = stubbed
    stub.add_client_error("invoke_rest_api", "RestApiClientException", "", 400,
                          response_meta={}, modeled_fields={
                              "RestApiStatusCode": 403,
                              "RestApiResponse": {"detail": "Forbidden"}})
    raised = failure(lambda: rest.call("GET", "/dags"))
    assert raised.exit_code == ExitCode.DENIED and "403" in raised.message


def test_an_unknown_environment_is_unavailable(stubbed: Any) -> None:
    rest, stub, _ = stubbed
    stub.add_client_error("invoke_rest_api", "ResourceNotFoundException", "not found", 404)
    raised = failure(lambda: rest.call("GET", "/dags"))
    assert raised.exit_code == ExitCode.UNAVAILABLE
    assert "mwaa.environmentName" in str(raised.hint)


def test_airflow_server_errors_are_retried_a_bounded_number_of_times(stubbed: Any) -> None:
    rest, stub, slept = stubbed
    for _ in range(ATTEMPTS):
        stub.add_client_error("invoke_rest_api", "RestApiServerException", "", 400,
                              modeled_fields={"RestApiStatusCode": 503,
                                              "RestApiResponse": {"detail": "restarting"}})
    raised = failure(lambda: rest.call("GET", "/dags"))
    assert raised.exit_code == ExitCode.UNREACHABLE
    assert f"{ATTEMPTS} attempts" in raised.message and "503" in raised.message
    assert len(slept) == ATTEMPTS - 1


def test_a_server_error_that_passes_is_retried_into_an_answer(stubbed: Any) -> None:
    rest, stub, _ = stubbed
    stub.add_client_error("invoke_rest_api", "RestApiServerException", "", 400,
                          modeled_fields={"RestApiStatusCode": 502, "RestApiResponse": {}})
    stub.add_response("invoke_rest_api", {"RestApiStatusCode": 200,
                                          "RestApiResponse": {"import_errors": [],
                                                              "total_entries": 0}})
    assert rest.call("GET", "/importErrors") == {"import_errors": [], "total_entries": 0}


def test_a_path_over_64_characters_is_refused_before_calling(stubbed: Any) -> None:
    rest, _, _ = stubbed
    raised = failure(lambda: rest.call("GET", "/dags/" + "x" * 59))
    assert raised.exit_code == ExitCode.PROBLEMS and "over the 64" in raised.message


def test_long_dag_ids_are_listed_with_query_parameters_and_paged(stubbed: Any) -> None:
    rest, stub, _ = stubbed
    long_id = "a" * 200  # Airflow's limit; far beyond what a Path could hold
    first = [{"dag_id": f"d{i}", "fileloc": f"/dags/d{i}.py"} for i in range(100)]
    stub.add_response("invoke_rest_api", {"RestApiStatusCode": 200, "RestApiResponse": {
        "dags": first, "total_entries": 101}}, request("/dags", QueryParameters={
            "limit": 100, "offset": 0}))
    stub.add_response("invoke_rest_api", {"RestApiStatusCode": 200, "RestApiResponse": {
        "dags": [{"dag_id": long_id, "fileloc": "/usr/local/airflow/dags/x.py",
                  "is_paused": True, "last_parsed_time": "2026-01-01T00:00:00Z"}],
        "total_entries": 101}}, request("/dags", QueryParameters={"limit": 100,
                                                                   "offset": 100}))
    dags = AirflowApi(rest, 3).dags()
    assert len(dags) == 101 and dags[-1].dag_id == long_id and dags[-1].is_paused


def test_smoke_runs_are_awaited_through_a_short_path_whatever_the_dag_id(stubbed: Any) -> None:
    rest, stub, _ = stubbed
    dag_id = "b" * 120
    stub.add_response("invoke_rest_api", {"RestApiStatusCode": 200, "RestApiResponse": {
        "dag_runs": [{"dag_run_id": "other", "state": "failed"},
                     {"dag_run_id": "mine", "state": "success"}], "total_entries": 2}},
        request("/dags/~/dagRuns/list", "POST", Body={
            "dag_ids": [dag_id], "page_limit": 100, "order_by": "-execution_date"}))
    run = AirflowApi(rest, 2).run(dag_id, "mine")
    assert run is not None and run.state == "success"


def test_triggering_a_dag_id_too_long_for_a_path_says_the_limit(stubbed: Any) -> None:
    rest, _, _ = stubbed
    raised = failure(lambda: AirflowApi(rest, 3).trigger("c" * (smoke_id_limit() + 1), "r"))
    assert raised.exit_code == ExitCode.PROBLEMS
    assert f"up to {smoke_id_limit()} characters" in str(raised.hint)
    assert smoke_id_limit() == 50


def test_airflow_3_runs_are_triggered_without_a_logical_date(stubbed: Any) -> None:
    rest, stub, _ = stubbed
    stub.add_response("invoke_rest_api", {"RestApiStatusCode": 200, "RestApiResponse": {
        "dag_run_id": "r1", "state": "queued"}}, request(
            "/dags/ingest/dagRuns", "POST", Body={"dag_run_id": "r1", "conf": {},
                                                  "logical_date": None}))
    assert AirflowApi(rest, 3).trigger("ingest", "r1").state == "queued"


def test_mwaa_unreachable_is_its_own_exit_code() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    # Nothing listens there any more.
    mwaa = client(f"http://127.0.0.1:{port}", inject_host_prefix=False)
    raised = failure(lambda: RestApi(mwaa, NAME).call("GET", "/dags"))
    assert raised.exit_code == ExitCode.UNREACHABLE and "unreachable" in raised.message


def test_a_call_that_times_out_says_how_long_it_waited() -> None:
    mwaa = client()

    def hang(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://env.airflow.eu-west-1.amazonaws.com")

    mwaa.meta.events.register("before-send.mwaa.InvokeRestApi", hang)
    raised = failure(lambda: RestApi(mwaa, NAME).call("GET", "/importErrors"))
    assert raised.exit_code == ExitCode.UNREACHABLE
    assert "within 10 s" in raised.message


def environment(status: str) -> dict[str, Any]:
    return {"Environment": {"Name": NAME, "Status": status,
                            "Arn": f"arn:aws:airflow:eu-west-1:123456789012:environment/{NAME}"}}


def test_verify_waits_while_the_environment_updates() -> None:
    mwaa = client()
    notes: list[str] = []
    with Stubber(mwaa) as stub:
        stub.add_response("get_environment", environment("UPDATING"), {"Name": NAME})
        stub.add_response("get_environment", environment("AVAILABLE"), {"Name": NAME})
        found = wait_available(mwaa, NAME, notes.append, timeout=60, poll=1,
                               sleep=lambda _: None)
    assert found is not None and found["Status"] == "AVAILABLE"
    assert "UPDATING, waiting until it is AVAILABLE" in notes[0]


def test_an_environment_still_updating_at_the_timeout_is_unavailable() -> None:
    mwaa = client()
    ticks = iter([0.0, 0.0, 120.0])
    with Stubber(mwaa) as stub:
        for _ in range(2):
            stub.add_response("get_environment", environment("UPDATING"), {"Name": NAME})
        raised = failure(lambda: wait_available(mwaa, NAME, lambda _: None, timeout=60,
                                                sleep=lambda _: None,
                                                clock=lambda: next(ticks)))
    assert raised.exit_code == ExitCode.UNAVAILABLE and "still UPDATING" in raised.message


def test_without_get_environment_permission_verify_goes_on_and_says_so() -> None:
    mwaa = client()
    notes: list[str] = []
    with Stubber(mwaa) as stub:
        stub.add_client_error("get_environment", "AccessDeniedException", "denied", 403)
        assert wait_available(mwaa, NAME, notes.append, timeout=60) is None
    assert "airflow:GetEnvironment" in notes[0]
