"""The end-to-end tier's Airflow: one MWAA release per Airflow major, run as MWAA runs it.

``airflow`` (session-scoped, one Airflow major at a time: the other is torn down first) does what
MWAA does for an environment, in MWAA's order:

1. starts Airflow's services on the session's PostgreSQL (``tests/support/airflow_services.py``)
   on the release as MWAA's image installs it, before any requirements.txt;
2. runs the example DAGs (one fails on purpose) so the connector has runs to extract;
3. ``mwaa-gitops sync --env E`` puts the rendered DAGs into the environment's ``file://`` bucket,
   whose ``dags/`` prefix is the Airflow DAGs folder, and waits until Airflow parsed them;
The python approach is refused by ``validate`` on every MWAA release (its requirements do not
install under MWAA's constraints), so it is never synced; its test shows that MWAA's own pip
refuses those requirements exactly as ``validate`` says (``install_requirements``).

Task processes see MWAA's layout: MWAA installs its packages with ``pip --user``, so a task
virtualenv with system site packages finds them on the user site, after its own packages;
``PYTHONUSERBASE`` set to the Airflow venv gives a test task virtualenv the same view. The
virtualenv approach installs from a local wheel cache (``tests/support/wheelhouse.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mwaa_gitops.config import locks
from mwaa_gitops.facts import mwaa_releases, venv_locks
from tests.support.airflow import (
    AIRFLOW_2_RELEASE,
    AIRFLOW_3_RELEASE,
    airflow2_python,
    airflow3_python,
)
from tests.support.airflow_services import AirflowServices, Run, airflow_services
from tests.support.mwaa_api import ACCESS_KEY, SECRET_KEY, AirflowApi, MwaaApi, mwaa_api
from tests.support.openmetadata_api import OpenMetadataApi, openmetadata_api
from tests.support.postgres import Postgres, postgres
from tests.support.wheelhouse import wheelhouse

__all__ = ["airflow2_python", "airflow3_python", "openmetadata_api", "postgres"]  # fixtures

MWAA_GITOPS = Path(sys.executable).with_name("mwaa-gitops")
EXAMPLE_DAGS = Path(__file__).with_name("example_dags")
# The example with the 240-character id (example_dags/example_long_dag_id.py).
LONG_DAG_ID = "example_long_" + "x" * 227
EXAMPLE_DAG_IDS = ("example_cleanup", "example_etl", "example_report", LONG_DAG_ID)
SCHEDULED_DAG_IDS = ("example_etl",)  # scheduled: unpausing starts a run of its own
REGION = "eu-west-1"
# What the OpenMetadata stand-in accepts as the ingestion bot's token (never a real one).
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbmdlc3Rpb24tYm90In0.c3RhbmQtaW4"


@dataclass(frozen=True)
class Major:
    """One Airflow major's test environment: the MWAA release and the OpenMetadata it runs."""

    major: int
    release: str
    ingestion: str
    server: str
    connection: str  # the Airflow connector's connection type in every approach

    @property
    def environment(self) -> str:
        return f"airflow{self.major}"

    @property
    def mwaa_name(self) -> str:
        return f"e2e-airflow{self.major}"


# Each other ingestion line the tier also runs on an Airflow major (test_extraction.py), through
# the virtualenv approach: its task virtualenv installs from the same wheel cache.
OTHER_LINES: dict[int, Major] = {
    3: Major(3, AIRFLOW_3_RELEASE, "2.0.7.0", "2.0.7", "RestAPI"),
}
MAJORS = {
    # prod's pair: on SQLAlchemy 1.4 like Airflow 2. Like the examples, both majors go through
    # MWAA's InvokeRestApi (here the stand-in in front of the real API server): on Airflow 3
    # task processes have no database access, and 1.12.14.2's Backend source builds Airflow 3's
    # DagRun(logical_date=...), which Airflow 2 refuses, so it would deliver no run statuses.
    2: Major(2, AIRFLOW_2_RELEASE, "1.12.14.2", "1.12.14", "RestAPI"),
    3: Major(3, AIRFLOW_3_RELEASE, "1.13.6.3", "1.13.6", "RestAPI"),
}
APPROACH_DAG_IDS = {"python": "e2e_extract_python", "virtualenv": "e2e_extract_virtualenv"}
SYNCED = ("virtualenv",)  # the approaches validate accepts, and the fixture syncs
# The extras of the connector workflow test_connectors.py renders, and the task environment
# variable holding its database password.
CONNECTOR_EXTRAS = ("postgres",)
WAREHOUSE_PASSWORD_VARIABLE = "E2E_WAREHOUSE_PASSWORD"


@dataclass
class RequirementsInstall:
    """The outcome of installing the environment's requirements.txt the way MWAA does."""

    requirements: str
    returncode: int
    output: str

    @property
    def installed(self) -> bool:
        return self.returncode == 0


