"""A recording stand-in for the AWS APIs an ECS-run workflow meets: ECS, CloudWatch Logs and
Secrets Manager, on one local endpoint (all three speak AWS JSON 1.1).

``EcsRunTaskOperator`` reaches it through its AWS connection's ``endpoint_url``; the container
(the ingestion image's entry point, run by ``run_task``) reaches Secrets Manager through
``AWS_ENDPOINT_URL_SECRETS_MANAGER``. Every request is checked against botocore's own model of
the operation (a request botocore would not send, or AWS would refuse by shape, is answered
with the model's validation errors), and every answer is checked against the output shape before
it is sent. ``RunTask`` starts the container for real (``runner``) and ``DescribeTasks`` reports
it ``RUNNING`` until it exits, then ``STOPPED`` with its real exit code; its output becomes the
log stream the awslogs driver would write, ``<prefix>/<container>/<task id>``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

ACCOUNT = "123456789012"
SERVICES = {"AmazonEC2ContainerServiceV20141113": "ecs", "Logs_20140328": "logs",
            "secretsmanager": "secretsmanager"}


@dataclass(frozen=True)
class TaskDefinition:
    """A registered task definition: its one container and that container's awslogs options."""

    container: str
    log_group: str
    stream_prefix: str


@dataclass
class Call:
    """One request: the operation, its parameters, and the error answered (if any)."""

    service: str
    operation: str
    params: dict[str, Any]
    error: str | None = None


@dataclass
class Outcome:
    """What a container did: its exit code and the lines it wrote."""

    exit_code: int
    lines: list[str]
    seconds: float = 0.0


@dataclass
class Task:
    """A started task and, once its container exited, the outcome."""

    arn: str
    cluster: str
    definition: str
    container: str
    launch_type: str | None
    stream: str
    group: str
    outcome: Outcome | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def id(self) -> str:
        return self.arn.rpartition("/")[2]


