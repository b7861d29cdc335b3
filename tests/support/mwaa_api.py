"""A stand-in for MWAA's ``InvokeRestApi`` that forwards to a real Airflow API server.

botocore's ``mwaa`` client reaches it through an endpoint URL (``endpoint_url``; in OpenMetadata's
``mwaaConfig``, ``awsConfig.endPointURL``). The operation's model gives it the host prefix ``env.``,
which would turn ``127.0.0.1`` into ``env.127.0.0.1``: clients turn that off with
``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` (or ``Config(inject_host_prefix=False)``), which every
botocore the tests install honours.

As MWAA does, ``POST /restapi/{Name}`` with ``Path``, ``Method``, ``QueryParameters`` and ``Body``
(botocore/data/mwaa/2020-07-01/service-2.json) calls that environment's Airflow REST API
(``/api/v1`` on Airflow 2, ``/api/v2`` on Airflow 3) as an admin and answers
``RestApiStatusCode``/``RestApiResponse``; Airflow's 4xx come back as ``RestApiClientException``,
its 5xx as ``RestApiServerException``, both HTTP 400 as in the model. The model's limits hold:
``Path`` 1-64 characters and a known ``Method`` (else ``ValidationException``), an unknown
environment is ``ResourceNotFoundException``, a response over 6 MB ``ValidationException``.
Every request must carry a SigV4 signature for the ``airflow`` signing name by a key pair the
stand-in knows (``credentials``; the tests' pair unless told otherwise): botocore computes the
signature the request should have and anything else is refused as AWS refuses it (unsigned:
``AccessDeniedException``; unknown key: ``UnrecognizedClientException``; wrong signature:
``InvalidSignatureException``). Every call is recorded.

``GET /environments/{Name}`` answers ``GetEnvironment`` and ``PATCH /environments/{Name}``
``UpdateEnvironment`` (the model's ``requestUri`` for both) for the environments of
``described`` (name → the members a test gives, over a complete, model-valid environment built
by :func:`environment`) and for those of ``environments`` (Name, Arn, Status and LastUpdate
only). Every answer is checked against the model's output shape before it is sent, and every
``UpdateEnvironment`` request against its input shape: ``Name`` required, no member the model
does not have, each value of its member's type, length, pattern and enum (``ValidationException``,
as AWS answers; botocore refuses the same before sending). An accepted update changes the
environment's members as MWAA records them and is kept in ``updates``. ``Status`` is
``statuses``' (AVAILABLE unless a test sets another); ``operations`` records both calls.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import regex
from botocore.model import ListShape, MapShape, StructureShape

if TYPE_CHECKING:
    from botocore.model import ServiceModel, Shape

HOST = "127.0.0.1"
# The key pair the tests sign with (never a real one).
ACCESS_KEY = "e2e-access-key"
SECRET_KEY = "e2e-secret-key"
SIGNING_NAME = "airflow"  # the service model's signingName
PATH_MAX = 64  # RestApiPath's max length in the service model
RESPONSE_MAX = 6 * 1024 * 1024
METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")


@dataclass(frozen=True)
class AirflowApi:
    """Where an environment's Airflow REST API is and how to authenticate to it."""

    base_url: str  # e.g. http://127.0.0.1:8080
    api_root: str  # /api/v1 (Airflow 2) or /api/v2 (Airflow 3)
    authorization: Callable[[], str]  # the Authorization header value, fetched per call


@dataclass(frozen=True)
class Operation:
    """One ``GetEnvironment`` or ``UpdateEnvironment`` call as received and answered."""

    operation: str
    name: str
    params: Mapping[str, Any]  # the request's members, Name included
    status: int


