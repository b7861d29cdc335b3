"""verify against an InvokeRestApi that misbehaves on purpose (a real HTTP server on 127.0.0.1,
a real botocore client): whatever the answers do, verify ends by its deadline, holds no more
than MWAA's 6 MB of an answer, reports what is not Airflow's JSON as an API failure, and never
prints or stores a credential from an import error."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.config import Config

from mwaa_gitops.diagnostics import Location
from mwaa_gitops.verify.client import (
    AirflowApi,
    MwaaFailure,
    RestApi,
    scrubbed_trace,
    wait_available,
)
from mwaa_gitops.verify.result import verdict_markdown
from mwaa_gitops.verify.verdict import Expected, Row, State, Verdict

NAME = "openmetadata-dev"
Answer = Callable[[BaseHTTPRequestHandler, dict[str, Any]], None]


def send_json(handler: BaseHTTPRequestHandler, payload: Any) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], RestApi]]:
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Answer) -> RestApi:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    answer(self, json.loads(self.rfile.read(length) or b"{}"))

            def do_GET(self) -> None:  # GetEnvironment: GET /environments/{Name}
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    answer(self, {"path": self.path})

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        client = boto3.session.Session().client(
            "mwaa", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x",
            endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            config=Config(retries={"max_attempts": 1}, inject_host_prefix=False,
                          read_timeout=10))
        return RestApi(client, NAME, sleep=lambda _: None)

    yield start
    for server in servers:
        server.shutdown()


def test_an_answer_dripping_one_byte_at_a_time_ends_at_the_deadline(serve: Any) -> None:
    def drip(handler: BaseHTTPRequestHandler, _: dict[str, Any]) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        for _ in range(100000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.2)  # well inside any per-read timeout

    rest = serve(drip)
    rest.deadline = time.monotonic() + 2.0
    started = time.monotonic()
    with pytest.raises(MwaaFailure, match="time ran out"):
        AirflowApi(rest, 2).import_errors()
    assert time.monotonic() - started < 5.0


def test_a_get_environment_that_stalls_ends_at_verify_s_deadline(serve: Any) -> None:
    def stall(handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
        assert request["path"].startswith("/environments/")
        time.sleep(8)  # inside the client's 10 s read timeout, far past the deadline

    rest = serve(stall)
    rest.deadline = time.monotonic() + 1.0
    started = time.monotonic()
    with pytest.raises(MwaaFailure, match="time ran out during GetEnvironment"):
        wait_available(rest.client, NAME, lambda _: None, timeout=600,
                       deadline=rest.deadline)
    assert time.monotonic() - started < 3.0


def test_pages_that_never_end_are_an_api_failure(serve: Any) -> None:
    page = [{"filename": f"/dags/x{i}.py", "stack_trace": "E"} for i in range(100)]

    def endless(handler: BaseHTTPRequestHandler, _: dict[str, Any]) -> None:
        send_json(handler, {"RestApiStatusCode": 200, "RestApiResponse": {
            "import_errors": page, "total_entries": 10**9}})

    rest = serve(endless)
    rest.deadline = time.monotonic() + 60.0
    with pytest.raises(MwaaFailure, match="ignores 'offset'"):
        AirflowApi(rest, 2).import_errors()


def test_an_answer_over_6_mb_is_refused_while_it_is_read(serve: Any) -> None:
    def huge(handler: BaseHTTPRequestHandler, _: dict[str, Any]) -> None:
        body = b'{"RestApiStatusCode": 200, "RestApiResponse": {"dags": ["' + \
            b"x" * (20 * 1024 * 1024) + b'"]}}'
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    rest = serve(huge)
    with pytest.raises(MwaaFailure, match="over the 6 MB"):
        AirflowApi(rest, 2).dags()


@pytest.mark.parametrize("answer", [
    {"RestApiStatusCode": 200, "RestApiResponse": "<html><body>502 Bad Gateway</body></html>"},
    {"RestApiStatusCode": 200, "RestApiResponse": {"detail": "maintenance"}},
    '{"RestApiStatusCode": 200, "RestApiResponse": {"dags": [{"dag_id": "a"',
], ids=["html", "no-list", "truncated"])
def test_an_answer_that_is_not_airflow_s_json_is_an_api_failure(serve: Any,
                                                                 answer: Any) -> None:
    def reply(handler: BaseHTTPRequestHandler, _: dict[str, Any]) -> None:
        if isinstance(answer, str):
            data = answer.encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        else:
            send_json(handler, answer)

    rest = serve(reply)
    with pytest.raises(MwaaFailure):
        AirflowApi(rest, 2).dags()


def test_import_errors_lose_their_credentials_before_anyone_sees_them(serve: Any) -> None:
    trace = ("Traceback (most recent call last):\n"
             '  File "/usr/local/airflow/dags/x.py", line 3, in <module>\n'
             "sqlalchemy.exc.OperationalError: could not connect to "
             "postgresql://admin:S3cr3tPw@db.internal:5432/airflow\n"
             "Authorization: Bearer S3cr3tT0ken\n" + "more context\n" * 200000)

    def reply(handler: BaseHTTPRequestHandler, _: dict[str, Any]) -> None:
        send_json(handler, {"RestApiStatusCode": 200, "RestApiResponse": {
            "import_errors": [{"filename": "/usr/local/airflow/dags/x.py",
                               "stack_trace": trace}], "total_entries": 1}})

    errors = AirflowApi(serve(reply), 2).import_errors()
    shown = errors[0].stack_trace
    assert "S3cr3tPw" not in shown and "S3cr3tT0ken" not in shown
    assert len(shown) <= 16 * 1024  # a 2.6 MB traceback, kept bounded


def test_a_credential_in_a_traceback_line_is_hidden_and_the_error_kept() -> None:
    shown = scrubbed_trace("line 1\nredis.exceptions: redis://:S3cr3tPw@cache:6379/0\n"
                           "ValueError: boom")
    assert "S3cr3tPw" not in shown and shown.endswith("ValueError: boom")


def test_foreign_names_are_inert_in_the_step_summary() -> None:
    hostile = "dags/<img src=x onerror=alert(1)>|[click](https://evil.example)`**.py"
    expected = Expected("ours", "workflow", hostile, hostile, Location("x.yaml"), True)
    verdict = Verdict("dev", NAME, [Row(expected, State.import_error,
                                        f"import error in {hostile}")],
                      datetime.now(timezone.utc), None)
    verdict.notes.append(f"foreign file {hostile}")
    text = verdict_markdown(verdict)
    for live in ("<img", "](", "`**", "|[", "onerror=alert"):
        assert live not in text
    assert all(line.count("|") == 8 for line in text.splitlines() if line.startswith("| "))
