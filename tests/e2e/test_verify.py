"""``verify``, ``sync --verify``, ``plan`` and ``status`` against real Airflow behind the
InvokeRestApi stand-in, as after a deploy to MWAA.

One more environment of the session's repository, ``verify<major>``, syncs into a folder inside
the Airflow DAGs folder, so the same Airflow parses it; the CLI reaches the stand-in through
``AWS_ENDPOINT_URL_MWAA``. The tests run in order and leave the DAGs folder as they found it.
"""

from __future__ import annotations

import json
import shutil
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import REGION, E2EAirflow, mwaa_gitops

pytestmark = pytest.mark.e2e

GOOD = "e2e_verify_good"
TAKEN = "e2e_verify_taken"


@dataclass
class VerifyEnv:
    airflow: E2EAirflow
    name: str
    env: dict[str, str]

    @property
    def workflows(self) -> Path:
        return self.airflow.repo / "environments" / self.name / "workflows"

    def cli(self, *args: str, expect: int = 0) -> str:
        return mwaa_gitops(self.airflow.repo, *args, expect=expect, env=self.env)

    def workflow(self, name: str, dag: str) -> Path:
        """A virtualenv workflow of the Airflow connector, with ``dag`` as its dag block."""
        path = self.workflows / f"{name}.yaml"
        block = "".join(f"  {line}\n" for line in textwrap.dedent(dag).splitlines())
        path.write_text("dag:\n" + block + textwrap.dedent(f"""\
              approach: virtualenv
            source:
              type: airflow
              serviceName: {name}
              serviceConnection:
                config:
                  type: Airflow
                  hostPort: http://airflow.e2e.example
                  numberOfStatus: 1
                  connection:
                    type: RestAPI
                    authConfig:
                      mwaaConfig:
                        mwaaEnvironmentName: {self.airflow.spec.mwaa_name}
                        awsConfig:
                          awsRegion: {REGION}
                          endPointURL: {self.airflow.mwaa.endpoint_url}
              sourceConfig:
                config:
                  type: PipelineMetadata
            sink:
              type: metadata-rest
              config: {{}}
            workflowConfig:
              loggerLevel: INFO
            """))
        return path


