"""The Airflow releases Amazon MWAA runs, with the Python, constraints and packages of each.

Vendored from the public ``aws/amazon-mwaa-docker-images`` repository (the images MWAA builds its
environments from) by ``scripts/generate_mwaa.py``; ``data/mwaa/releases.json`` names the commit and
the upstream path of every file. Per release:

* ``airflow_constraints.txt``: Apache Airflow's constraints for that release and Python, as the
  image ships them (``etc/airflow_constraints.txt``).
* ``mwaa_essential_constraints.txt``: the pins MWAA never lets ``requirements.txt`` change
  (Airflow, Celery, Flask, SQLAlchemy, …; ``etc/mwaa_essential_constraints.txt``).
* ``installed_packages.txt``: every Python package the image has installed, ``name==version``
  (its bill of materials, ``BillOfMaterials/<release>/Python-Packages-BOM.txt``).

How MWAA installs ``requirements.txt`` (``python/mwaa/utils/user_requirements.py`` and
``bin/airflow-user/safe-pip-install`` of each image): pip always runs with
``--constraint mwaa_essential_constraints.txt``; it adds ``-c airflow_constraints.txt`` only when
no line of requirements.txt matches ``-c `` or ``--constraint `` (with the space: ``--constraint=``
does not count, and a commented-out constraint line does). A requirements.txt with its own
constraints line is therefore installed under that file plus the essential constraints.

The index is read once per process, a release's files only when asked for, so importing this
module costs nothing and validating many environments reads one small JSON file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "mwaa"
INDEX = DATA_DIR / "releases.json"
AIRFLOW_CONSTRAINTS = "airflow_constraints.txt"
ESSENTIAL_CONSTRAINTS = "mwaa_essential_constraints.txt"
INSTALLED_PACKAGES = "installed_packages.txt"
VERSION = re.compile(r"^\d+\.\d+\.\d+$")  # an Airflow version: major.minor.patch
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")
# Environment statuses (GetEnvironment) in which MWAA is busy and accepts no update.
BUSY = frozenset({"CREATING", "UPDATING", "PENDING", "ROLLING_BACK", "CREATING_SNAPSHOT",
                  "MAINTENANCE", "DELETING"})


class UnknownRelease(ValueError):
    """An Airflow version that is not one of MWAA's releases."""

    def __init__(self, version: str) -> None:
        near = nearest(version)
        super().__init__(f"{version!r} is not an Airflow release MWAA runs"
                         + (f" (nearest: {near})" if near else ""))
        self.version = version
        self.nearest = near


@dataclass(frozen=True)
class Release:
    """One MWAA release: its Airflow version, Python and vendored files."""

    version: str
    python: str  # the full version the image builds, e.g. "3.12.13"
    python_minor: str  # "3.12": what wheels, venvs and constraints URLs name
    source_repository: str
    source_commit: str
    sources: dict[str, str]  # vendored file name → its path in the source repository

    @property
    def directory(self) -> Path:
        return DATA_DIR / self.version

    @property
    def airflow_constraints_path(self) -> Path:
        """Apache Airflow's constraints file as the image ships it."""
        return self.directory / AIRFLOW_CONSTRAINTS

    @property
    def essential_constraints_path(self) -> Path:
        """The constraints MWAA applies to every requirements.txt install."""
        return self.directory / ESSENTIAL_CONSTRAINTS

    @property
    def installed_packages_path(self) -> Path:
        """``name==version`` of every Python package the image has installed."""
        return self.directory / INSTALLED_PACKAGES

    @property
    def major(self) -> int:
        return version_key(self.version)[0]

    @property
    def major_minor(self) -> tuple[int, int]:
        major, minor, _ = version_key(self.version)
        return major, minor


def version_key(version: str) -> tuple[int, int, int]:
    """``"2.10.3"`` → ``(2, 10, 3)``; ValueError if it is not ``major.minor.patch``."""
    if not VERSION.fullmatch(version):
        raise ValueError(f"not an Airflow version: {version!r}")
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


@cache
def _index() -> dict[str, Release]:
    data = json.loads(INDEX.read_text(encoding="utf-8"))
    source = data["source"]
    return {
        version: Release(version=version, python=entry["python"],
                         python_minor=entry["pythonMinor"],
                         source_repository=source["repository"], source_commit=source["commit"],
                         sources={name: info["source"] for name, info in entry["files"].items()})
        for version, entry in data["releases"].items()
    }


def releases() -> tuple[str, ...]:
    """Every release, oldest first."""
    return tuple(sorted(_index(), key=version_key))


def release(version: str) -> Release:
    """The release ``version``; UnknownRelease (with the nearest one) if MWAA has none such."""
    found = _index().get(version)
    if found is None:
        raise UnknownRelease(version)
    return found


def is_release(version: str) -> bool:
    return version in _index()


def nearest(version: str, choices: tuple[str, ...] | None = None) -> str | None:
    """The release closest to ``version``: same major.minor and nearest patch first (a later
    patch on a tie), then the nearest minor of the same major; None if it is no version."""
    try:
        major, minor, patch = version_key(version)
    except ValueError:
        return None
    candidates = [(c, version_key(c)) for c in (choices if choices is not None else releases())]
    same_major = [(c, key) for c, key in candidates if key[0] == major]
    if not same_major:
        return None
    best = min(same_major, key=lambda item: (abs(item[1][1] - minor), abs(item[1][2] - patch),
                                             -item[1][1], -item[1][2]))
    return best[0]


def python_version(version: str) -> str:
    """The Python (major.minor) MWAA's image of this release runs, e.g. ``"3.12"``."""
    return release(version).python_minor


def python_full_version(version: str) -> str:
    """The exact Python the image builds, e.g. ``"3.12.13"``."""
    return release(version).python


def airflow_constraints_text(version: str) -> str:
    return release(version).airflow_constraints_path.read_text(encoding="utf-8")


def essential_constraints_text(version: str) -> str:
    return release(version).essential_constraints_path.read_text(encoding="utf-8")


@cache
def airflow_constraints(version: str) -> dict[str, str]:
    """Normalized name → pinned version, from the release's Airflow constraints."""
    return pins(airflow_constraints_text(version))


@cache
def essential_constraints(version: str) -> dict[str, str]:
    """Normalized name → pinned version, from MWAA's essential constraints."""
    return pins(essential_constraints_text(version))


@cache
def installed_packages(version: str) -> dict[str, str]:
    """Normalized name → version of every package in the release's image."""
    return pins(release(version).installed_packages_path.read_text(encoding="utf-8"))


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    """Normalized name → version of every ``name==version`` line (comments, markers ignored)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            found[normalize(match[1])] = match[2]
    return found


CONSTRAINTS_URL = ("https://raw.githubusercontent.com/apache/airflow/constraints-{airflow}/"
                   "constraints-{python}.txt")


def constraints_url(airflow_version: str) -> str:
    """Apache Airflow's constraints file for this MWAA release on the Python its image runs."""
    return CONSTRAINTS_URL.format(airflow=airflow_version,
                                  python=python_version(airflow_version))
