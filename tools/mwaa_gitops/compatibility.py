"""Which openmetadata-ingestion releases can be installed into MWAA's own Python environment.

MWAA installs ``requirements.txt`` under the Apache Airflow constraints file of its Airflow
version, so a package installed into MWAA itself (the python approach) has to accept the
SQLAlchemy that those constraints pin. openmetadata-ingestion moved to SQLAlchemy 2 in 1.13 and
Airflow in 3.2, so the two release lines must agree. The virtualenv approach installs
openmetadata-ingestion apart from MWAA's packages but sees them (system site packages): a workflow
that imports Airflow there (a ``Backend`` connection, Airflow Variables) loads both into one
process and needs the same agreement. The ecs approach never meets MWAA's packages.

A new release line is one new row below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Source: Requires-Dist of apache-airflow-core / openmetadata-ingestion and Airflow's constraints.
# The SQLAlchemy line that MWAA's constraints pin, per Airflow major.minor that MWAA runs.
MWAA_SQLALCHEMY = {"2.9": "1.4", "2.10": "1.4", "2.11": "1.4", "3.0": "1.4", "3.2": "2",
                   "3.3": "2"}
# The SQLAlchemy line openmetadata-ingestion requires, from each major.minor on until the next.
INGESTION_SQLALCHEMY = {"1.0": "1.4", "1.13": "2"}

_MAJOR_MINOR = re.compile(r"^(\d+)\.(\d+)(?:\.|$)")


@dataclass(frozen=True)
class Conflict:
    """openmetadata-ingestion and MWAA's constraints want different SQLAlchemy lines."""

    ingestion_sqlalchemy: str
    mwaa_sqlalchemy: str
    ingestion_lines: str  # openmetadata-ingestion releases that would fit this MWAA
    mwaa_lines: str  # MWAA Airflow lines that would fit this openmetadata-ingestion


def major_minor(version: str) -> tuple[int, int] | None:
    """``"1.13.6.3"`` → ``(1, 13)``; None when ``version`` does not start with major.minor."""
    match = _MAJOR_MINOR.match(version)
    return (int(match[1]), int(match[2])) if match else None


def mwaa_sqlalchemy(airflow_version: str) -> str | None:
    """The SQLAlchemy line MWAA pins for this Airflow version (None: not one MWAA runs)."""
    line = major_minor(airflow_version)
    return MWAA_SQLALCHEMY.get(f"{line[0]}.{line[1]}") if line else None


def ingestion_sqlalchemy(ingestion_version: str) -> str | None:
    """The SQLAlchemy line this openmetadata-ingestion release requires (None: unknown)."""
    line = major_minor(ingestion_version)
    started = [start for start in sorted(INGESTION_SQLALCHEMY, key=_key)
               if line is not None and line >= _key(start)]
    return INGESTION_SQLALCHEMY[started[-1]] if started else None


def python_approach_conflict(airflow_version: str, ingestion_version: str) -> Conflict | None:
    """Why this openmetadata-ingestion cannot be installed into this MWAA, or None if it can
    (or if either version is unknown, which the schemas report)."""
    mwaa, ingestion = mwaa_sqlalchemy(airflow_version), ingestion_sqlalchemy(ingestion_version)
    if mwaa is None or ingestion is None or mwaa == ingestion:
        return None
    return Conflict(ingestion, mwaa, _ingestion_lines(mwaa), _mwaa_lines(ingestion))


def _ingestion_lines(sqlalchemy: str) -> str:
    """The openmetadata-ingestion releases requiring ``sqlalchemy``, e.g. ``1.12.x`` or
    ``1.13 or later``."""
    starts = sorted(INGESTION_SQLALCHEMY, key=_key)
    for index, start in enumerate(starts):
        if INGESTION_SQLALCHEMY[start] != sqlalchemy:
            continue
        if index + 1 == len(starts):
            return f"{start} or later"
        major, minor = _key(starts[index + 1])
        return f"{major}.{minor - 1}.x" if minor else f"before {starts[index + 1]}"
    return "none known"


def _mwaa_lines(sqlalchemy: str) -> str:
    """The MWAA Airflow lines pinning ``sqlalchemy``, e.g. ``3.2 or 3.3``."""
    lines = [line for line in sorted(MWAA_SQLALCHEMY, key=_key)
             if MWAA_SQLALCHEMY[line] == sqlalchemy]
    return " or ".join([", ".join(lines[:-1]), lines[-1]] if len(lines) > 1 else lines)


def _key(line: str) -> tuple[int, int]:
    major, minor = line.split(".")
    return int(major), int(minor)
