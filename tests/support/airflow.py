"""Real Apache Airflow 2 and 3 for tests: cached venvs and a DagBag import of rendered folders.

Provider pins are releases that import cleanly on each core: the amazon provider's 9.17 is the
last that supports Airflow 2.10; on Airflow 3.3 the amazon and standard providers of its release
import without a deprecation warning.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.venvs import ensure_venv

# The postgres extra: MWAA's metadata database is Postgres, and Airflow connects at import.
AIRFLOW_2 = ["apache-airflow[postgres,virtualenv]==2.10.5",
             "apache-airflow-providers-amazon==9.17.0"]
AIRFLOW_3 = ["apache-airflow==3.3.2", "apache-airflow-providers-amazon==9.39.0",
             "apache-airflow-providers-standard==1.21.0"]
PROBE = Path(__file__).with_name("dagbag_probe.py")
# Warnings that mean a rendered file uses an API on its way out.
DEPRECATIONS = ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning",
                "RemovedInAirflow3Warning", "AirflowProviderDeprecationWarning",
                "DeprecatedImportWarning", "RemovedInAirflow4Warning")


@pytest.fixture(scope="session")
def airflow2_python() -> Path:
    """``bin/python`` of a venv with Apache Airflow 2.10 and the amazon provider."""
    return ensure_venv("airflow2", AIRFLOW_2)


@pytest.fixture(scope="session")
def airflow3_python() -> Path:
    """``bin/python`` of a venv with Apache Airflow 3.3, the amazon and standard providers."""
    return ensure_venv("airflow3", AIRFLOW_3)


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
