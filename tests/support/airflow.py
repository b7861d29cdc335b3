"""Real Apache Airflow 2 and 3 for tests: cached venvs and a DagBag import of rendered folders.

Each venv is an MWAA release installed as MWAA's image installs it: Airflow and the providers
under that release's vendored Airflow constraints and MWAA's essential constraints, on the Python
its image runs (see :mod:`mwaa_gitops.facts.mwaa_releases`), so every provider is at the version
MWAA ships.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from mwaa_gitops.facts import mwaa_releases
from tests.support.venvs import ensure_venv, find_python

AIRFLOW_2_RELEASE = "2.10.3"  # prod's
AIRFLOW_3_RELEASE = "3.3.1"  # dev's and local's
# postgres: MWAA's metadata database is Postgres, and Airflow connects at import; virtualenv:
# Airflow 2 builds task virtualenvs with it; standard: Airflow 3's PythonOperator and friends.
AIRFLOW_2_PACKAGES = ("apache-airflow-providers-amazon", "apache-airflow-providers-postgres",
                      "virtualenv")
AIRFLOW_3_PACKAGES = ("apache-airflow-providers-amazon", "apache-airflow-providers-postgres",
                      "apache-airflow-providers-standard")


def mwaa_airflow(release: str, packages: Sequence[str]) -> list[str]:
    """Airflow ``release`` and ``packages`` at the versions that release's constraints pin."""
    pins = mwaa_releases.airflow_constraints(release)
    return [f"apache-airflow=={release}", *(f"{name}=={pins[name]}" for name in packages)]


AIRFLOW_2 = mwaa_airflow(AIRFLOW_2_RELEASE, AIRFLOW_2_PACKAGES)
AIRFLOW_3 = mwaa_airflow(AIRFLOW_3_RELEASE, AIRFLOW_3_PACKAGES)


def mwaa_airflow_python(release: str, requirements: Sequence[str]) -> Path:
    """``bin/python`` of a venv with ``requirements`` installed as MWAA installs ``release``."""
    found = mwaa_releases.release(release)
    return ensure_venv(f"airflow{found.major}", requirements, find_python(found.python_minor),
                       constraints=[found.airflow_constraints_path,
                                    found.essential_constraints_path])


PROBE = Path(__file__).with_name("dagbag_probe.py")
# Warnings that mean a rendered file uses an API on its way out.
DEPRECATIONS = ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning",
                "RemovedInAirflow3Warning", "AirflowProviderDeprecationWarning",
                "DeprecatedImportWarning", "RemovedInAirflow4Warning")


@pytest.fixture(scope="session")
def airflow2_python() -> Path:
    """``bin/python`` of MWAA's Airflow 2.10.3 with the amazon and postgres providers."""
    return mwaa_airflow_python(AIRFLOW_2_RELEASE, AIRFLOW_2)


@pytest.fixture(scope="session")
def airflow3_python() -> Path:
    """``bin/python`` of MWAA's Airflow 3.3.1 with the amazon, postgres and standard providers."""
    return mwaa_airflow_python(AIRFLOW_3_RELEASE, AIRFLOW_3)


def airflow_env(home: Path) -> dict[str, str]:
    """Process environment for an Airflow run isolated in ``home`` (no examples, no AWS)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AIRFLOW", "AWS_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        # Anything that tries AWS goes to a closed local port, never to the internet.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "eu-west-1",
    })
    return env


def import_dags(python: Path, folders: dict[str, Path], home: Path) -> dict[str, Any]:
    """Fill a DagBag per folder with ``python``'s Airflow; the probe's JSON description."""
    output = home / "dagbag.json"
    request = {"folders": {name: str(path) for name, path in folders.items()},
               "output": str(output)}
    # -I: the probe's folder (holding this module, named airflow.py) must not shadow Airflow.
    done = subprocess.run([str(python), "-I", str(PROBE)], input=json.dumps(request), text=True,
                          capture_output=True, env=airflow_env(home), timeout=300, check=False)
    if done.returncode != 0:
        raise AssertionError(f"DagBag probe failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(output.read_text())
    return result


def deprecations(messages: list[str]) -> list[str]:
    """The warnings in ``messages`` that are about deprecated or removed API."""
    return [m for m in messages if any(m.startswith(d) or f"{d}:" in m for d in DEPRECATIONS)]
