"""The AWS stand-in of the ECS tier (ECS, CloudWatch Logs, Secrets Manager) against boto3: it
answers as AWS does, and refuses what botocore's models or AWS's rules refuse."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest

from tests.support.ecs_api import EcsApi, Outcome, Task, TaskDefinition, ecs_api

pytestmark = pytest.mark.e2e

REGION = "eu-west-1"


def aws_client(api: EcsApi, service: str) -> Any:
    return boto3.client(service, endpoint_url=api.endpoint_url, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_ecs_stand_in_reports_the_container_exit_code_once_it_stopped() -> None:
    release = threading.Event()

    def runner(params: dict[str, Any], task: Task) -> Outcome:
        release.wait(30)
        return Outcome(3, ["starting", "failed on purpose"])

    definitions = {"family:1": TaskDefinition("main", "/ecs/group", "prefix")}
    with ecs_api(REGION, ["cluster"], definitions, {}, runner) as api:
        client = aws_client(api, "ecs")
        (task,) = client.run_task(cluster="cluster", taskDefinition="family:1")["tasks"]
        arn = task["taskArn"]
        assert client.describe_tasks(cluster="cluster", tasks=[arn])["tasks"][0][
            "lastStatus"] == "RUNNING"
        release.set()
        client.get_waiter("tasks_stopped").wait(cluster="cluster", tasks=[arn],
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        (stopped,) = client.describe_tasks(cluster="cluster", tasks=[arn])["tasks"]
        assert stopped["containers"][0]["exitCode"] == 3
        events = aws_client(api, "logs").get_log_events(
            logGroupName="/ecs/group", logStreamName=f"prefix/main/{arn.rpartition('/')[2]}",
            startFromHead=True)["events"]
        assert [e["message"] for e in events][:2] == ["starting", "failed on purpose"]


def test_ecs_stand_in_refuses_requests_that_do_not_fit_botocore_models() -> None:
    definitions = {"family:1": TaskDefinition("main", "/ecs/group", "prefix")}
    with ecs_api(REGION, ["cluster"], definitions, {"known": "value"},
                 lambda params, task: Outcome(0, [])) as api:
        request = urllib.request.Request(
            api.endpoint_url, method="POST", data=json.dumps({"taskDefinition": 7}).encode(),
            headers={"X-Amz-Target": "AmazonEC2ContainerServiceV20141113.RunTask",
                     "Content-Type": "application/x-amz-json-1.1"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        answer = json.loads(refused.value.read())
        assert answer["__type"] == "InvalidParameterException"
        assert "taskDefinition" in answer["message"]
        ecs = aws_client(api, "ecs")
        with pytest.raises(ecs.exceptions.ClientException):
            ecs.run_task(cluster="cluster", taskDefinition="other:1")
        with pytest.raises(ecs.exceptions.InvalidParameterException):
            ecs.run_task(cluster="cluster", taskDefinition="family:1", overrides={
                "containerOverrides": [{"name": "not-main"}]})
        secrets = aws_client(api, "secretsmanager")
        assert secrets.get_secret_value(SecretId="known")["SecretString"] == "value"
        with pytest.raises(secrets.exceptions.ResourceNotFoundException):
            secrets.get_secret_value(SecretId="unknown")
        assert [c.operation for c in api.errors()] == ["RunTask", "RunTask", "RunTask"]
