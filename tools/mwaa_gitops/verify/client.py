"""An environment's Airflow REST API through MWAA's ``InvokeRestApi`` (boto3, imported lazily).

MWAA forwards ``Path`` (1-64 characters), ``Method``, ``QueryParameters`` and ``Body`` to the
environment's Airflow API (``/api/v1`` on Airflow 2, ``/api/v2`` on Airflow 3) and answers
``RestApiStatusCode``/``RestApiResponse``; Airflow's 4xx come back as ``RestApiClientException``
and its 5xx as ``RestApiServerException`` (botocore's ``mwaa`` service model). Each call waits at
most 10 s, and an answer is at most 6 MB, so collections are read in pages of 100.

Paths stay short whatever the dag id: collections are read with query parameters, runs are
awaited through ``POST /dags/~/dagRuns/list`` (ids in the body); only triggering a run has the
dag id in its Path, so ``--smoke`` is refused, with the reason, for ids over 50 characters.

Every call is bounded whatever the other side does: an overall deadline (``RestApi.deadline``)
holds against answers that drip a byte at a time or pages that never end, an answer over MWAA's
6 MB is refused while it is read (never held whole), and an answer that is not Airflow's JSON
(an HTML error page, a truncated body) is an API failure, not "not parsed yet".

An endpoint other than AWS's (a stand-in for tests) comes from ``AWS_ENDPOINT_URL_MWAA``, which
botocore reads itself; ``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` keeps ``env.`` off its host.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from mwaa_gitops.exits import ExitCode
from mwaa_gitops.sync import SyncError

if TYPE_CHECKING:
    from mypy_boto3_mwaa import MWAAClient

PATH_MAX = 64  # RestApiPath's length limit in the service model
CALL_TIMEOUT = 10.0  # seconds per InvokeRestApi call
PAGE = 100  # Airflow's default maximum page size
ATTEMPTS = 3  # per call, for a failure that may pass (throttling, 5xx, a dropped connection)
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_MWAA", "AWS_ENDPOINT_URL")
SMOKE_PREFIX = "mwaa-gitops-smoke-"
# MWAA answers at most 6 MB of Airflow's JSON; the envelope around it adds little.
ANSWER_MAX = 6 * 1000 * 1000 + 64 * 1024
CHUNK = 64 * 1024
# More pages than any environment has DAGs for: an API that ignores `offset` ends here.
PAGES_MAX = 1000
# Import-error text kept per file (Airflow's traceback, already bounded by its own frames).
TRACE_LINES = 60
TRACE_CHARS = 8 * 1024

# Exit codes, one per way a verification can end (0 is verified; 1 and 2 are the CLI's own).


class MwaaFailure(SyncError):
    """A verification that cannot go on; ``exit_code`` says how it ended."""

    def __init__(self, message: str, hint: str | None = None, *,
                 exit_code: int = ExitCode.UNREACHABLE, code: str = "mwaa-unreachable") -> None:
        super().__init__(message, hint)
        self.exit_code = exit_code
        self.code = code


def denied(message: str, hint: str | None = None) -> MwaaFailure:
    return MwaaFailure(message, hint, exit_code=ExitCode.DENIED, code="mwaa-denied")


def unavailable(message: str, hint: str | None = None) -> MwaaFailure:
    return MwaaFailure(message, hint, exit_code=ExitCode.UNAVAILABLE, code="mwaa-unavailable")


def endpoint_configured() -> str | None:
    """The MWAA endpoint set in the environment (botocore uses it), or None for AWS's own."""
    return next((os.environ[name] for name in ENDPOINT_VARIABLES if os.environ.get(name)), None)


def mwaa_client(region: str) -> MWAAClient:
    """An ``mwaa`` client whose calls give up after 10 s and retry what may pass."""
    from botocore.config import Config

    from mwaa_gitops.aws import aws_session

    return aws_session().client("mwaa", region_name=region, config=Config(
        connect_timeout=CALL_TIMEOUT, read_timeout=CALL_TIMEOUT,
        retries={"mode": "standard", "max_attempts": ATTEMPTS}))


