"""Real Apache Airflow services on PostgreSQL, as on an MWAA environment, for the end-to-end tier.

``airflow_services(python, postgres, workdir)`` gives an AIRFLOW_HOME in ``workdir`` whose metadata
database is a database of the test cluster (one per Airflow major), migrated, with the services MWAA
runs: the API server (Airflow 3: ``airflow api-server``, simple auth manager with a known password,
JWTs from ``POST /auth/token``; Airflow 2: ``airflow webserver`` with basic auth and an admin user),
the scheduler with LocalExecutor (each task runs in Airflow's supervised task process, as on an MWAA
worker), and a standalone dag processor. Parsing intervals are seconds, not minutes, so the tier
is quick. Every service runs in its own process group, logs to a file (``service_logs()`` shows
their tails on a failure) and is killed, group and all, at teardown.

The helpers speak only the REST API and the files Airflow writes: wait until a DAG is parsed
(failing fast on its import error), unpause, trigger, wait for the final state the scheduler
recorded, and read a task's log.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.airflow import airflow_env
from tests.support.postgres import HOST, Postgres, free_port

USERNAME = "admin"
PASSWORD = "admin-e2e"
FINAL_STATES = ("success", "failed")
# Fixed keys: every process of one installation must agree on them.
FERNET_KEY = base64.urlsafe_b64encode(b"mwaa-gitops-e2e-fernet-key-32by!").decode()
SECRET = "mwaa-gitops-e2e-secret"


class AirflowError(AssertionError):
    """Airflow did not do what the test waited for; the message carries the evidence."""


@dataclass
class Run:
    """A DAG run as the scheduler recorded it."""

    dag_id: str
    run_id: str
    state: str
    task_states: dict[str, str]


@dataclass
class AirflowServices:
    """A running Airflow installation: its home, DAGs folder, environment and services."""

    major: int
    python: Path
    home: Path
    env: dict[str, str]
    port: int
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _token: str | None = None

    @property
    def bin(self) -> Path:
        return self.python.parent

    @property
    def dags_folder(self) -> Path:
        return Path(self.env["AIRFLOW__CORE__DAGS_FOLDER"])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_root(self) -> str:
        """The REST API's prefix: ``/api/v1`` on Airflow 2, ``/api/v2`` on Airflow 3."""
        return "/api/v1" if self.major == 2 else "/api/v2"

    def log_path(self, service: str) -> Path:
        return self.home / "services" / f"{service}.log"

    # --- REST API -----------------------------------------------------------------------------

    def auth_header(self) -> str:
        """The ``Authorization`` header value the API accepts for the admin user."""
        if self.major == 2:
            return "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if self._token is None:
            status, body = self._http("POST", "/auth/token",
                                      {"username": USERNAME, "password": PASSWORD}, auth=None)
            if status not in (200, 201):
                raise AirflowError(f"POST /auth/token answered {status}: {body}")
            self._token = str(body["access_token"])
        return f"Bearer {self._token}"

    def request(self, method: str, path: str, body: Any = None,
                query: Mapping[str, Any] | None = None) -> tuple[int, Any]:
        """Call the REST API (``path`` below :attr:`api_root`): status and parsed JSON body."""
        if query:
            path = f"{path}?{urllib.parse.urlencode(query, doseq=True)}"
        return self._http(method, self.api_root + path, body, auth=self.auth_header())

    def raw(self, method: str, path: str, data: bytes | None,
            headers: Mapping[str, str]) -> tuple[int, bytes, str]:
        """One HTTP call to the server as it is (``path`` from the root): status, body, type."""
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers=dict(headers))
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return (response.status, response.read(),
                        response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Content-Type", "")

    def _http(self, method: str, path: str, body: Any, auth: str | None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = auth
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, payload, _ = self.raw(method, path, data, headers)
        try:
            return status, json.loads(payload) if payload else None
        except json.JSONDecodeError:
            return status, payload.decode(errors="replace")

    def _ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.request(method, path, body)
        if status >= 300:
            raise AirflowError(f"{method} {self.api_root}{path} answered {status}: {answer}")
        return answer

    # --- DAGs and runs --------------------------------------------------------------------------

    def import_errors(self) -> dict[str, str]:
        """File → stack trace of every DAG file the dag processor could not import."""
        status, body = self.request("GET", "/importErrors", query={"limit": 100})
        if status != 200:
            return {}
        return {item["filename"]: item["stack_trace"] for item in body.get("import_errors", [])}

    def wait_parsed(self, dag_ids: list[str], timeout: float = 120.0) -> None:
        """Wait until every DAG id is parsed; fail at once on an import error in the folder."""
        deadline = time.monotonic() + timeout
        missing = list(dag_ids)
        while missing:
            # /details reads the serialized DAG, which triggering needs (the DAG row can come
            # first).
            missing = [d for d in missing
                       if self.request("GET", f"/dags/{d}/details")[0] != 200]
            if not missing:
                return
            errors = self.import_errors()
            if errors:
                raise AirflowError("import errors in the DAGs folder:\n" + "\n".join(
                    f"{name}:\n{trace}" for name, trace in errors.items()))
            if time.monotonic() > deadline:
                raise AirflowError(f"DAGs {missing} not parsed within {timeout:.0f} s\n"
                                   + self.service_logs())
            time.sleep(1)

    def unpause(self, dag_id: str) -> None:
        self._ok("PATCH", f"/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str) -> str:
        """Create a manual DAG run; its run id."""
        body: dict[str, Any] = {} if self.major == 2 else {"logical_date": None}
        answer = self._ok("POST", f"/dags/{dag_id}/dagRuns", body)
        return str(answer["dag_run_id"])

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 300.0) -> Run:
        """Wait for the run's final state as the scheduler recorded it."""
        deadline = time.monotonic() + timeout
        quoted = urllib.parse.quote(run_id, safe="")
        while True:
            state = self._ok("GET", f"/dags/{dag_id}/dagRuns/{quoted}")["state"]
            if state in FINAL_STATES:
                tasks = self._ok("GET", f"/dags/{dag_id}/dagRuns/{quoted}/taskInstances")
                return Run(dag_id, run_id, state, {t["task_id"]: t["state"]
                                                   for t in tasks["task_instances"]})
            if time.monotonic() > deadline:
                raise AirflowError(f"run {run_id} of {dag_id} still {state} after "
                                   f"{timeout:.0f} s\n{self.service_logs()}")
            time.sleep(1)

    def run(self, dag_id: str, timeout: float = 300.0) -> Run:
        """Unpause, trigger and await one run of ``dag_id``."""
        self.unpause(dag_id)
        return self.wait_run(dag_id, self.trigger(dag_id), timeout)

    def task_log(self, dag_id: str, run_id: str, task_id: str) -> str:
        """Every attempt's log of the task in that run, as the task process wrote it."""
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        return "\n".join(path.read_text(errors="replace") for path in sorted(folder.glob("*.log")))

    def service_logs(self, tail: int = 4000) -> str:
        """The end of every service's log, for a failure message."""
        return "\n".join(f"--- {name} ({self.log_path(name)}):\n"
                         f"{self.log_path(name).read_text(errors='replace')[-tail:]}"
                         for name in self.processes)

    # --- processes ------------------------------------------------------------------------------

    def airflow(self, *args: str, timeout: float = 300.0) -> str:
        """Run one ``airflow`` CLI command to completion; its output."""
        done = subprocess.run([str(self.bin / "airflow"), *args], env=self.env, cwd=self.home,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise AirflowError(f"airflow {' '.join(args)} exited {done.returncode}:\n"
                               f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, name: str, *args: str) -> None:
        log = self.log_path(name)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [str(self.bin / "airflow"), *args], env=self.env, cwd=self.home, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)

    def wait_healthy(self, timeout: float = 180.0) -> None:
        """Wait until the API answers and reports a healthy scheduler."""
        path = "/health" if self.major == 2 else "/api/v2/monitor/health"
        deadline = time.monotonic() + timeout
        while True:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise AirflowError(f"{name} exited with {process.returncode}\n"
                                       + self.service_logs())
            with contextlib.suppress(OSError):
                status, body = self._http("GET", path, None, auth=None)
                if status == 200 and body["scheduler"]["status"] == "healthy":
                    return
            if time.monotonic() > deadline:
                raise AirflowError(f"Airflow not healthy within {timeout:.0f} s\n"
                                   + self.service_logs())
            time.sleep(1)

    def start_all(self) -> None:
        """Start the API server (or webserver), scheduler and dag processor; wait until healthy."""
        if self.major == 2:
            self.start("webserver", "webserver", "--hostname", HOST, "--port", str(self.port))
        else:
            self.start("api-server", "api-server", "--host", HOST, "--port", str(self.port))
        self.start("scheduler", "scheduler")
        self.start("dag-processor", "dag-processor")
        self.wait_healthy()

    def stop(self) -> None:
        """SIGTERM every service's process group, then SIGKILL what is left of it."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Task processes and their children share the group even when the leader is gone.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def services_env(python: Path, home: Path, database_url: str, major: int, port: int,
                 extra: Mapping[str, str]) -> dict[str, str]:
    """The environment every service and task process of the installation shares."""
    env = airflow_env(home)
    dags = home / "bucket" / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    (home / "tmp").mkdir(exist_ok=True)
    env.update({
        "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
        # Task-time temp files (the virtualenv approach's venv cache) start empty each session.
        "TMPDIR": str(home / "tmp"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__FERNET_KEY": FERNET_KEY,
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        # The scheduler's log server: a port of its own, so installations run side by side
        # (Airflow 2's scheduler fails when the default 8793 is taken).
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
    })
    if major == 2:
        config = home / "config"
        config.mkdir(exist_ok=True)
        # Airflow 2.10's standalone dag processor calls multiprocessing.connection.wait without
        # importing the module; on MWAA another package happens to import it first.
        (config / "airflow_local_settings.py").write_text("import multiprocessing.connection\n")
        env.update({
            "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "2",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "30",
            "AIRFLOW__SCHEDULER__PARSING_PROCESSES": "2",
            "AIRFLOW__API__AUTH_BACKENDS": "airflow.api.auth.backend.basic_auth",
            "AIRFLOW__WEBSERVER__WORKERS": "1",
            "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(port),
            "AIRFLOW__WEBSERVER__BASE_URL": f"http://{HOST}:{port}",
            "AIRFLOW__WEBSERVER__SECRET_KEY": SECRET,
        })
    else:
        passwords = home / "simple_auth_manager_passwords.json"
        passwords.write_text(json.dumps({USERNAME: PASSWORD}) + "\n")
        env.update({
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "2",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USERNAME}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__BASE_URL": f"http://{HOST}:{port}",
            "AIRFLOW__API__SECRET_KEY": SECRET,
            "AIRFLOW__API_AUTH__JWT_SECRET": SECRET,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{port}/execution/",
            # MWAA's images have virtualenv and pip, not uv: task virtualenvs are built with pip.
            "AIRFLOW__STANDARD__VENV_INSTALL_METHOD": "pip",
        })
    env.update(extra)
    return env


@contextlib.contextmanager
def airflow_services(python: Path, postgres: Postgres, workdir: Path, major: int,
                     extra_env: Mapping[str, str] | None = None,
                     name: str | None = None) -> Iterator[AirflowServices]:
    """A migrated Airflow on ``postgres`` with its API server, scheduler and dag processor;
    ``name`` (default ``airflow<major>``) names its home under ``workdir`` and its database,
    so that two installations can run side by side."""
    name = name or f"airflow{major}"
    home = workdir / name
    home.mkdir(parents=True, exist_ok=True)
    database_url = postgres.create_database(name)
    port = free_port()
    env = services_env(python, home, database_url, major, port, extra_env or {})
    services = AirflowServices(major=major, python=python, home=home, env=env, port=port)
    services.airflow("db", "migrate")
    try:
        if major == 2:
            services.airflow("users", "create", "--username", USERNAME, "--password", PASSWORD,
                             "--role", "Admin", "--email", "admin@example.com",
                             "--firstname", "Admin", "--lastname", "E2E")
        services.start_all()
        yield services
    finally:
        services.stop()