@pytest.fixture(scope="module")
def verify_env(airflow: E2EAirflow) -> Iterator[VerifyEnv]:
    """``verify<major>``: the session's MWAA environment, its files in DAGs-folder/verify."""
    name = f"verify{airflow.spec.major}"
    folder = airflow.repo / "environments" / name
    (folder / "workflows").mkdir(parents=True)
    bucket = airflow.services.dags_folder.relative_to(airflow.repo) / "verify"
    (folder / "environment.yaml").write_text(textwrap.dedent(f"""\
        extends: {airflow.spec.environment}
        mwaa:
          target: file://{bucket.as_posix()}
        """))
    # The session environment's own workflow stays its own: no second file with its dag id.
    (folder / "workflows" / "airflow_virtualenv.yaml").write_text("dag:\n  enabled: false\n")
    env = {"AWS_ENDPOINT_URL_MWAA": airflow.mwaa.endpoint_url,
           "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
           "AWS_ACCESS_KEY_ID": "e2e-access-key", "AWS_SECRET_ACCESS_KEY": "e2e-secret-key",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "GITHUB_STEP_SUMMARY": ""}  # the github format's table then goes to stdout
    try:
        yield VerifyEnv(airflow, name, env)
    finally:
        shutil.rmtree(airflow.repo / bucket, ignore_errors=True)
        shutil.rmtree(airflow.services.dags_folder / "foreign", ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_good_sync_verifies_green_and_status_shows_it(verify_env: VerifyEnv) -> None:
    verify_env.workflow("verify_good", f"dagId: {GOOD}\nschedule: null")
    out = verify_env.cli("sync", "--env", verify_env.name, "--no-update-mwaa", "--verify")
    print(out)  # shown with -rP: the example in docs/verify.md
    assert f"verified '{verify_env.name}'" in out, out
    assert "1 DAG parsed from our files, no import errors" in out, out
    status = verify_env.cli("status", "--env", verify_env.name)
    print(status)
    assert "MWAA:        e2e-airflow" in status and "AVAILABLE" in status, status
    assert "last verify: passed" in status, status


def test_a_broken_rendered_dag_is_reported_at_its_workflows_file(
        verify_env: VerifyEnv) -> None:
    # validate refuses every start date Python cannot read, so the DAG is broken in the
    # bucket instead, as something validate cannot see would break it: its start date made
    # impossible after the sync, on the line the workflow's startDate renders to.
    path = verify_env.workflow("verify_broken", "dagId: e2e_verify_broken\nschedule: null\n"
                               "startDate: '2024-03-01'")
    try:
        verify_env.cli("sync", "--env", verify_env.name, "--no-update-mwaa")
        synced = verify_env.airflow.services.dags_folder / "verify" / "dags" / \
            "openmetadata" / "verify_broken.py"
        text = synced.read_text()
        assert 'START_DATE = "2024-03-01"' in text
        synced.write_text(text.replace('START_DATE = "2024-03-01"', 'START_DATE = "2024-02-30"'))
        out = verify_env.cli("verify", "--env", verify_env.name, "--format", "github",
                             expect=4)
        print(out)
        line = path.read_text().splitlines().index("  startDate: '2024-03-01'") + 1
        where = f"file=environments/{verify_env.name}/workflows/verify_broken.yaml,line={line}"
        assert f"::error {where}" in out, out
        assert "day is out of range for month" in out, out
        assert "| `e2e_verify_broken` | verify_broken |" in out, out  # the summary table
    finally:
        path.unlink()
        verify_env.cli("sync", "--env", verify_env.name, "--no-update-mwaa")
        wait_until_no_import_errors(verify_env)


def test_a_foreign_dag_with_one_of_our_dag_ids_is_reported_by_plan_and_verify(
        verify_env: VerifyEnv) -> None:
    services = verify_env.airflow.services
    foreign = services.dags_folder / "foreign" / "taken.py"
    foreign.parent.mkdir()
    home = "airflow.sdk" if verify_env.airflow.spec.major >= 3 else "airflow"
    foreign.write_text(textwrap.dedent(f"""\
        from datetime import datetime
        from {home} import DAG
        dag = DAG(dag_id="{TAKEN}", schedule=None, start_date=datetime(2024, 1, 1))
        """))
    services.wait_parsed([TAKEN])
    path = verify_env.workflow("verify_taken", f"dagId: {TAKEN}\nschedule: null")
    try:
        out = verify_env.cli("plan", "--env", verify_env.name, expect=4)
        print(out)
        assert f"dag id '{TAKEN}' is already defined by" in out and "foreign/taken.py" in out
        out = verify_env.cli("sync", "--env", verify_env.name, "--no-update-mwaa", "--verify",
                             expect=4)
        assert "foreign/taken.py" in out, out
        assert not (services.dags_folder / "verify" / "dags" / "openmetadata" /
                    "verify_taken.py").exists(), "nothing is uploaded on a collision"
        # Deployed anyway: Airflow keeps one DAG per id and switches between the two files.
        synced = time.time()
        verify_env.cli("sync", "--env", verify_env.name, "--no-update-mwaa")
        wait_for_fileloc(verify_env, TAKEN, "foreign/taken.py", after=synced)
        out = verify_env.cli("verify", "--env", verify_env.name, expect=4)
        print(out)
        assert "collision" in out and "foreign/taken.py" in out, out
    finally:
        path.unlink()
        shutil.rmtree(foreign.parent)
        verify_env.cli("sync", "--env", verify_env.name, "--no-update-mwaa")


def test_smoke_triggers_a_run_and_waits_for_its_final_state(verify_env: VerifyEnv) -> None:
    verify_env.airflow.services.unpause(GOOD)
    out = verify_env.cli("sync", "--env", verify_env.name, "--no-update-mwaa", "--smoke", GOOD,
                         "--format", "json", expect=0)
    print(out)
    # One document (the sync's, the verification inside), then the progress lines of stderr.
    document, _ = json.JSONDecoder().raw_decode(out)
    assert document["result"] == "nothing-to-do"
    smoke = document["verify"]["smoke"]
    assert smoke["state"] == "success" and smoke["run_id"].startswith("mwaa-gitops-smoke-")
    posts = [c.path for c in verify_env.airflow.mwaa.calls if c.method == "POST"]
    assert f"/dags/{GOOD}/dagRuns" in posts and "/dags/~/dagRuns/list" in posts, posts


def test_dag_paused_creates_the_dag_unpaused_and_verify_sets_it_back_when_it_drifts(
        verify_env: VerifyEnv) -> None:
    # The test Airflow, like MWAA, creates DAGs paused: dag.paused false must win over that.
    dag_id = "e2e_verify_unpaused"
    path = verify_env.workflow("verify_unpaused", f"dagId: {dag_id}\nschedule: '@daily'\n"
                               "paused: false")
    services = verify_env.airflow.services
    try:
        out = verify_env.cli("sync", "--env", verify_env.name, "--no-update-mwaa", "--verify")
        assert f"verified '{verify_env.name}'" in out, out
        assert services.request("GET", f"/dags/{dag_id}")[1]["is_paused"] is False
        # Paused by hand later: Airflow never applies dag.paused again, verify reports it.
        services.request("PATCH", f"/dags/{dag_id}", {"is_paused": True})
        out = verify_env.cli("verify", "--env", verify_env.name, expect=4)
        print(out)
        line = path.read_text().splitlines().index("  paused: false") + 1
        where = f"environments/{verify_env.name}/workflows/verify_unpaused.yaml:{line}:11"
        assert f"{where}: workflow 'verify_unpaused': DAG '{dag_id}' is paused, but dag.paused " \
            "is false" in out, out
        out = verify_env.cli("verify", "--env", verify_env.name, "--apply-pause")
        print(out)  # shown with -rP: docs/verify.md's example
        assert f"note: {dag_id} unpaused by verify --apply-pause (dag.paused)" in out, out
        assert services.request("GET", f"/dags/{dag_id}")[1]["is_paused"] is False
        patches = [c for c in verify_env.airflow.mwaa.calls if c.method == "PATCH"]
        assert [c.path for c in patches if dag_id in c.path] == [f"/dags/{dag_id}"], patches
    finally:
        path.unlink()
        verify_env.cli("sync", "--env", verify_env.name, "--no-update-mwaa")


def wait_until_no_import_errors(verify_env: VerifyEnv, timeout: float = 120.0) -> None:
    """Until Airflow dropped the import error of the file the sync deleted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, errors = verify_env.airflow.services.request("GET", "/importErrors")
        if status == 200 and not errors["import_errors"]:
            return
        time.sleep(1)
    raise AssertionError(f"import errors stayed: {errors}")


def wait_for_fileloc(verify_env: VerifyEnv, dag_id: str, suffix: str, *, after: float,
                     timeout: float = 120.0) -> None:
    """Until Airflow shows ``dag_id`` from the file ending in ``suffix``, parsed after
    ``after`` (the next parse of that file, which takes turns with ours)."""
    services = verify_env.airflow.services
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, dag = services.request("GET", f"/dags/{dag_id}")
        parsed = str(dag.get("last_parsed_time") or "") if status == 200 else ""
        if status == 200 and str(dag.get("fileloc", "")).endswith(suffix) and parsed and \
                _epoch(parsed) > after:
            return
        time.sleep(1)
    raise AssertionError(f"{dag_id} never came from {suffix} again")


def _epoch(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
