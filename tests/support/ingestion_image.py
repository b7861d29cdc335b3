"""What the openmetadata-ingestion container image runs, as a cached venv and a subprocess.

The image (OpenMetadata's ``ingestion/operators/docker/Dockerfile``, read at commit
00a7ac16af09) installs ``openmetadata-ingestion[airflow]`` — Apache Airflow included, which the
Airflow connector imports whatever its connection — and runs ``python main.py`` in its working
directory (``WORKDIR ingestion/``, into which it copies ``ingestion/operators/docker/*.py``),
whose contract ``ingestion_entrypoint.py`` follows. psycopg2 reaches the Airflow metadata database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.support.venvs import OPENMETADATA_VERSION, ensure_venv

# dbt-core>=1.12 needs network while building. The image also installs the ``all`` extra,
# which brings cachetools: 1.12's core imports it without declaring it.
PINS = ["psycopg2-binary", "dbt-core<1.12", "cachetools"]
ENTRYPOINT = Path(__file__).with_name("ingestion_entrypoint.py")


def image_python(version: str = OPENMETADATA_VERSION) -> Path:
    """The python of a venv holding what the ingestion image of ``version`` holds,
    byte-compiled once (importing the package from source takes about three times as long)."""
    python = ensure_venv("openmetadata-image",
                         [f"openmetadata-ingestion[airflow]=={version}", *PINS])
    marker = python.parent.parent / ".compiled"
    if not marker.exists():
        subprocess.run([str(python), "-m", "compileall", "-q", "-j", "0",
                        str(python.parent.parent / "lib")], check=False,
                       capture_output=True, timeout=900)
        marker.touch()
    return python


def run_container(environment: dict[str, str], version: str = OPENMETADATA_VERSION,
                  timeout: float = 600, arguments: Sequence[str] = ("main.py",),
                  ) -> subprocess.CompletedProcess[str]:
    """Run ``python <arguments>`` in the image's working directory, which holds its entry
    point as ``main.py``, with the container's environment (``config``, ``pipelineType``…) as
    ECS would pass it; the exit code is the container's."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AIRFLOW", "AWS_", "DB_"))}
    env.update(environment)
    with tempfile.TemporaryDirectory() as workdir:
        shutil.copyfile(ENTRYPOINT, Path(workdir) / "main.py")
        # -I: nothing of the test tree (its support module named airflow.py) shadows the venv.
        return subprocess.run([str(image_python(version)), "-I", *arguments], cwd=workdir,
                              env=env, text=True, capture_output=True, timeout=timeout,
                              check=False)
