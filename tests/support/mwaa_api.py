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

``GET /environments/{Name}`` answers ``GetEnvironment`` with the environment's ``Status``
(``statuses``, AVAILABLE unless a test sets another) and a successful ``LastUpdate``.
"""

from __future__ import annotations

import contextlib
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
from typing import Any

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
                 credentials: Mapping[str, str] | None = None) -> None:
        self.environments = dict(environments)
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
        if name not in self.environments:
            return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, {
                "message": f"Environment {name} not found"}
        return 200, {}, {"Environment": {
            "Name": name, "Status": self.statuses.get(name, "AVAILABLE"),
            "LastUpdate": {"Status": "SUCCESS", "CreatedAt": self.started,
                           "Source": "mwaa-gitops-tests"}}}


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
            if refused is not None:
                return self._send(*refused)
            return self._send(*api.describe(name, True))

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
             credentials: Mapping[str, str] | None = None) -> Iterator[MwaaApi]:
    """An InvokeRestApi stand-in serving ``environments`` (MWAA name → Airflow API) to the
    signers of ``credentials`` (access key id → secret key; the tests' pair by default)."""
    server = MwaaApi(environments, credentials)
    server.start()
    try:
        yield server
    finally:
        server.stop()