def parse_time(value: Any) -> datetime | None:
    """An Airflow timestamp (``...+00:00`` on Airflow 2, ``...Z`` on Airflow 3), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class Dag:
    """A DAG as Airflow's API lists it (the fields both majors have)."""

    dag_id: str
    fileloc: str
    is_paused: bool | None
    last_parsed: datetime | None


@dataclass(frozen=True)
class ImportFailure:
    """A file Airflow could not import, with the traceback it recorded."""

    filename: str
    timestamp: datetime | None
    stack_trace: str


@dataclass(frozen=True)
class DagRun:
    dag_id: str
    run_id: str
    state: str


class RestApi:
    """``InvokeRestApi`` for one environment: Path checked, errors turned into messages, every
    call bounded by the overall ``deadline`` (``time.monotonic`` seconds; None: no deadline)."""

    def __init__(self, client: MWAAClient, name: str, *,
                 sleep: Callable[[float], None] = time.sleep,
                 deadline: float | None = None) -> None:
        self.client = client
        self.name = name
        self.sleep = sleep
        self.deadline = deadline
        client.meta.events.register("before-send.mwaa.InvokeRestApi", self._bounded_send,
                                    unique_id=f"mwaa-gitops-bounded-{id(self)}")

    def _bounded_send(self, request: Any, **_: Any) -> Any:
        """Send ``request`` through the client's own HTTP session, reading the answer in chunks:
        over :data:`ANSWER_MAX` or past the deadline, the read stops (nothing more is held)."""
        from botocore.awsrequest import AWSResponse

        session = getattr(getattr(self.client, "_endpoint", None), "http_session", None)
        if session is None:
            return None  # let botocore send it
        request.stream_output = True
        response = session.send(request)
        raw = response.raw
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                chunk = raw.read1(CHUNK) if hasattr(raw, "read1") else raw.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > ANSWER_MAX:
                    raise MwaaFailure(f"Airflow's answer in MWAA environment '{self.name}' is "
                                      f"over the 6 MB InvokeRestApi answers ({request.method} "
                                      f"{request.url.rsplit('/', 1)[-1]}); nothing was kept",
                                      "an API in front of MWAA is misbehaving")
                if self.deadline is not None and time.monotonic() > self.deadline:
                    raise _Late()
                chunks.append(chunk)
        finally:
            release = getattr(raw, "release_conn", None)
            if callable(release):
                release()
        return AWSResponse(request.url, response.status_code, response.headers,
                           _Read(b"".join(chunks)))

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline); raises once it passed."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise MwaaFailure(f"verify's time ran out while reading MWAA environment "
                              f"'{self.name}'", "Airflow's API answered too slowly; run verify "
                              "again, or give it more time with --timeout")
        return left

    def call(self, method: str, path: str, *, query: Mapping[str, Any] | None = None,
             body: Mapping[str, Any] | None = None) -> Any:
        """Airflow's answer (parsed JSON)."""
        if len(path) > PATH_MAX:
            raise MwaaFailure(f"{method} {path} is {len(path)} characters, over the "
                              f"{PATH_MAX} InvokeRestApi accepts", exit_code=ExitCode.PROBLEMS,
                              code="path-too-long")
        request: dict[str, Any] = {"Name": self.name, "Path": path, "Method": method}
        if query:
            request["QueryParameters"] = dict(query)
        if body is not None:
            request["Body"] = dict(body)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._within(request)
            except _Transient as exc:
                if attempt == ATTEMPTS:
                    raise MwaaFailure(
                        f"{exc.message} ({method} {path}, {ATTEMPTS} attempts)",
                        "Airflow's API server in MWAA is failing or restarting; run verify "
                        "again in a few minutes") from exc
                self.sleep(2.0 * attempt)
        raise AssertionError("unreachable")

    def _within(self, request: dict[str, Any]) -> Any:
        """:meth:`_once`, given up at the deadline whatever the answer does (a call still
        reading then is left to end on its own: it holds at most one bounded answer)."""
        self.remaining()
        return bounded(lambda: self._once(request), self.deadline,
                       f"{request['Method']} {request['Path']}", self.name)

    def _once(self, request: dict[str, Any]) -> Any:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            ReadTimeoutError,
        )

        where = f"MWAA environment '{self.name}'"
        try:
            answer = self.client.invoke_rest_api(**request)
        except NoCredentialsError as exc:
            raise denied(f"no AWS credentials to call InvokeRestApi on {where}",
                         "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from exc
        except (ConnectTimeoutError, ReadTimeoutError) as exc:
            raise MwaaFailure(f"{where} did not answer InvokeRestApi within "
                              f"{CALL_TIMEOUT:.0f} s ({request['Method']} {request['Path']})",
                              "MWAA or its Airflow API server is overloaded or restarting; "
                              "run verify again later") from exc
        except EndpointConnectionError as exc:
            raise MwaaFailure(f"MWAA is unreachable: {exc}", "check mwaa.region, the network "
                              "path to the MWAA API, and AWS_ENDPOINT_URL_MWAA if set") from exc
        except ClientError as exc:
            return self._client_error(exc, where)
        except BotoCoreError as exc:
            raise MwaaFailure(f"InvokeRestApi on {where} failed: {exc}") from exc
        return answer.get("RestApiResponse")

    def _client_error(self, exc: Any, where: str) -> Any:
        response = exc.response
        error = response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message") or "").strip()
        status = response.get("RestApiStatusCode")
        if code == "AccessDeniedException":
            raise denied(f"InvokeRestApi on {where} was denied: {message or code}",
                         "the identity running mwaa-gitops needs the IAM permission "
                         f"airflow:InvokeRestApi on environment '{self.name}'") from exc
        if code == "ResourceNotFoundException":
            raise unavailable(f"{where} does not exist: {message or code}",
                              "check mwaa.environmentName and mwaa.region") from exc
        if code == "RestApiClientException":
            detail = _detail(response.get("RestApiResponse"))
            if status in (401, 403):
                raise denied(f"Airflow in {where} refused the call ({status}): {detail}",
                             "InvokeRestApi acts with the Airflow role the caller's IAM "
                             "permission names; that role must be allowed to read DAGs, import "
                             "errors and runs (and to trigger runs for --smoke)") from exc
            raise MwaaFailure(f"Airflow in {where} answered {status}: {detail}",
                              exit_code=ExitCode.PROBLEMS, code="airflow-refused") from exc
        if code == "RestApiServerException":
            raise _Transient(f"Airflow in {where} answered {status}: "
                             f"{_detail(response.get('RestApiResponse'))}") from exc
        raise MwaaFailure(f"InvokeRestApi on {where} failed: {code} {message}".rstrip()) from exc


T = TypeVar("T")


def bounded(call: Callable[[], T], deadline: float | None, what: str, name: str) -> T:
    """``call()``'s result, given up at ``deadline`` (``time.monotonic`` seconds; None: no
    deadline) whatever the other side does: the call runs in a thread of its own, left to end
    on its own if it is still waiting then."""
    if deadline is None:
        return call()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["answer"] = call()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="mwaa-call", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive() or isinstance(outcome.get("error"), _Late):
        raise MwaaFailure(f"verify's time ran out during {what} on MWAA environment '{name}'",
                          "MWAA or Airflow's API answered too slowly; run verify again, or "
                          "give it more time with --timeout")
    if "error" in outcome:
        raise outcome["error"]
    answer: T = outcome["answer"]
    return answer


class _Late(Exception):
    """The deadline passed while an answer was being read."""


class _Read:
    """An answer already read, in the shape botocore reads bodies from."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class _Transient(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _detail(answer: Any) -> str:
    if isinstance(answer, Mapping):
        return str(answer.get("detail") or answer.get("title") or answer)[:300]
    return str(answer)[:300]


class AirflowApi:
    """The few Airflow API calls verify makes, in the shape of the environment's major."""

    def __init__(self, rest: RestApi, airflow_major: int) -> None:
        self.rest = rest
        self.major = airflow_major

    def _pages(self, path: str, field: str) -> Iterator[dict[str, Any]]:
        offset = 0
        first: object = None
        for _ in range(PAGES_MAX):
            answer = self.rest.call("GET", path, query={"limit": PAGE, "offset": offset})
            items = _listed(answer, field, self.rest.name, path)
            if items and offset and items[0] == first:
                raise _malformed(self.rest.name, path, "the same page again: the API ignores "
                                 "'offset'")
            first = items[0] if items else None
            yield from (item for item in items if isinstance(item, dict))
            total = answer.get("total_entries")
            offset += len(items)
            if not items or len(items) < PAGE or (isinstance(total, int) and offset >= total):
                return
        raise _malformed(self.rest.name, path, f"more than {PAGES_MAX} pages")

    def dags(self) -> list[Dag]:
        """Every DAG the environment knows (active ones: Airflow's default)."""
        return [Dag(str(d.get("dag_id")), str(d.get("fileloc") or ""), d.get("is_paused"),
                    parse_time(d.get("last_parsed_time")))
                for d in self._pages("/dags", "dags")]

    def import_errors(self) -> list[ImportFailure]:
        """Every file Airflow currently fails to import, its traceback bounded and any
        credential in it hidden before anything prints or stores it."""
        return [ImportFailure(str(e.get("filename") or ""), parse_time(e.get("timestamp")),
                              scrubbed_trace(str(e.get("stack_trace") or "")))
                for e in self._pages("/importErrors", "import_errors")]

    def trigger(self, dag_id: str, run_id: str) -> DagRun:
        """Start a manual run of ``dag_id`` named ``run_id``."""
        path = f"/dags/{dag_id}/dagRuns"
        if len(path) > PATH_MAX:
            raise MwaaFailure(f"cannot trigger '{dag_id}' through InvokeRestApi: POST {path} is "
                              f"{len(path)} characters, over its {PATH_MAX}",
                              f"--smoke works for dag ids of up to {smoke_id_limit()} "
                              "characters; trigger this one in the Airflow UI",
                              exit_code=ExitCode.PROBLEMS, code="path-too-long")
        body: dict[str, Any] = {"dag_run_id": run_id, "conf": {}}
        if self.major >= 3:
            body["logical_date"] = None  # required on Airflow 3; null: a run not tied to a date
        answer = self.rest.call("POST", path, body=body)
        return _run(answer, dag_id, run_id)

    def set_paused(self, dag_id: str, paused: bool) -> bool | None:
        """Pause or unpause ``dag_id``; Airflow's answer (its ``is_paused`` now)."""
        path = f"/dags/{dag_id}"
        if len(path) > PATH_MAX:
            raise MwaaFailure(f"cannot {'pause' if paused else 'unpause'} '{dag_id}' through "
                              f"InvokeRestApi: PATCH {path} is {len(path)} characters, over "
                              f"its {PATH_MAX}", f"--apply-pause works for dag ids of up to "
                              f"{pause_id_limit()} characters; use the Airflow UI for this one",
                              exit_code=ExitCode.PROBLEMS, code="path-too-long")
        answer = self.rest.call("PATCH", path, body={"is_paused": paused})
        state = answer.get("is_paused") if isinstance(answer, Mapping) else None
        return state if isinstance(state, bool) else None

    def run(self, dag_id: str, run_id: str) -> DagRun | None:
        """The run's current state (None when Airflow does not know it)."""
        answer = self.rest.call("POST", "/dags/~/dagRuns/list", body={
            "dag_ids": [dag_id], "page_limit": PAGE,
            "order_by": "-run_after" if self.major >= 3 else "-execution_date"})
        runs = _listed(answer, "dag_runs", self.rest.name, "/dags/~/dagRuns/list")
        found = next((r for r in runs if isinstance(r, dict) and r.get("dag_run_id") == run_id),
                     None)
        return _run(found, dag_id, run_id) if found is not None else None


def _listed(answer: Any, field: str, name: str, path: str) -> list[Any]:
    """The list ``field`` of a collection answer; anything else is no Airflow answer."""
    items = answer.get(field) if isinstance(answer, Mapping) else None
    if not isinstance(items, list):
        shown = type(answer).__name__ if not isinstance(answer, str) else "text"
        raise _malformed(name, path, f"{shown} without a '{field}' list")
    return items


def _malformed(name: str, path: str, what: str) -> MwaaFailure:
    return MwaaFailure(f"MWAA environment '{name}' answered GET {path} with something that is "
                       f"not Airflow's API answer ({what})",
                       "a proxy or an error page stands between MWAA and Airflow's API; run "
                       "verify again, and check the environment's web server if it persists")


def scrubbed_trace(text: str) -> str:
    """An import error's traceback as it may be shown and stored: each line that carries a
    credential (a connection URL, a token) replaced, and at most :data:`TRACE_LINES` lines
    of :data:`TRACE_CHARS` characters kept (the last ones: the error is at the end)."""
    from mwaa_gitops.check.secrets import credentials_in

    lines = text.splitlines()
    dropped = max(0, len(lines) - TRACE_LINES)
    kept = [line[:TRACE_CHARS] for line in lines[dropped:]]
    kept = ["    (line hidden: it held a credential)" if credentials_in(line) else line
            for line in kept]
    head = [f"({dropped} earlier line(s) left out)"] if dropped else []
    shown = "\n".join([*head, *kept])
    return shown[-TRACE_CHARS * 2:]


def smoke_id_limit() -> int:
    """The longest dag id whose ``POST /dags/{id}/dagRuns`` fits in a Path."""
    return PATH_MAX - len("/dags//dagRuns")


def pause_id_limit() -> int:
    """The longest dag id whose ``PATCH /dags/{id}`` fits in a Path."""
    return PATH_MAX - len("/dags/")


def _run(answer: Any, dag_id: str, run_id: str) -> DagRun:
    state = answer.get("state") if isinstance(answer, Mapping) else None
    return DagRun(dag_id, run_id, str(state or "queued"))


GONE = frozenset({"CREATE_FAILED", "UNAVAILABLE", "DELETED"})


def describe_environment(client: MWAAClient, name: str) -> dict[str, Any] | None:
    """``GetEnvironment``'s answer; None when the caller may not read it (verify goes on)."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )

    try:
        return dict(client.get_environment(Name=name)["Environment"])
    except NoCredentialsError as exc:
        raise denied(f"no AWS credentials to read MWAA environment '{name}'",
                     "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from exc
    except EndpointConnectionError as exc:
        raise MwaaFailure(f"MWAA is unreachable: {exc}", "check mwaa.region and the network "
                          "path to the MWAA API") from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code == "AccessDeniedException":
            return None
        if code == "ResourceNotFoundException":
            raise unavailable(f"MWAA environment '{name}' does not exist",
                              "check mwaa.environmentName and mwaa.region") from exc
        raise MwaaFailure(f"could not read MWAA environment '{name}': {code}") from exc
    except BotoCoreError as exc:
        raise MwaaFailure(f"could not read MWAA environment '{name}': {exc}") from exc


def wait_available(client: MWAAClient, name: str, note: Callable[[str], None], *,
                   timeout: float, poll: float = 30.0,
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic,
                   deadline: float | None = None) -> dict[str, Any] | None:
    """Wait while the environment is being updated (its API may restart); raise when it is
    gone or still busy at ``timeout``. None: GetEnvironment is not allowed (a note says so).
    Each ``GetEnvironment`` counts within verify's overall ``deadline`` (``time.monotonic``
    seconds), like every InvokeRestApi call."""
    from mwaa_gitops.facts.mwaa_releases import BUSY

    started = clock()
    while True:
        environment = bounded(lambda: describe_environment(client, name), deadline,
                              "GetEnvironment", name)
        if environment is None:
            note(f"warning: cannot read MWAA environment '{name}' (no airflow:GetEnvironment "
                 "permission); verifying without knowing whether it is being updated")
            return None
        status = str(environment.get("Status", "UNKNOWN"))
        elapsed = clock() - started
        if status in GONE:
            raise unavailable(f"MWAA environment '{name}' is {status}",
                              "fix the environment in the MWAA console, then verify again")
        if status not in BUSY:
            return environment
        note(f"MWAA {name}: {status}, waiting until it is AVAILABLE "
             f"({int(elapsed)}s of {int(timeout)}s)")
        if elapsed >= timeout:
            raise unavailable(f"MWAA environment '{name}' is still {status}",
                              "its Airflow restarts during an update; verify again once it is "
                              "AVAILABLE (e.g. sync --wait --verify)")
        sleep(poll if deadline is None else max(0.0, min(poll, deadline - time.monotonic())))
