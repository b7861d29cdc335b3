"""A local wheel cache for the task virtualenvs the end-to-end tier lets Airflow build.

The virtualenv approach installs its requirements when the task runs; from PyPI that is minutes
of index queries and downloads per run. ``wheelhouse(python, requirements)`` resolves the
requirements once for that interpreter (``uv pip compile``), downloads every pinned file (a wheel,
or the source release of the few sdist-only packages, as the index serves it: a rendered lock
carries each file's hash, which a locally built wheel would not match), plus the build backend
those source releases need, and keeps them under the user cache keyed by the inputs. Task
processes then get ``PIP_FIND_LINKS=<wheelhouse>`` and ``PIP_NO_INDEX=1``: pip still resolves,
checks the hashes, builds and installs for real, from local files only.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.support.venvs import CACHE

WHEELS = CACHE.parent / "wheels"
LAYOUT = "index-files"  # what a house holds: the index's own files (sdists stay sdists)
# What pip's isolated build of those source releases installs, from the house too.
BUILD_BACKEND = ("setuptools", "wheel")


def _uv() -> str:
    return shutil.which("uv") or str(Path(sys.executable).with_name("uv"))


def wheelhouse(python: Path, requirements: Sequence[str]) -> Path:
    """A folder of wheels that satisfies ``requirements`` on ``python``, built once."""
    version = subprocess.run([str(python), "-c", "import sys; print(sys.version)"],
                             capture_output=True, text=True, check=True).stdout
    key = hashlib.sha256("\n".join([LAYOUT, version, *sorted(requirements)]).encode()
                         ).hexdigest()[:12]
    root = WHEELS / key
    WHEELS.mkdir(parents=True, exist_ok=True)
    with (WHEELS / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel sessions build it once
        if not (root / ".complete").exists():
            shutil.rmtree(root, ignore_errors=True)
            _build(python, requirements, root)
            (root / ".complete").write_text("\n".join(requirements) + "\n")
    return root


def _build(python: Path, requirements: Sequence[str], root: Path) -> None:
    builder = root / ".builder"
    subprocess.run([_uv(), "venv", "--quiet", "--seed", "--python", str(python), str(builder)],
                   check=True)
    pinned = root / ".pinned.txt"
    subprocess.run([_uv(), "pip", "compile", "--quiet", "--python", str(builder / "bin" / "python"),
                    "--no-header", "--no-annotate", "-o", str(pinned), "-"],
                   input="\n".join(requirements), text=True, check=True)
    pip = [str(builder / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "download", "--no-deps", "-d", str(root), "-r", str(pinned)],
                   check=True)
    subprocess.run([*pip, "download", "--only-binary", ":all:", "-d", str(root),
                    *BUILD_BACKEND], check=True)
    shutil.rmtree(builder)
