"""One Airflow DAG file per workflow, beside its config, for the workflow's approach.

Each approach has a template in ``dags/`` (``python_workflow.py``, ``ecs_workflow.py``,
``virtualenv_workflow.py``); ``render.templates`` fills it with literals for the declared Airflow
version. The config itself stays data: the python approach reads the YAML beside the DAG when the
task runs, the virtualenv approach passes it to the task as an argument, and the ECS approach
hands it to the container (inline or as an environment file, see ``render.ecs``).
"""

from __future__ import annotations

from typing import Any

from mwaa_gitops.config import locks
from mwaa_gitops.config.model import Environment, Workflow
from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.facts import connectors, mwaa_releases
from mwaa_gitops.render import ecs, pipelines
from mwaa_gitops.render.bundle import wheels_setting, with_bundle_hashes
from mwaa_gitops.render.configs import OPENMETADATA_FOLDER
from mwaa_gitops.render.mwaa import python_pins
from mwaa_gitops.render.templates import OMIT, Template, header, render_template

TEMPLATES = {
    "python": "python_workflow.py",
    "ecs": "ecs_workflow.py",
    "virtualenv": "virtualenv_workflow.py",
}
# The runners' adaptation of the Airflow connector to InvokeRestApi, copied as it is.
ADAPTER_TEMPLATE = "mwaa_rest_api_compat.py"
ADAPTER = "compat/mwaa_rest_api.py"  # beside the DAGs, as the templates' ADAPTER expects


def dag_key(env: Environment, workflow: Workflow) -> str:
    """Bucket key of a workflow's DAG: the config's name with ``.py``."""
    return f"{env.mwaa.dags_prefix}/{OPENMETADATA_FOLDER}/{workflow.name}.py"


def dag_settings(workflow: Workflow) -> dict[str, Any]:
    """The settings every workflow template shares (the DAG and its default arguments)."""
    dag = workflow.dag
    return {
        "DAG_ID": dag.dag_id,
        "SCHEDULE": dag.schedule,
        "START_DATE": dag.start_date,
        "TAGS": list(dag.tags),
        "OWNER": dag.owner,
        "RETRIES": dag.retries,
        "RETRY_DELAY_MINUTES": dag.retry_delay_minutes,
        "MAX_ACTIVE_RUNS": dag.max_active_runs,
        "TIMEOUT_MINUTES": dag.timeout_minutes,
        # Unset, the argument is left out: Airflow's default, and the file as before.
        "PAUSED": OMIT if dag.paused is None else dag.paused,
    }


def render_dag(env: Environment, workflow: Workflow) -> dict[str, bytes]:
    """The workflow's DAG file, plus any file its approach needs beside it."""
    approach = workflow.dag.approach
    settings = dag_settings(workflow)
    files: dict[str, bytes] = {}
    if approach == "ecs":
        ecs_settings, files = ecs.ecs_arguments(env, workflow)
        settings.update(ecs_settings)
    else:
        settings["WORKFLOW_CLASS"] = pipelines.workflow_class(workflow)
    if approach == "virtualenv":
        settings["REQUIREMENTS"] = list(venv_requirements(env, workflow))
        settings["WHEELS"] = wheels_setting(env)
    name = TEMPLATES[approach]
    major = env.mwaa.airflow_major
    files[dag_key(env, workflow)] = render_template(Template.load(name), major, settings,
                                                    header(name, major))
    return files


def venv_requirements(env: Environment, workflow: Workflow) -> tuple[str, ...]:
    """The lock of the workflow's task virtualenv, as the repository holds it in ``locks/``
    (written by ``mwaa-gitops lock``): every pin with its hashes, so every worker installs the
    same files."""
    airflow, ingestion = env.mwaa.airflow_version, env.openmetadata.ingestion_version
    extras = connectors.workflow_extras(workflow.config, ingestion)
    lines = locks.repository_lock(env.root, airflow, ingestion, extras)
    if lines is None:
        node = workflow.tree.get("dag", "approach")
        lock_set = locks.LockSet(airflow, ingestion, extras)
        raise ConfigError.at(
            node.location if node is not None else workflow.tree.location,
            f"workflow '{workflow.name}' runs in a task virtualenv, and the repository's lock "
            f"of {lock_set.requirement} on MWAA's Airflow {airflow} ({lock_set.path}) is "
            f"{locks.state(env.root, lock_set)}",
            f"run `{locks.command(env.name)}` and commit {locks.LOCKS}/", code="missing-lock")
    return with_bundle_hashes(env, lines)


def lock_pins(env: Environment) -> tuple[str, ...]:
    """Every pin the environment's task virtualenvs install (``name==version``, their locks
    merged, sorted), and with them the python approach's (its resolved set under custom
    constraints), that MWAA's image does not already have at that version: what a private
    network's wheel bundle holds, from the same locks as the DAGs' requirements (pip takes an
    installed package of the locked version as it is, so the image's own need no wheel)."""
    installed = mwaa_releases.installed_packages(env.mwaa.airflow_version)
    pins = {line.split()[0] for workflow in env.workflows
            if workflow.dag.approach == "virtualenv"
            for line in venv_requirements(env, workflow)}
    pins.update(python_pins(env))  # the python approach's, under its custom constraints
    return tuple(sorted(pin for pin in pins
                        if installed.get(mwaa_releases.normalize(pin.split("==")[0]))
                        != pin.split("==", 1)[1]))


def render_dags(env: Environment) -> dict[str, bytes]:
    """Every workflow's DAG file (and companions) for the environment, and the module that
    adapts the Airflow connector to InvokeRestApi when a runner in MWAA loads it."""
    tree: dict[str, bytes] = {}
    for workflow in env.workflows:
        tree.update(render_dag(env, workflow))
    if any(workflow.dag.approach in ("python", "virtualenv") for workflow in env.workflows):
        source = Template.load(ADAPTER_TEMPLATE).source
        tree[f"{env.mwaa.dags_prefix}/{OPENMETADATA_FOLDER}/{ADAPTER}"] = (
            f"# Rendered by mwaa-gitops from dags/{ADAPTER_TEMPLATE}.\n"
            "# Do not edit: it is the same for every environment.\n" + source).encode("utf-8")
    return tree
