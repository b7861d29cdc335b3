"""What MWAA runs for an Airflow version, and the environment's ``requirements.txt``.

MWAA installs ``requirements.txt`` under its essential constraints always, and under the Apache
Airflow constraints file of its release only when the file has no constraints line of its own
(see :mod:`mwaa_gitops.facts.mwaa_releases`). The rendered file names the Airflow constraints for
the release and the Python its image runs (the file the image's own copy was taken from; with that
line MWAA adds no ``-c`` of its own), so only the packages the rendered DAGs need are listed,
unpinned except ``openmetadata-ingestion``, and the constraints line pins the rest.

No ``plugins.zip`` and no startup script are needed by any version MWAA runs today: the plugin
that AWS once documented for ``PythonVirtualenvOperator`` replaced Airflow 2.0's call of the
``virtualenv`` console script, which Airflow 2.2 and later no longer make (2.x runs
``python -m virtualenv``, 3.x the ``venv`` module or ``uv``); 2.x only needs the ``virtualenv``
package, which every MWAA 2.x image has.
"""

from __future__ import annotations

from mwaa_gitops.config.model import Environment
from mwaa_gitops.facts import connectors, mwaa_releases
from mwaa_gitops.facts.mwaa_releases import constraints_url
from mwaa_gitops.render import pipelines

HEADER = "# Rendered by mwaa-gitops. Do not edit: change environments/ and re-render."
# No "-c"/"--constraint" in it: MWAA reads any such text, even in a comment, as a constraints line.
NOTHING_TO_INSTALL = "# The rendered DAGs need nothing beyond the packages of MWAA's image."
# A private network's requirements install from plugins.zip, which MWAA extracts there before
# it installs requirements.txt (AWS's guidance for environments without internet access).
PLUGINS_FOLDER = "/usr/local/airflow/plugins"
NO_INDEX = ["--no-index", f"--find-links {PLUGINS_FOLDER}"]


def requirements(env: Environment) -> list[str]:
    """The packages the environment's rendered DAGs need installed into MWAA itself."""
    lines: list[str] = []
    in_mwaa = [wf for wf in env.workflows if wf.dag.approach == "python"]
    if in_mwaa:
        version = env.openmetadata.ingestion_version
        extra_names = sorted({e for wf in in_mwaa
                              for e in connectors.workflow_extras(wf.config, version)})
        lines.append(pipelines.requirement(version, extra_names))
    # Airflow 2 builds task virtualenvs with `python -m virtualenv`, which every MWAA 2.x image
    # ships; listed only for an image without it.
    if env.mwaa.airflow_major < 3 and any(wf.dag.approach == "virtualenv"
                                          for wf in env.workflows) and \
            "virtualenv" not in mwaa_releases.installed_packages(env.mwaa.airflow_version):
        lines.append("virtualenv")
    return lines


def render_requirements(env: Environment) -> dict[str, bytes]:
    """``requirements.txt`` at the environment's requirements path. With nothing to install it
    holds no constraints line either: MWAA would fetch that URL (from outside a private
    network) for nothing."""
    packages = requirements(env)
    no_index = NO_INDEX if env.mwaa.private_network is not None else []
    lines = [HEADER, *no_index, f'--constraint "{constraints_url(env.mwaa.airflow_version)}"',
             *packages] if packages else [HEADER, NOTHING_TO_INSTALL]
    return {env.mwaa.requirements_path: ("\n".join(lines) + "\n").encode("utf-8")}
