"""The connection discovery DAG: a paused, run-once DAG that finds the metadata database.

It is rendered when the environment sets ``discovery.enabled`` or ``render --discovery`` asks
for it, beside the workflow DAGs. Its password goes to the store the environment names (an AWS
Secrets Manager secret by default, or an Airflow Variable), never into the task log.
"""

from __future__ import annotations

from mwaa_gitops.config.model import Environment
from mwaa_gitops.diagnostics import ConfigError, Location
from mwaa_gitops.facts.airflow_connector import RESTAPI_HINT
from mwaa_gitops.render.configs import OPENMETADATA_FOLDER
from mwaa_gitops.render.templates import Template, header, render_template

TEMPLATE = "connection_discovery.py"
DISCOVERY_ON_AIRFLOW_3 = (
    "environment '{env}' runs Airflow {version}, where no task can read the metadata database "
    "(the task supervisor blocks it and blanks sql_alchemy_conn), so the connection discovery "
    "DAG cannot work there")
FILE_NAME = "mwaa_gitops_connection_discovery"


def discovery_key(env: Environment) -> str:
    """Bucket key of the discovery DAG."""
    return f"{env.mwaa.dags_prefix}/{OPENMETADATA_FOLDER}/{FILE_NAME}.py"


def render_discovery(env: Environment) -> dict[str, bytes]:
    """The discovery DAG file for ``env`` (Airflow 2 only)."""
    if env.mwaa.airflow_major >= 3:
        message = DISCOVERY_ON_AIRFLOW_3.format(env=env.name, version=env.mwaa.airflow_version)
        raise ConfigError.at(Location(f"environments/{env.name}"), message, RESTAPI_HINT,
                             code="usage")
    if any(wf.name == FILE_NAME for wf in env.workflows):
        raise ConfigError.at(Location(f"environments/{env.name}"), f"a workflow named "
                             f"'{FILE_NAME}' would be overwritten by the discovery DAG",
                             "rename the workflow file", code="discovery-name")
    settings = {
        "DAG_ID": env.discovery.dag_id,
        "ENVIRONMENT": env.name,
        "REGION": env.mwaa.region,
        "SECRET_ID": env.discovery.secret_id,
        "VARIABLE": env.discovery.variable,
    }
    major = env.mwaa.airflow_major
    text = render_template(Template.load(TEMPLATE), major, settings, header(TEMPLATE, major))
    return {discovery_key(env): text}
