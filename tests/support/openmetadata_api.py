"""The recording OpenMetadata API stand-in as a pytest fixture (``openmetadata_api``).

The server (``openmetadata_server.py``) runs in the openmetadata-ingestion venv so it can parse
and build with OpenMetadata's own models; this side only starts it, reads what it recorded and
shows its log when a test of the session failed.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.venvs import openmetadata_python

SERVER = Path(__file__).with_name("openmetadata_server.py")


def free_port() -> int:
    """A port nothing listens on now (the server binds it explicitly right after)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class OpenMetadataApi:
    """A running stand-in: where to point a workflow, and what it received."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log_path = log
        self.host_port = f"http://127.0.0.1:{port}/api"

    def _call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", method=method, headers=headers,
            data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def _record(self) -> dict[str, Any]:
        record: dict[str, Any] = self._call("GET", "/stand-in/record")
        return record

    def requests(self) -> list[dict[str, Any]]:
        """Every API request received: method, path, query, body (parsed JSON), token, status."""
        received: list[dict[str, Any]] = self._record()["requests"]
        return received

    def pipelines(self) -> dict[str, dict[str, Any]]:
        """Pipeline FQN → the last ``CreatePipelineRequest`` received for it, as a dict."""
        pipelines: dict[str, dict[str, Any]] = self._record()["pipelines"]
        return pipelines

    def entities(self, collection: str) -> dict[str, dict[str, Any]]:
        """FQN → entity (as the stand-in built it) of a collection, e.g. ``/tables``."""
        entities: dict[str, dict[str, Any]] = self._record()["entities"].get(collection, {})
        return entities

    def statuses(self, fqn: str) -> list[dict[str, Any]]:
        """The ``PipelineStatus`` records received for a pipeline, in arrival order."""
        statuses: list[dict[str, Any]] = self._record()["statuses"].get(fqn, [])
        return statuses

    def ingestion_statuses(self, fqn: str) -> list[dict[str, Any]]:
        """The ``PipelineStatus`` records received for an ingestion pipeline, in arrival order
        (several per run: RUNNING at its start, its final state at its end)."""
        statuses: list[dict[str, Any]] = self._record()["ingestionStatuses"].get(fqn, [])
        return statuses

    def put(self, path: str, body: Any, token: str = "stand-in") -> dict[str, Any]:
        """``PUT /api/v1{path}`` as a client would (e.g. to create a service up front)."""
        request = urllib.request.Request(f"{self.host_port}/v1{path}", method="PUT",
                                         data=json.dumps(body).encode(),
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer

    def rejected(self) -> list[dict[str, Any]]:
        """Write requests refused (4xx/5xx): bodies that did not parse, unknown references…"""
        return [r for r in self.requests()
                if r["status"] >= 400 and not (r["method"] == "GET" and r["status"] == 404)]

    def refuse(self, prefix: str, status: int = 500) -> None:
        """Answer every write under the path ``prefix`` (e.g. ``/api/v1/pipelines``) with
        ``status`` until the next :meth:`reset`: a server failing part of a run's writes."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/stand-in/refuse",
                                         method="POST", headers={"X-Prefix": prefix,
                                                                 "X-Status": str(status)})
        with urllib.request.urlopen(request, timeout=10):
            pass

    def reset(self, token: str | None = None) -> None:
        """Forget everything received and created (the seed data comes back); from now on
        accept only the bearer ``token`` (the workflow's), any token when ``None``."""
        self._call("POST", "/stand-in/reset", {"token": token})

    def create_user(self, name: str, token: str) -> dict[str, Any]:
        """Create a user through the API (``CreateUserRequest``), as an admin would."""
        user: dict[str, Any] = self._call("PUT", "/api/v1/users", {
            "name": name, "email": f"{name}@example.com"}, token)
        return user

    def log(self) -> str:
        """The server's log so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start(log: Path, timeout: float = 60.0,
          line: str | None = None) -> tuple[subprocess.Popen[bytes], OpenMetadataApi]:
    """Start a stand-in on a free port, with the models and server version of ingestion line
    ``line`` (``"2.0"``; default: the pinned release's); returns once it answers."""
    port = free_port()
    with log.open("wb") as sink:
        # -I: nothing from the test tree may shadow the venv's packages.
        process = subprocess.Popen([str(openmetadata_python(line)), "-I", str(SERVER), str(port)],
                                   stdout=sink, stderr=subprocess.STDOUT)
    api = OpenMetadataApi(port, log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            api.requests()
            return process, api
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"OpenMetadata stand-in did not start:\n{api.log()}") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def openmetadata_api(request: pytest.FixtureRequest,
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenMetadataApi]:
    """One recording OpenMetadata API stand-in for the session (killed at teardown)."""
    process, api = start(tmp_path_factory.mktemp("openmetadata-api") / "server.log")
    failed_before = request.session.testsfailed
    try:
        yield api
    finally:
        process.kill()
        process.wait(timeout=10)
        if request.session.testsfailed > failed_before:
            sys.stderr.write(f"\n--- OpenMetadata stand-in log ---\n{api.log()[-20000:]}\n")