@dataclass
class E2EAirflow:
    """A running MWAA-like environment with its example runs and synced rendered DAGs."""

    spec: Major
    services: AirflowServices
    mwaa: MwaaApi
    repo: Path
    example_runs: dict[str, Run] = field(default_factory=dict)
    sync_output: str = ""
    # Every run of each example DAG (triggered and scheduled), all finished.
    all_runs: dict[str, list[Run]] = field(default_factory=dict)


def config_repository(root: Path, spec: Major, bucket: str, openmetadata: OpenMetadataApi,
                      mwaa_endpoint: str, approaches: tuple[str, ...] = SYNCED,
                      suffix: str = "") -> Path:
    """A config repository with a base layer and ``spec``'s environment targeting ``bucket``
    (a folder of ``root``), with the Airflow connector's workflow for each of ``approaches``
    (DAG id and service name ending in ``suffix``)."""
    def write(relative: str, text: str) -> None:
        path = root / "environments" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))

    write("base/environment.yaml", f"""
        abstract: true
        mwaa:
          region: {REGION}
          dagsPrefix: dags
          requirementsPath: requirements.txt
          pluginsPath: plugins.zip
          startupScriptPath: startup.sh
        openmetadata:
          server:
            hostPort: {openmetadata.host_port}
            authProvider: openmetadata
            securityConfig:
              jwtToken: ${{env:OPENMETADATA_JWT}}
        dagDefaults:
          owner: data-platform
          retries: 0
          tags: [openmetadata, e2e]
        """)
    for approach in approaches:
        dag_id = APPROACH_DAG_IDS[approach] + suffix
        write(f"base/workflows/airflow_{approach}.yaml", f"""
            dag:
              dagId: {dag_id}
              schedule: null
              approach: {approach}
            source:
              type: airflow
              serviceName: e2e_airflow_{approach}{suffix}
              serviceConnection:
                config:
                  type: Airflow
                  hostPort: http://airflow.e2e.example
                  numberOfStatus: 10
                  connection:
                    type: Backend
              sourceConfig:
                config:
                  type: PipelineMetadata
            sink:
              type: metadata-rest
              config: {{}}
            workflowConfig:
              loggerLevel: INFO
            """)
    # The stand-in answers with its own server version (1.13, or its line's: test_extraction.py);
    # 1.12 clients refuse a mismatch.
    validation = "true" if spec.major == 3 else "false"
    write(f"{spec.environment}/environment.yaml", f"""
        extends: base
        mwaa:
          environmentName: {spec.mwaa_name}
          airflowVersion: "{spec.release}"
          target: file://{bucket}
        openmetadata:
          ingestionVersion: "{spec.ingestion}"
          serverVersion: "{spec.server}"
          server:
            hostPort: {openmetadata.host_port}
            enableVersionValidation: {validation}
        """)
    if spec.connection == "RestAPI":
        for approach in approaches:
            write(f"{spec.environment}/workflows/airflow_{approach}.yaml", f"""
                source:
                  serviceConnection:
                    config:
                      connection: !replace
                        type: RestAPI
                        authConfig:
                          mwaaConfig:
                            mwaaEnvironmentName: {spec.mwaa_name}
                            awsConfig:
                              awsRegion: {REGION}
                              endPointURL: {mwaa_endpoint}
                """)
    return root


def finished_runs(services: AirflowServices, dag_id: str, scheduled: bool,
                  timeout: float = 300.0) -> list[Run]:
    """Every run of ``dag_id`` once all have finished (with one of the scheduler's own when
    ``scheduled``), each with its task states, oldest first."""
    deadline = time.monotonic() + timeout
    while True:
        status, answer = services.request("GET", f"/dags/{dag_id}/dagRuns", query={"limit": 100})
        assert status == 200, answer
        runs = answer["dag_runs"]
        done = all(run["state"] in ("success", "failed") for run in runs) and (
            not scheduled or any(run["dag_run_id"].startswith("scheduled__") for run in runs))
        if done:
            return [services.wait_run(dag_id, run["dag_run_id"]) for run in runs]
        if time.monotonic() > deadline:
            raise AssertionError(f"runs of {dag_id} not finished in {timeout:.0f} s: {runs}")
        time.sleep(1)


