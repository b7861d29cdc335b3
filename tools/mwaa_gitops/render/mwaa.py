"""What MWAA runs for an Airflow version, and the environment's ``requirements.txt``.

MWAA installs ``requirements.txt`` with the Apache Airflow constraints file of its Airflow and
Python versions (required from Airflow 2.7.2 on), so only the packages the rendered DAGs need are
listed, unpinned except ``openmetadata-ingestion``, and the constraints line pins the rest.

No ``plugins.zip`` and no startup script are needed by any version MWAA runs today: the plugin
that AWS once documented for ``PythonVirtualenvOperator`` replaced Airflow 2.0's call of the
``virtualenv`` console script, which Airflow 2.2 and later no longer make (2.x runs
``python -m virtualenv``, 3.x the ``venv`` module or ``uv``); 2.x only needs the ``virtualenv``
package, listed here.
"""

from __future__ import annotations

import re

from mwaa_gitops.model import Environment
from mwaa_gitops.render import pipelines

# The Python that MWAA runs for each Airflow major.
PYTHON = {2: "3.11", 3: "3.12"}
CONSTRAINTS_URL = ("https://raw.githubusercontent.com/apache/airflow/constraints-{airflow}/"
                   "constraints-{python}.txt")
VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
HEADER = "# Rendered by mwaa-gitops. Do not edit: change environments/ and re-render."


def version_tuple(version: str) -> tuple[int, int, int]:
    """``"2.10.3"`` → ``(2, 10, 3)``."""
    match = VERSION.match(version)
    if match is None:
        raise ValueError(f"not an Airflow release: {version!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def python_version(airflow_version: str) -> str:
    """The Python MWAA runs with this Airflow version."""
    return PYTHON[version_tuple(airflow_version)[0]]


def constraints_url(airflow_version: str) -> str:
    """Apache Airflow's constraints file for this Airflow version on MWAA's Python."""
    return CONSTRAINTS_URL.format(airflow=airflow_version,
                                  python=python_version(airflow_version))


def requirements(env: Environment) -> list[str]:
    """The packages the environment's rendered DAGs need installed into MWAA itself."""
    lines: list[str] = []
    in_mwaa = [wf for wf in env.workflows if wf.dag.approach == "python"]
    if in_mwaa:
        extra_names = sorted({e for wf in in_mwaa for e in pipelines.extras(wf)})
        lines.append(pipelines.requirement(env.openmetadata.ingestion_version, extra_names))
    if env.mwaa.airflow_major < 3 and any(wf.dag.approach == "virtualenv"
                                          for wf in env.workflows):
        lines.append("virtualenv")  # Airflow 2 builds task virtualenvs with `python -m virtualenv`
    return lines


def render_requirements(env: Environment) -> dict[str, bytes]:
    """``requirements.txt`` at the environment's requirements path."""
    text = "\n".join([HEADER, f'--constraint "{constraints_url(env.mwaa.airflow_version)}"',
                      *requirements(env)]) + "\n"
    return {env.mwaa.requirements_path: text.encode("utf-8")}
