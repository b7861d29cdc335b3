"""Cached virtualenvs for the heavy real components (Airflow 2/3, openmetadata-ingestion).

Each venv is keyed by a hash of its requirements and kept under the user cache folder, so a
fresh clone reuses it and a changed pin builds a new one. Building uses ``uv`` (a dev
dependency) and takes well under a minute from a warm package cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

CACHE = Path(os.environ.get("MWAA_GITOPS_VENV_CACHE",
                            Path.home() / ".cache" / "mwaa-gitops" / "venvs"))


def ensure_venv(name: str, requirements: list[str], python: str | None = None) -> Path:
    """The ``bin/python`` of a venv holding ``requirements``, built once and reused."""
    python = python or sys.executable
    key = hashlib.sha256("\n".join([python, *sorted(requirements)]).encode()).hexdigest()[:12]
    root = CACHE / f"{name}-{key}"
    marker = root / ".complete"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"{name}-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers build it once
        if not marker.exists():
            shutil.rmtree(root, ignore_errors=True)
            uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
            subprocess.run([uv, "venv", "--quiet", "--python", python, str(root)], check=True)
            subprocess.run([uv, "pip", "install", "--quiet", "--python",
                            str(root / "bin" / "python"), *requirements], check=True)
            marker.write_text("\n".join(requirements) + "\n")
    return root / "bin" / "python"


OPENMETADATA_VERSION = "1.13.6.3"
# dbt-core>=1.12 needs network while building; pydantic is pinned because the schema
# generator's output follows its JSON-schema rendering.
OPENMETADATA = [f"openmetadata-ingestion=={OPENMETADATA_VERSION}", "dbt-core<1.12",
                "pydantic==2.14.3"]


def openmetadata_python() -> Path:
    """The python of the shared openmetadata-ingestion venv."""
    return ensure_venv("openmetadata", OPENMETADATA)
