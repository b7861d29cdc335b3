"""The InvokeRestApi stand-in, through botocore's own ``mwaa`` client, against real Airflow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.e2e.conftest import EXAMPLE_DAG_IDS, REGION, E2EAirflow
from tests.support.mwaa_api import ACCESS_KEY, SECRET_KEY, mwaa_api

if TYPE_CHECKING:
    from mypy_boto3_mwaa import MWAAClient

pytestmark = pytest.mark.e2e


def client(airflow: E2EAirflow) -> MWAAClient:
    return boto3.session.Session().client(
        "mwaa", endpoint_url=airflow.mwaa.endpoint_url, region_name=REGION,
        aws_access_key_id="e2e-access-key", aws_secret_access_key="e2e-secret-key",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))


def error(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    response: dict[str, Any] = raised.value.response
    return response


def test_invoke_rest_api_answers_with_the_airflow_api_servers_response(
        airflow: E2EAirflow) -> None:
    answer = client(airflow).invoke_rest_api(Name=airflow.spec.mwaa_name, Path="/dags",
                                             Method="GET", QueryParameters={"limit": 100})
    assert answer["RestApiStatusCode"] == 200
    assert set(EXAMPLE_DAG_IDS) <= {dag["dag_id"] for dag in answer["RestApiResponse"]["dags"]}


def test_airflow_client_errors_come_back_as_rest_api_client_exception(
        airflow: E2EAirflow) -> None:
    response = error(lambda: client(airflow).invoke_rest_api(
        Name=airflow.spec.mwaa_name, Path="/dags/no_such_dag", Method="GET"))
    assert response["Error"]["Code"] == "RestApiClientException"
    assert response["RestApiStatusCode"] == 404


def test_paths_longer_than_64_characters_are_a_validation_error(airflow: E2EAirflow) -> None:
    path = "/dags/example_etl/dagRuns/manual__2024-01-01T00%3A00%3A00%2B00%3A00/taskInstances"
    response = error(lambda: client(airflow).invoke_rest_api(
        Name=airflow.spec.mwaa_name, Path=path, Method="GET"))
    assert response["Error"]["Code"] == "ValidationException"
    assert "less than or equal to 64" in response["Error"]["Message"]


def test_an_unknown_environment_is_resource_not_found(airflow: E2EAirflow) -> None:
    response = error(lambda: client(airflow).invoke_rest_api(
        Name="no-such-environment", Path="/dags", Method="GET"))
    assert response["Error"]["Code"] == "ResourceNotFoundException"


def signed_by(endpoint: str, access_key: str, secret_key: str) -> MWAAClient:
    return boto3.session.Session().client(
        "mwaa", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))


def test_a_request_signed_with_the_test_credentials_is_verified_and_served() -> None:
    with mwaa_api({}) as mwaa:
        response = error(lambda: signed_by(mwaa.endpoint_url, ACCESS_KEY, SECRET_KEY)
                         .invoke_rest_api(Name="unknown", Path="/dags", Method="GET"))
    # Past the signature check: the environment is what is missing.
    assert response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_request_signed_with_another_secret_key_is_an_invalid_signature() -> None:
    with mwaa_api({}) as mwaa:
        response = error(lambda: signed_by(mwaa.endpoint_url, ACCESS_KEY, "not-the-secret")
                         .invoke_rest_api(Name="unknown", Path="/dags", Method="GET"))
        described = error(lambda: signed_by(mwaa.endpoint_url, ACCESS_KEY, "not-the-secret")
                          .get_environment(Name="unknown"))
    assert response["Error"]["Code"] == "InvalidSignatureException"
    assert described["Error"]["Code"] == "InvalidSignatureException"
    assert mwaa.calls == []


def test_a_request_signed_with_an_unknown_access_key_is_refused() -> None:
    with mwaa_api({}) as mwaa:
        response = error(lambda: signed_by(mwaa.endpoint_url, "someone-else", SECRET_KEY)
                         .invoke_rest_api(Name="unknown", Path="/dags", Method="GET"))
    assert response["Error"]["Code"] == "UnrecognizedClientException"
