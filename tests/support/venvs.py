"""Cached virtualenvs for the heavy real components (Airflow 2/3, openmetadata-ingestion).

Each venv is keyed by a hash of its interpreter, its requirements and the content of the
constraints and lock files it is installed from, and kept under the user cache folder, so a fresh
clone reuses it and a changed pin builds a new one. Building uses ``uv`` (a dev dependency) and
takes well under a minute from a warm package cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path

CACHE = Path(os.environ.get("MWAA_GITOPS_VENV_CACHE",
                            Path.home() / ".cache" / "mwaa-gitops" / "venvs"))
HERE = Path(__file__).resolve().parent


def _uv() -> str:
    return shutil.which("uv") or str(Path(sys.executable).with_name("uv"))


def ensure_venv(name: str, requirements: Sequence[str], python: str | None = None, *,
                constraints: Sequence[Path] = (), lock: Path | None = None) -> Path:
    """The ``bin/python`` of a venv holding ``requirements`` installed under ``constraints``
    (or exactly the hash-checked ``lock``), built once and reused."""
    python = python or sys.executable
    files = [*constraints, *([lock] if lock else [])]
    root = venv_root(name, requirements, python, files)
    key = root.name.rpartition("-")[2]
    marker = root / ".complete"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"{name}-{key}.lock").open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # parallel test workers build it once
        if not marker.exists():
            shutil.rmtree(root, ignore_errors=True)
            subprocess.run([_uv(), "venv", "--quiet", "--python", python, str(root)], check=True)
            target = ["--python", str(root / "bin" / "python")]
            if lock is not None:
                subprocess.run([_uv(), "pip", "sync", "--quiet", *target, "--require-hashes",
                                str(lock)], check=True)
            if requirements:
                subprocess.run([_uv(), "pip", "install", "--quiet", *target,
                                *(arg for f in constraints for arg in ("--constraint", str(f))),
                                *requirements], check=True)
            marker.write_text("\n".join([*requirements, *map(str, files)]) + "\n")
    return root / "bin" / "python"


def venv_root(name: str, requirements: Sequence[str], python: str, files: Sequence[Path]) -> Path:
    """Where the venv lives: named by its interpreter, requirements and files' content."""
    key = hashlib.sha256("\n".join([python, *sorted(requirements),
                                    *(f.read_text() for f in files)]).encode()).hexdigest()[:12]
    return CACHE / f"{name}-{key}"


@cache
def find_python(minor: str) -> str:
    """An interpreter of Python ``minor`` (e.g. ``"3.12"``): uv's, one on PATH, or pyenv's;
    the running Python, with a warning, when the machine has none."""
    found = subprocess.run([_uv(), "python", "find", "--no-python-downloads", minor],
                           capture_output=True, text=True, check=False)
    candidates = [found.stdout.strip()] if found.returncode == 0 else []
    candidates.append(shutil.which(f"python{minor}") or "")
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted((str(p) for p in pyenv_root.glob(f"versions/{minor}.*/bin/python{minor}")),
                         reverse=True)
    for candidate in filter(None, candidates):
        # The base interpreter, not a venv's: one cache key for every checkout's venvs.
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info"
                                "[:2], sys._base_executable)"], capture_output=True, text=True,
                               check=False)
        version, _, executable = probe.stdout.strip().partition(" ")
        if probe.returncode == 0 and version == minor:
            return executable
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    warnings.warn(f"no Python {minor} on this machine: test venvs meant for it use Python {here}",
                  stacklevel=2)
    return sys.executable


def locked_version(lock: Path, package: str) -> str:
    """The version ``lock`` pins for ``package``."""
    for line in lock.read_text().splitlines():
        name, sep, version = line.partition("==")
        if sep and name.strip().lower() == package:
            return version.split()[0].rstrip("\\").strip()
    raise LookupError(f"{lock.name} pins no {package}")


# `make test-locks` regenerates the locks from their .in files (the reasons for each pin are there):
# openmetadata.lock for the release the example environments pin, one more per other supported line.
OPENMETADATA_LOCK = HERE / "openmetadata.lock"
OPENMETADATA_VERSION = locked_version(OPENMETADATA_LOCK, "openmetadata-ingestion")
# Each supported line's lock, by the major.minor of the release it pins (one file per line:
# scripts/refresh.py adds a line's .in, `make test-locks` its .lock).
OPENMETADATA_LOCKS = dict(sorted(
    ((".".join(locked_version(lock, "openmetadata-ingestion").split(".")[:2]), lock)
     for lock in HERE.glob("openmetadata*.lock")),
    key=lambda item: tuple(map(int, item[0].split(".")))))
OPENMETADATA_PYTHON = "3.11"  # the Python the locks are compiled for


def openmetadata_python(line: str | None = None) -> Path:
    """The python of the shared openmetadata-ingestion venv of ``line`` (``"1.12"``; default:
    the pinned release's), installed from its lock."""
    lock = OPENMETADATA_LOCKS[line] if line else OPENMETADATA_LOCK
    name = "openmetadata" if lock == OPENMETADATA_LOCK else f"openmetadata-{line}"
    return ensure_venv(name, [], find_python(OPENMETADATA_PYTHON), lock=lock)