def mwaa_gitops(repo: Path, *args: str, expect: int = 0,
                env: dict[str, str] | None = None) -> str:
    """Run the real CLI in ``repo`` (``env`` added to the environment); its output (fails the
    test on another exit code)."""
    done = subprocess.run([str(MWAA_GITOPS), *args, "--repo", str(repo)], cwd=repo,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "MWAA_GITOPS_COMMIT": "e2e", **(env or {})})
    if done.returncode != expect:
        raise AssertionError(f"mwaa-gitops {' '.join(args)} exited {done.returncode}:\n"
                             f"{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def install_requirements(python: Path, spec: Major, requirements: str,
                         workdir: Path) -> RequirementsInstall:
    """Resolve ``requirements`` (a requirements.txt) on top of the Airflow venv the way MWAA
    installs it, changing nothing.

    MWAA runs pip with its essential constraints and the file's own constraints line; that line
    names Apache Airflow's constraints URL, whose content is the release's vendored
    ``airflow_constraints.txt``. uv stands in for pip, with the same constraint semantics, and
    resolves first as pip does before touching anything.
    """
    release = mwaa_releases.release(spec.release)
    lines = [line for line in requirements.splitlines()
             if line.strip() and not line.startswith("#") and "--constraint" not in line]
    local = workdir / "requirements.txt"
    local.write_text("\n".join(lines) + "\n")
    constraints = [release.airflow_constraints_path, release.essential_constraints_path]
    uv = str(Path(sys.executable).with_name("uv"))
    done = subprocess.run([uv, "pip", "install", "--dry-run", "--python", str(python), "-r",
                           str(local), *(f"--constraint={c}" for c in constraints)],
                          capture_output=True, text=True, timeout=600, check=False)
    return RequirementsInstall(requirements, done.returncode, done.stdout + done.stderr)


@pytest.fixture(scope="session", params=[2, 3], ids=["airflow2", "airflow3"])
def airflow(request: pytest.FixtureRequest, postgres: Postgres, openmetadata_api: OpenMetadataApi,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EAirflow]:
    """MWAA's Airflow of one major with the example runs done and the rendered DAGs parsed."""
    spec = MAJORS[request.param]
    python: Path = request.getfixturevalue(f"airflow{spec.major}_python")
    workdir = tmp_path_factory.mktemp(f"e2e-{spec.environment}")
    # The repository holds the Airflow home, whose bucket/dags is the DAGs folder.
    bucket = f"airflow{spec.major}/bucket"
    started = time.monotonic()
    with mwaa_api({}, {ACCESS_KEY: SECRET_KEY}) as mwaa:
        repo = config_repository(workdir, spec, bucket, openmetadata_api, mwaa.endpoint_url)
        # The repository's locks, as a team writes them (the index, for the hashes), then
        # validate: config errors fail first.
        mwaa_gitops(repo, "lock", "--env", spec.environment)
        mwaa_gitops(repo, "validate", "--env", spec.environment)
        # What the rendered task virtualenvs install: the repository's locks of this
        # combination (seeded from the vendored pins), for the Airflow connector and for the
        # Postgres connector (test_connectors.py).
        houses = []
        other = OTHER_LINES.get(spec.major)
        for ingestion, extras in ((spec.ingestion, ()), (spec.ingestion, CONNECTOR_EXTRAS),
                                  *([(other.ingestion, ())] if other else [])):
            # The Postgres set is locked by test_connectors.py's repository, later, and the
            # other line's by its own: the same locks, computed the same way (and cached) here.
            text, reason = venv_locks.hashed_lock(spec.release, ingestion, extras)
            assert text is not None, (ingestion, extras, reason)
            houses.append(str(wheelhouse(python, list(locks.parse(text).pins))))
        extra = {
            "PYTHONUSERBASE": str(python.parent.parent),
            # pip reads several find-links from one variable, separated by spaces.
            "PIP_FIND_LINKS": " ".join(houses),
            "PIP_NO_INDEX": "1",
            "OPENMETADATA_JWT": TOKEN,
            # The Postgres connector's password, as OpenMetadata's own ${NAME} reference reads it.
            WAREHOUSE_PASSWORD_VARIABLE: postgres.password,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            # The stand-in is 127.0.0.1: no `env.` host prefix in front of it.
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        }
        with airflow_services(python, postgres, workdir, spec.major, extra) as services:
            mwaa.environments[spec.mwaa_name] = AirflowApi(services.base_url, services.api_root,
                                                           services.auth_header)
            try:
                shutil.copytree(EXAMPLE_DAGS, services.dags_folder / "examples")
                services.wait_parsed(list(EXAMPLE_DAG_IDS))
                for dag_id in EXAMPLE_DAG_IDS:
                    services.unpause(dag_id)
                # Triggered together, awaited together: the executor runs them side by side.
                runs = {dag_id: services.trigger(dag_id) for dag_id in EXAMPLE_DAG_IDS}
                example_runs = {dag_id: services.wait_run(dag_id, run_id)
                                for dag_id, run_id in runs.items()}
                all_runs = {dag_id: finished_runs(services, dag_id,
                                                  dag_id in SCHEDULED_DAG_IDS)
                            for dag_id in EXAMPLE_DAG_IDS}
                synced = mwaa_gitops(repo, "sync", "--env", spec.environment, "--no-update-mwaa")
                services.wait_parsed([APPROACH_DAG_IDS[approach] for approach in SYNCED])
                e2e = E2EAirflow(spec, services, mwaa, repo, example_runs, synced, all_runs)
                sys.stderr.write(f"\n{spec.environment} ready in "
                                 f"{time.monotonic() - started:.0f} s\n")
                yield e2e
            except BaseException:
                sys.stderr.write(services.service_logs())
                raise
