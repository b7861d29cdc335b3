"""The python approach under custom constraints, end to end, as MWAA installs and runs it.

The Airflow connector's workflow with ``dag.approach: python`` in an environment that opts in
(``mwaa.customConstraints: true``): ``lock`` writes the custom constraints, ``sync`` puts the DAG,
its config and the constraints into the DAGs folder of a second Airflow installation; MWAA's own
pip command installs the rendered ``requirements.txt`` over MWAA's image
(``tests/support/mwaa_requirements.py``); real Airflow (scheduler, LocalExecutor, dag processor,
PostgreSQL) started on that Python runs the DAG, whose workflow extracts the session's Airflow
(the ``airflow`` fixture: the example DAGs and their runs) through MWAA's InvokeRestApi into the
OpenMetadata stand-in. On Airflow 3 the environment is on a private network too
(``mwaa.privateNetwork: true``): ``bundle`` writes the wheels of what pip installs, and pip runs
with its index pointed at a closed port, so every package comes from the DAGs folder.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path, PurePosixPath

import pytest

from mwaa_gitops.config.locks import LockSet
from mwaa_gitops.facts import mwaa_releases, wheel_bundle
from tests.e2e.conftest import (
    APPROACH_DAG_IDS,
    REGION,
    TOKEN,
    E2EAirflow,
    config_repository,
    mwaa_gitops,
)
from tests.e2e.test_extraction import assert_extracted, prepare_openmetadata
from tests.support.airflow import AIRFLOW_2, AIRFLOW_3
from tests.support.airflow_services import airflow_services
from tests.support.mwaa_api import ACCESS_KEY, SECRET_KEY
from tests.support.mwaa_requirements import mwaa_requirements
from tests.support.openmetadata_api import OpenMetadataApi
from tests.support.postgres import Postgres

pytestmark = pytest.mark.e2e

CLOSED_INDEX = "http://127.0.0.1:9/simple"
AIRFLOW = {2: AIRFLOW_2, 3: AIRFLOW_3}
PRIVATE = {3}  # the majors whose environment is on a private network


def test_python_approach_installs_by_mwaas_pip_and_extracts_every_dag(
        airflow: E2EAirflow, openmetadata_api: OpenMetadataApi, postgres: Postgres,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    spec = airflow.spec
    private = spec.major in PRIVATE
    # A short path: LocalExecutor's manager listens on a socket in the installation's TMPDIR,
    # and a socket's path has at most 107 bytes.
    tmp_path = tmp_path_factory.mktemp("py")
    name = f"python{spec.major}"
    repo = config_repository(tmp_path, spec, f"{name}/bucket", openmetadata_api,
                             airflow.mwaa.endpoint_url, approaches=("python",))
    settings = repo / "environments" / spec.environment / "environment.yaml"
    opt_in = "  customConstraints: true\n" + ("  privateNetwork: true\n" if private else "")
    settings.write_text(settings.read_text().replace("mwaa:\n", "mwaa:\n" + opt_in, 1))
    timings: dict[str, float] = {}

    started = time.monotonic()
    mwaa_gitops(repo, "lock", "--env", spec.environment)
    timings["lock"] = time.monotonic() - started
    constraints = LockSet(spec.release, spec.ingestion, (), "constraints")
    inputs = [(repo / constraints.path).read_bytes()]
    bundled = None
    if private:
        resolved = LockSet(spec.release, spec.ingestion, (), "python")
        inputs.append((repo / resolved.path).read_bytes())
        started = time.monotonic()
        bundled = json.loads(mwaa_gitops(repo, "bundle", "--env", spec.environment, "--format",
                                         "json"))["environments"][spec.environment]
        timings["bundle"] = time.monotonic() - started
    mwaa_gitops(repo, "validate", "--env", spec.environment)
    out = tmp_path / "rendered"
    mwaa_gitops(repo, "render", "--env", spec.environment, "--out", str(out))
    requirements = (out / "requirements.txt").read_text()
    dags = tmp_path / name / "bucket" / "dags"
    # MWAA's order: the DAGs folder is on the worker's disk, then pip installs, then Airflow.
    started = time.monotonic()
    mwaa_gitops(repo, "sync", "--env", spec.environment, "--no-update-mwaa")
    timings["sync"] = time.monotonic() - started
    python = mwaa_releases.release(spec.release).python
    folder = f"{dags}/openmetadata/wheels/{wheel_bundle.folder_name(python)}"
    if private:
        assert requirements.splitlines()[1:3] == [
            "--no-index", f"--find-links {folder.replace(str(dags), '/usr/local/airflow/dags')}"]
        assert bundled is not None and len(list(Path(folder).glob("*.whl"))) == bundled["wheels"]
    pip_env = {"PIP_INDEX_URL": CLOSED_INDEX} if private else {}
    installed = mwaa_requirements(spec.release, AIRFLOW[spec.major], requirements, dags,
                                  inputs, pip_env)
    timings["install"] = installed.seconds
    (done,) = [line for line in installed.pip_output.splitlines()
               if line.startswith("Successfully installed ")]
    assert f" openmetadata-ingestion-{spec.ingestion}" in f" {done} "
    assert " boto3-" in f" {done} "  # a package of the image the constraints move
    # Every package of the image the constraints move moved (pip touches only what it is
    # asked for): nothing installed is left broken.
    assert "dependency conflicts" not in installed.pip_output, installed.pip_output[-4000:]
    if private:
        # The DAGs folder's bundle, pip's one folder of links (the install may be the cached
        # one of an earlier run, whose DAGs folder was another temporary folder, same tail).
        tail = "/" + "/".join(PurePosixPath(folder).parts[-5:])
        assert _links(installed.pip_output).endswith(tail), installed.pip_output[:2000]
        assert "Looking in indexes" not in installed.pip_output

    extra = {"OPENMETADATA_JWT": TOKEN, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
             "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": REGION,
             "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
             "AWS_DISABLE_HOST_PREFIX_INJECTION": "true", "PIP_INDEX_URL": CLOSED_INDEX}
    started = time.monotonic()
    with airflow_services(installed.python, postgres, tmp_path, spec.major, extra,
                          name) as services:
        assert services.dags_folder == dags
        dag_id = APPROACH_DAG_IDS["python"]
        services.wait_parsed([dag_id])
        assert services.import_errors() == {}
        timings["airflow up"] = time.monotonic() - started
        prepare_openmetadata(openmetadata_api)
        airflow.mwaa.reset()
        started = time.monotonic()
        run = services.run(dag_id, timeout=900)
        timings["run"] = time.monotonic() - started
        log = services.task_log(dag_id, run.run_id, "run_workflow")
        # The workflow extracted the session's Airflow (through InvokeRestApi): every example
        # DAG with its tasks, runs and statuses.
        assert_extracted(airflow, openmetadata_api, "python", run, log)
    moved = done.removeprefix("Successfully installed ").split()
    sys.stderr.write(
        f"\n{spec.release} python approach ({'private network, ' if private else ''}"
        f"openmetadata-ingestion {spec.ingestion}): pip installed {len(moved)} packages"
        + (f" from a bundle of {bundled['wheels']} wheels, {bundled['bytes'] / 1e6:.1f} MB"
           if bundled else "")
        + "; " + ", ".join(f"{what} {seconds:.0f} s" for what, seconds in timings.items())
        + (f" (install cached; built in {installed.built_in:.0f} s)" if installed.cached
           else "") + "\n")


def _links(pip_output: str) -> str:
    """The folder pip looked in for links (its one ``Looking in links:`` line)."""
    (line,) = [row for row in pip_output.splitlines() if row.startswith("Looking in links: ")]
    return line.removeprefix("Looking in links: ")