class AwsError(Exception):
    """An error answered the way AWS answers it (``__type`` and ``message``)."""

    def __init__(self, kind: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.kind, self.status = kind, status


Runner = Callable[[dict[str, Any], Task], Outcome]


class EcsApi:
    """The endpoint's state: clusters, task definitions, secrets, started tasks, calls."""

    def __init__(self, region: str, clusters: list[str],
                 task_definitions: Mapping[str, TaskDefinition], secrets: Mapping[str, str],
                 runner: Runner) -> None:
        self.region = region
        self.clusters = clusters
        self.task_definitions = dict(task_definitions)
        self.secrets = dict(secrets)
        self.runner = runner
        self.calls: list[Call] = []
        self.tasks: dict[str, Task] = {}
        self.lock = threading.Lock()
        session = botocore.session.get_session()
        self.models = {name: session.get_service_model(name) for name in SERVICES.values()}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def run_task_calls(self) -> list[dict[str, Any]]:
        """The parameters of every ``RunTask`` received."""
        return [c.params for c in self.calls if c.operation == "RunTask"]

    def errors(self) -> list[Call]:
        """Calls answered with an error, except log reads of streams that do not exist yet."""
        return [c for c in self.calls if c.error and not c.error.startswith("ResourceNotFound")]

    def wait_stopped(self, timeout: float = 600) -> list[Task]:
        """Every started task, once each container exited."""
        for task in list(self.tasks.values()):
            task.done.wait(timeout)
        return list(self.tasks.values())

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.tasks.clear()

    def handle(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        prefix, _, operation_name = target.partition(".")
        service = SERVICES.get(prefix)
        call = Call(service or prefix, operation_name, {})
        try:
            call.params = json.loads(body or b"{}")
            if service is None or operation_name not in self.models[service].operation_names:
                raise AwsError("UnknownOperationException", f"no operation {target}")
            operation = self.models[service].operation_model(operation_name)
            _validate(operation.input_shape, call.params, "InvalidParameterException")
            answer = getattr(self, f"_{service}_{operation_name}", None)
            if answer is None:
                raise AwsError("UnknownOperationException", f"{target} is not served here")
            result: dict[str, Any] = answer(call.params)
            _validate(operation.output_shape, result, "InternalFailure", status=500)
            return 200, result
        except AwsError as error:
            call.error = f"{error.kind}: {error}"
            return error.status, {"__type": error.kind, "message": str(error)}
        finally:
            with self.lock:
                self.calls.append(call)

    # ECS

    def _ecs_RunTask(self, params: dict[str, Any]) -> dict[str, Any]:
        cluster = params.get("cluster", "default")
        if cluster.rpartition("/")[2] not in self.clusters:
            raise AwsError("ClusterNotFoundException", "Cluster not found.")
        name = params["taskDefinition"].rpartition("/")[2]
        definition = self.task_definitions.get(name)
        if definition is None:
            raise AwsError("ClientException", "Unable to describe task definition.")
        for override in params.get("overrides", {}).get("containerOverrides", []):
            if override.get("name") != definition.container:
                raise AwsError("InvalidParameterException",
                               f"Override for container named {override.get('name')} is not a "
                               "container in the TaskDefinition.")
        arn = f"arn:aws:ecs:{self.region}:{ACCOUNT}:task/{cluster}/{uuid.uuid4().hex}"
        task = Task(arn, cluster, name, definition.container, params.get("launchType"),
                    stream="", group=definition.log_group)
        task.stream = f"{definition.stream_prefix}/{definition.container}/{task.id}"
        self.tasks[arn] = task
        threading.Thread(target=self._run, args=(params, task), daemon=True).start()
        return {"tasks": [self._describe(task)], "failures": []}

    def _run(self, params: dict[str, Any], task: Task) -> None:
        started = time.monotonic()
        try:
            task.outcome = self.runner(params, task)
        except Exception as exc:  # the container could not start: ECS reports it stopped
            task.outcome = Outcome(255, [f"{type(exc).__name__}: {exc}"])
        task.outcome.seconds = time.monotonic() - started
        task.done.set()

    def _describe(self, task: Task) -> dict[str, Any]:
        stopped = task.done.is_set() and task.outcome is not None
        container: dict[str, Any] = {
            "containerArn": f"arn:aws:ecs:{self.region}:{ACCOUNT}:container/{task.id}",
            "taskArn": task.arn, "name": task.container,
            "lastStatus": "STOPPED" if stopped else "RUNNING"}
        described: dict[str, Any] = {
            "taskArn": task.arn,
            "clusterArn": f"arn:aws:ecs:{self.region}:{ACCOUNT}:cluster/{task.cluster}",
            "taskDefinitionArn": f"arn:aws:ecs:{self.region}:{ACCOUNT}:task-definition/"
                                 f"{task.definition}",
            "lastStatus": container["lastStatus"], "desiredStatus":
                "STOPPED" if stopped else "RUNNING", "containers": [container]}
        if task.launch_type:
            described["launchType"] = task.launch_type
        if stopped and task.outcome is not None:
            container["exitCode"] = task.outcome.exit_code
            described.update({"stopCode": "EssentialContainerExited",
                              "stoppedReason": "Essential container in task exited"})
        return described

    def _ecs_DescribeTasks(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [self.tasks[arn] for arn in params["tasks"] if arn in self.tasks]
        missing = [{"arn": arn, "reason": "MISSING"} for arn in params["tasks"]
                   if arn not in self.tasks]
        return {"tasks": [self._describe(t) for t in found], "failures": missing}

    def _ecs_StopTask(self, params: dict[str, Any]) -> dict[str, Any]:
        task = self.tasks.get(params["task"])
        if task is None:
            raise AwsError("InvalidParameterException", "The referenced task was not found.")
        return {"task": self._describe(task)}

    # CloudWatch Logs

    def _logs_GetLogEvents(self, params: dict[str, Any]) -> dict[str, Any]:
        task = next((t for t in self.tasks.values() if t.group == params["logGroupName"]
                     and t.stream == params["logStreamName"]), None)
        if task is None:
            raise AwsError("ResourceNotFoundException", "The specified log stream does not exist.")
        lines = task.outcome.lines if task.done.is_set() and task.outcome else []
        now = int(time.time() * 1000)
        # The awslogs driver sends no event for an empty line.
        events = [{"timestamp": now, "message": line, "ingestionTime": now}
                  for line in lines if line.strip()]
        token = params.get("nextToken")
        start = int(token[2:]) if token else 0
        if not params.get("startFromHead", False) and not token:
            start = max(0, len(events) - params.get("limit", 10000))
        page = events[start:start + params.get("limit", 10000)]
        return {"events": page, "nextForwardToken": f"f/{start + len(page)}",
                "nextBackwardToken": f"b/{start}"}

    # Secrets Manager

    def _secretsmanager_GetSecretValue(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["SecretId"]
        if name not in self.secrets:
            raise AwsError("ResourceNotFoundException",
                           "Secrets Manager can't find the specified secret.")
        return {"ARN": f"arn:aws:secretsmanager:{self.region}:{ACCOUNT}:secret:{name}",
                "Name": name, "SecretString": self.secrets[name],
                "VersionId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                "VersionStages": ["AWSCURRENT"]}


def _validate(shape: Any, params: dict[str, Any], kind: str, status: int = 400) -> None:
    if shape is None:
        return
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise AwsError(kind, report.generate_report(), status)


def _handler(api: EcsApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = api.handle(self.headers.get("X-Amz-Target", ""), body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextlib.contextmanager
def ecs_api(region: str, clusters: list[str], task_definitions: Mapping[str, TaskDefinition],
            secrets: Mapping[str, str], runner: Runner) -> Iterator[EcsApi]:
    """A running endpoint for the ``with`` block."""
    api = EcsApi(region, clusters, task_definitions, secrets, runner)
    api.thread.start()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()

