"""The config repository's own locks: ``locks/`` beside ``environments/``, written by
``mwaa-gitops lock`` and read offline by ``validate`` and ``render``.

* A task virtualenv's lock, one file per (MWAA release, openmetadata-ingestion release, extras):
  ``locks/airflow-<release>/openmetadata-ingestion-<version>[<extras>].txt``, every pin with its
  hashes; environments sharing a set share its file.
* The python approach's custom constraints (``mwaa.customConstraints: true``):
  ``locks/airflow-<release>/constraints-openmetadata-ingestion-<version>[<extras>].txt``, Apache
  Airflow's constraints of the release with only the lines that must move changed.
* The python approach's resolved set, on a private network (``mwaa.privateNetwork: true``):
  ``locks/airflow-<release>/python-openmetadata-ingestion-<version>[<extras>].txt``, what MWAA's
  pip installs under those constraints, every pin with its hashes: the wheel bundle's input.

Each file's header records a digest of its inputs (the release, the ingestion release, the
extras, the release's Python, the platform and the algorithm's version), so a lock that no longer
matches its environment is seen without the network.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from mwaa_gitops.facts import mwaa_releases
from mwaa_gitops.facts.requirements_data import PACKAGE
from mwaa_gitops.facts.resolver import PLATFORM

LOCKS = "locks"
# Raised whenever what a lock holds would be computed differently: every lock of that kind
# becomes stale.
ALGORITHM = {"venv": "3", "constraints": "2", "python": "1"}
DIGEST_PREFIX = "# inputs: sha256:"
MOVES_PREFIX = "# moves: "
LOCK_COMMAND = "mwaa-gitops lock"

Kind = Literal["venv", "constraints", "python"]
State = Literal["fresh", "missing", "stale"]


@dataclass(frozen=True)
class LockSet:
    """A requirement set a lock is for."""

    airflow: str
    ingestion: str
    extras: tuple[str, ...]
    kind: Kind = "venv"

    @property
    def requirement(self) -> str:
        suffix = f"[{','.join(self.extras)}]" if self.extras else ""
        return f"{PACKAGE}{suffix}=={self.ingestion}"

    @property
    def path(self) -> str:
        """The file relative to the repository root."""
        suffix = f"[{','.join(self.extras)}]" if self.extras else ""
        prefix = {"venv": "", "constraints": "constraints-", "python": "python-"}[self.kind]
        return f"{LOCKS}/airflow-{self.airflow}/{prefix}{PACKAGE}-{self.ingestion}{suffix}.txt"

    @property
    def digest(self) -> str:
        """The digest of every input of the lock."""
        python = mwaa_releases.python_full_version(self.airflow) \
            if mwaa_releases.is_release(self.airflow) else ""
        inputs = {"airflow": self.airflow, "ingestion": self.ingestion,
                  "extras": list(self.extras), "python": python, "platform": PLATFORM,
                  "algorithm": ALGORITHM[self.kind], "kind": self.kind}
        return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class RepositoryLock:
    """A lock file as read: its recorded digest and its requirement lines (continuations
    joined: ``name==version --hash=sha256:…``)."""

    digest: str
    lines: tuple[str, ...]
    moves: tuple[str, ...]  # constraints: ``name old→new`` of each MWAA package it moves

    @property
    def pins(self) -> tuple[str, ...]:
        """``name==version`` of each line, without hashes."""
        return tuple(line.split()[0] for line in self.lines)


def command(environment: str | None = None) -> str:
    """The command that writes or refreshes the locks (of one environment)."""
    return f"{LOCK_COMMAND} --env {environment}" if environment else LOCK_COMMAND


def header(lock_set: LockSet, description: str, moves: tuple[str, ...] = ()) -> list[str]:
    python = mwaa_releases.python_full_version(lock_set.airflow)
    return [f"# {description} {lock_set.requirement} on MWAA's Airflow {lock_set.airflow} "
            f"(Python {python}, linux x86_64).",
            f"# Written by `{LOCK_COMMAND}`: run it again rather than editing this file.",
            f"{DIGEST_PREFIX}{lock_set.digest}",
            *(f"{MOVES_PREFIX}{move}" for move in moves)]


def parse(text: str) -> RepositoryLock:
    digest = ""
    moves: list[str] = []
    lines: list[str] = []
    current: list[str] = []
    for raw in text.splitlines():
        if raw.startswith(DIGEST_PREFIX):
            digest = raw[len(DIGEST_PREFIX):].strip()
        elif raw.startswith(MOVES_PREFIX):
            moves.append(raw[len(MOVES_PREFIX):].strip())
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        continued = stripped.endswith("\\")
        current.append(stripped.rstrip("\\").strip())
        if not continued:
            lines.append(" ".join(current))
            current = []
    if current:
        lines.append(" ".join(current))
    return RepositoryLock(digest, tuple(lines), tuple(moves))


@cache
def _read(path: Path, stamp: tuple[int, int]) -> RepositoryLock:
    return parse(path.read_text(encoding="utf-8"))


def read(root: Path | None, lock_set: LockSet) -> RepositoryLock | None:
    """The repository's lock of that set, as written (None: no such file)."""
    if root is None:
        return None
    path = root / lock_set.path
    try:
        info = path.stat()
    except OSError:
        return None
    return _read(path, (info.st_mtime_ns, info.st_size))


def state(root: Path | None, lock_set: LockSet) -> State:
    lock = read(root, lock_set)
    if lock is None:
        return "missing"
    return "fresh" if lock.digest == lock_set.digest else "stale"


def repository_lock(root: Path | None, airflow: str, ingestion: str,
                    extras: tuple[str, ...]) -> tuple[str, ...] | None:
    """The pins with their hashes (``name==version --hash=sha256:… …``, one a requirement) of
    the task virtualenv of ``openmetadata-ingestion[extras]==ingestion`` on MWAA's Airflow
    ``airflow``, as the repository locked them; None when that lock is missing or stale."""
    lock_set = LockSet(airflow, ingestion, extras)
    lock = read(root, lock_set)
    if lock is None or lock.digest != lock_set.digest:
        return None
    return lock.lines