@functools.cache
def service_model() -> ServiceModel:
    """botocore's own model of the ``mwaa`` API (botocore/data/mwaa/2020-07-01)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("mwaa")


def violations(value: Any, shape: Shape, where: str) -> list[str]:
    """What in ``value`` the model's ``shape`` does not allow, as AWS words it: required and
    unknown members, types, lengths and ranges, patterns (not anchored, as in the model's
    Smithy meaning) and enums."""
    found: list[str] = []
    kind = shape.type_name
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        if not isinstance(value, Mapping):
            return [f"Value at '{where}' failed to satisfy constraint: Member must be a "
                    "structure"]
        for name in shape.required_members:
            if name not in value:
                found.append(f"Value null at '{_member(where, name)}' failed to satisfy "
                             "constraint: Member must not be null")
        for name, item in value.items():
            if name not in shape.members:
                found.append(f"Unknown member '{_member(where, name)}'")
            else:
                found += violations(item, shape.members[name], _member(where, name))
        return found
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"Value at '{where}' failed to satisfy constraint: Member must be a list"]
        found += _bounds(len(value), meta, where, "length")
        for index, item in enumerate(value):
            found += violations(item, shape.member, f"{where}.{index + 1}.member")
        return found
    if isinstance(shape, MapShape):
        if not isinstance(value, Mapping):
            return [f"Value at '{where}' failed to satisfy constraint: Member must be a map"]
        found += _bounds(len(value), meta, where, "length")
        for key, item in value.items():
            found += violations(key, shape.key, f"{where}.key")
            found += violations(item, shape.value, f"{where}.value")
        return found
    if kind == "string":
        if not isinstance(value, str):
            return [f"Value at '{where}' failed to satisfy constraint: Member must be a string"]
        found += _bounds(len(value), meta, where, "length")
        # ``regex``: the model's patterns use Unicode classes (\p{L}) that ``re`` lacks.
        if "pattern" in meta and regex.search(meta["pattern"], value) is None:
            found.append(f"Value '{value}' at '{where}' failed to satisfy constraint: Member "
                         f"must satisfy regular expression pattern: {meta['pattern']}")
        enum = meta.get("enum")
        if enum and value not in enum:
            found.append(f"Value '{value}' at '{where}' failed to satisfy constraint: Member "
                         f"must satisfy enum value set: {list(enum)}")
        return found
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"Value at '{where}' failed to satisfy constraint: Member must be an "
                    "integer"]
        return _bounds(value, meta, where, "value")
    if kind == "boolean":
        return [] if isinstance(value, bool) else [
            f"Value at '{where}' failed to satisfy constraint: Member must be a boolean"]
    if kind == "timestamp":  # rest-json: epoch seconds
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else [
            f"Value at '{where}' failed to satisfy constraint: Member must be a timestamp"]
    raise AssertionError(f"the stand-in has no check for {kind} shapes ({where})")


def _member(where: str, name: str) -> str:
    return f"{where}.{name[:1].lower()}{name[1:]}" if where else f"{name[:1].lower()}{name[1:]}"


def _bounds(size: int, meta: Mapping[str, Any], where: str, what: str) -> list[str]:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and size < low:
        return [f"Value at '{where}' failed to satisfy constraint: Member must have {what} "
                f"greater than or equal to {low}"]
    if high is not None and size > high:
        return [f"Value at '{where}' failed to satisfy constraint: Member must have {what} "
                f"less than or equal to {high}"]
    return []


def environment(name: str, *, airflow_version: str, bucket: str, dag_path: str = "dags",
                region: str = "eu-west-1", account: str = "123456789012",
                **members: Any) -> dict[str, Any]:
    """A complete ``GetEnvironment`` environment as MWAA describes one it created, with
    ``members`` (model names, e.g. ``RequirementsS3Path``) over it; checked against the
    model."""
    created = time.time() - 86400
    described: dict[str, Any] = {
        "Name": name,
        "Status": "AVAILABLE",
        "Arn": f"arn:aws:airflow:{region}:{account}:environment/{name}",
        "CreatedAt": created,
        "WebserverUrl": f"https://{name.lower()}.{region}.airflow.amazonaws.com",
        "ExecutionRoleArn": f"arn:aws:iam::{account}:role/service-role/{name}-execution",
        "ServiceRoleArn": f"arn:aws:iam::{account}:role/aws-service-role/airflow.amazonaws.com/"
                          "AWSServiceRoleForAmazonMWAA",
        "AirflowVersion": airflow_version,
        "SourceBucketArn": f"arn:aws:s3:::{bucket}",
        "DagS3Path": dag_path,
        "EnvironmentClass": "mw1.small",
        "MaxWorkers": 2,
        "MinWorkers": 1,
        "Schedulers": 2,
        "NetworkConfiguration": {"SubnetIds": ["subnet-0aaaaaaaaaaaaaaa1",
                                               "subnet-0aaaaaaaaaaaaaaa2"],
                                 "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbb1"]},
        "WebserverAccessMode": "PRIVATE_ONLY",
        "WeeklyMaintenanceWindowStart": "SUN:03:00",
        "EndpointManagement": "SERVICE",
        "LastUpdate": {"Status": "SUCCESS", "CreatedAt": created, "Source": "Customer"},
        "Tags": {"team": "data-platform"},
        **members,
    }
    problems = violations(described, service_model().shape_for("Environment"), "")
    assert not problems, problems
    return described


@dataclass(frozen=True)
class Call:
    """One ``InvokeRestApi`` call as received and answered."""

    name: str
    method: str
    path: str
    query: Mapping[str, Any] | None
    body: Any
    status: int  # HTTP status of the InvokeRestApi answer
    rest_api_status: int | None  # Airflow's status, when it was called


class MwaaApi:
    """The running stand-in: ``endpoint_url`` for clients, ``calls`` for assertions."""

    def __init__(self, environments: Mapping[str, AirflowApi],
                 credentials: Mapping[str, str] | None = None,
                 described: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.environments = dict(environments)
        # Environments GetEnvironment describes in full (see :func:`environment`).
        self.described = {name: dict(value) for name, value in (described or {}).items()}
        self.operations: list[Operation] = []
        self.updates: list[dict[str, Any]] = []  # accepted UpdateEnvironment requests
        # Access key id → secret key of every signer the stand-in accepts.
        self.credentials = dict(credentials or {ACCESS_KEY: SECRET_KEY})
        self.statuses: dict[str, str] = {}  # GetEnvironment's Status, AVAILABLE when not set
        self.started = time.time()
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((HOST, 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def signature_error(self, method: str, path: str, headers: Mapping[str, str],
                        body: bytes) -> tuple[int, dict[str, str], Any] | None:
        """``None`` when the request is signed (SigV4) by a known key pair as botocore signs
        it, else the error AWS answers with."""
        return _signature_error(self.credentials, method, f"http://{headers.get('Host', '')}"
                                f"{path}", headers, body)

    def invoke(self, name: str, request: Mapping[str, Any],
               signed: bool) -> tuple[int, dict[str, str], Any]:
        """Answer one InvokeRestApi request: HTTP status, extra headers, JSON body."""
        path, method = request.get("Path"), request.get("Method")
        query, body = request.get("QueryParameters"), request.get("Body")

        def error(status: int, kind: str, message: str) -> tuple[int, dict[str, str], Any]:
            key = "Message" if kind == "AccessDeniedException" else "message"
            return status, {"x-amzn-ErrorType": kind}, {key: message}

        if not signed:
            return error(403, "AccessDeniedException", "Missing Authentication Token")
        if name not in self.environments:
            return error(404, "ResourceNotFoundException", f"Environment {name} not found")
        if not isinstance(path, str) or not 1 <= len(path) <= PATH_MAX:
            return error(400, "ValidationException",
                         f"1 validation error detected: Value at 'path' failed to satisfy "
                         f"constraint: Member must have length less than or equal to {PATH_MAX}")
        if method not in METHODS:
            return error(400, "ValidationException",
                         "1 validation error detected: Value at 'method' failed to satisfy "
                         f"constraint: Member must satisfy enum value set: {list(METHODS)}")
        status, answer = _forward(self.environments[name], method, path, query, body)
        if len(json.dumps(answer).encode()) > RESPONSE_MAX:
            return error(400, "ValidationException",
                         "The Apache Airflow REST API response exceeds the 6 MB limit")
        payload = {"RestApiStatusCode": status, "RestApiResponse": answer}
        if status >= 500:
            return 400, {"x-amzn-ErrorType": "RestApiServerException"}, payload
        if status >= 400:
            return 400, {"x-amzn-ErrorType": "RestApiClientException"}, payload
        return 200, {}, payload


    def describe(self, name: str, signed: bool) -> tuple[int, dict[str, str], Any]:
        """Answer one GetEnvironment request."""
        if not signed:
            return 403, {"x-amzn-ErrorType": "AccessDeniedException"}, {
                "Message": "Missing Authentication Token"}
        if name in self.described:
            with self._lock:
                found = {**self.described[name]}
        elif name in self.environments:
            found = {"Name": name, "Arn": f"arn:aws:airflow:eu-west-1:123456789012:"
                     f"environment/{name}",
                     "LastUpdate": {"Status": "SUCCESS", "CreatedAt": self.started,
                                    "Source": "mwaa-gitops-tests"}}
        else:
            return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, {
                "message": f"Environment {name} not found"}
        found["Status"] = self.statuses.get(name, found.get("Status", "AVAILABLE"))
        answer = {"Environment": found}
        model = service_model().operation_model("GetEnvironment").output_shape
        assert model is not None
        problems = violations(answer, model, "")
        assert not problems, f"the stand-in would answer outside the model: {problems}"
        return 200, {}, answer

    def update(self, name: str, body: Mapping[str, Any]) -> tuple[int, dict[str, str], Any]:
        """Answer one (signed) UpdateEnvironment request for ``name`` with JSON ``body``."""
        shape = service_model().operation_model("UpdateEnvironment").input_shape
        assert shape is not None
        params = {"Name": name, **body}
        problems = violations(params, shape, "")
        if "Name" in body:  # a URI member, never in the body
            problems.append("Unknown member 'name' in the request body")
        if problems:
            return 400, {"x-amzn-ErrorType": "ValidationException"}, {
                "message": f"{len(problems)} validation error"
                           f"{'s' if len(problems) > 1 else ''} detected: "
                           + "; ".join(problems)}
        if name not in self.described and name not in self.environments:
            return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, {
                "message": f"Environment {name} not found"}
        with self._lock:
            current = self.described.setdefault(name, {})
            current.update(body)
            current["LastUpdate"] = {"Status": "SUCCESS", "CreatedAt": time.time(),
                                     "Source": "Customer"}
            self.updates.append(params)
            arn = current.get("Arn") or f"arn:aws:airflow:eu-west-1:123456789012:" \
                                         f"environment/{name}"
        return 200, {}, {"Arn": arn}

    def record_operation(self, operation: Operation) -> None:
        with self._lock:
            self.operations.append(operation)


def _signature_error(credentials: Mapping[str, str], method: str, url: str,
                     headers: Mapping[str, str],
                     body: bytes) -> tuple[int, dict[str, str], Any] | None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    authorization = headers.get("Authorization", "")
    found = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/"
                         r"aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})",
                         authorization)
    if found is None:
        return 403, {"x-amzn-ErrorType": "AccessDeniedException"}, {
            "Message": "Missing Authentication Token"}
    key, day, region, service, signed, signature = found.groups()
    if key not in credentials:
        return 403, {"x-amzn-ErrorType": "UnrecognizedClientException"}, {
            "message": "The security token included in the request is invalid."}
    stamp = headers.get("X-Amz-Date", "")
    if service != SIGNING_NAME or not stamp.startswith(day):
        return 403, {"x-amzn-ErrorType": "InvalidSignatureException"}, {
            "message": f"Credential should be scoped to a valid service ({SIGNING_NAME}) and "
                       "to the request's date."}
    # What botocore signs for exactly the headers the client says it signed.
    request = AWSRequest(method=method, url=url, data=body,
                         headers={name: headers.get(name, "") for name in signed.split(";")})
    request.context["timestamp"] = stamp
    auth = SigV4Auth(Credentials(key, credentials[key]), SIGNING_NAME, region)
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, signature):
        return 403, {"x-amzn-ErrorType": "InvalidSignatureException"}, {
            "message": "The request signature we calculated does not match the signature "
                       "you provided."}
    return None


def _forward(api: AirflowApi, method: str, path: str, query: Any,
             body: Any) -> tuple[int, Any]:
    """Call Airflow's REST API: status and parsed JSON (text when it is not JSON)."""
    url = api.base_url + api.api_root + path
    if query:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query, doseq=True)
    headers = {"Authorization": api.authorization(), "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as failure:
        status, raw = failure.code, failure.read()
    try:
        return status, json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return status, raw.decode(errors="replace")


def _handler(api: MwaaApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def do_GET(self) -> None:
            prefix = "/environments/"
            if not self.path.startswith(prefix):
                return self._send(404, {"x-amzn-ErrorType": "UnknownOperationException"}, {})
            name = urllib.parse.unquote(self.path[len(prefix):].split("?")[0])
            refused = api.signature_error("GET", self.path, self.headers, b"")
            answer = refused if refused is not None else api.describe(name, True)
            api.record_operation(Operation("GetEnvironment", name, {"Name": name}, answer[0]))
            return self._send(*answer)

        def do_PATCH(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            prefix = "/environments/"
            if not self.path.startswith(prefix):
                return self._send(404, {"x-amzn-ErrorType": "UnknownOperationException"}, {})
            name = urllib.parse.unquote(self.path[len(prefix):].split("?")[0])
            refused = api.signature_error("PATCH", self.path, self.headers, raw)
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = None
            if refused is not None:
                answer = refused
            elif not isinstance(body, dict):
                answer = (400, {"x-amzn-ErrorType": "SerializationException"},
                          {"message": "request body is not a JSON object"})
            else:
                answer = api.update(name, body)
            params = {"Name": name, **body} if isinstance(body, dict) else {"Name": name}
            api.record_operation(Operation("UpdateEnvironment", name, params, answer[0]))
            return self._send(*answer)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            refused = api.signature_error("POST", self.path, self.headers, raw)
            if refused is not None:
                return self._send(*refused)
            prefix = "/restapi/"
            if not self.path.startswith(prefix):
                return self._send(404, {"x-amzn-ErrorType": "UnknownOperationException"}, {})
            name = urllib.parse.unquote(self.path[len(prefix):].split("?")[0])
            try:
                request = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                return self._send(400, {"x-amzn-ErrorType": "SerializationException"},
                                  {"message": "request body is not JSON"})
            status, headers, payload = api.invoke(name, request, True)
            api.record(Call(name, str(request.get("Method")), str(request.get("Path")),
                            request.get("QueryParameters"), request.get("Body"), status,
                            payload.get("RestApiStatusCode") if isinstance(payload, dict)
                            else None))
            return self._send(status, headers, payload)

        def _send(self, status: int, headers: Mapping[str, str], payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextlib.contextmanager
def mwaa_api(environments: Mapping[str, AirflowApi],
             credentials: Mapping[str, str] | None = None,
             described: Mapping[str, Mapping[str, Any]] | None = None) -> Iterator[MwaaApi]:
    """An InvokeRestApi stand-in serving ``environments`` (MWAA name → Airflow API) to the
    signers of ``credentials`` (access key id → secret key; the tests' pair by default);
    ``described`` environments (name → :func:`environment`) are described in full."""
    server = MwaaApi(environments, credentials, described)
    server.start()
    try:
        yield server
    finally:
        server.stop()
