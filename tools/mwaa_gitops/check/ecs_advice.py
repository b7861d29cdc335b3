"""Advice about what an ECS workflow reading Airflow through ``InvokeRestApi`` cannot deliver.

The container runs the runners' adapter of the connector (``render.ecs``), but it has no DAG
files, and ``/dags/<id>/tasks`` passes ``InvokeRestApi``'s 64-character ``Path`` once the DAG id
passes 52 characters; no endpoint of Airflow's REST API v1 (Airflow 2) or v2 (Airflow 3) lists a
DAG's tasks in a shorter form. Such a DAG then comes with the tasks its runs hold, without
edges. Whether MWAA holds such a DAG is not known here, so this is a warning, once per workflow,
and never fails ``validate``.
"""

from __future__ import annotations

from collections.abc import Iterable

from mwaa_gitops.config.environments import MergedEnvironment
from mwaa_gitops.diagnostics import Diagnostic, Diagnostics
from mwaa_gitops.facts.airflow_connector import MWAA_CONFIG_PATH

TASKS_PATH_ID_MAX = 64 - len("/dags//tasks")  # 52: the longest DAG id whose tasks MWAA returns


def ecs_long_dag_tasks(environments: Iterable[MergedEnvironment]) -> list[Diagnostic]:
    """One warning per ECS workflow whose connection authenticates with ``mwaaConfig``."""
    found = Diagnostics()
    for env in environments:
        for name, tree in env.workflows.items():
            approach = tree.get("dag", "approach")
            enabled = tree.get("dag", "enabled")
            auth = tree.get(*MWAA_CONFIG_PATH)
            if approach is None or approach.value != "ecs" or auth is None or \
                    not isinstance(auth.value, dict) or (enabled and enabled.value is False):
                continue
            found.add(Diagnostic(
                auth.key_location or auth.location,
                f"workflow '{name}' runs on ECS and reads Airflow through MWAA's InvokeRestApi "
                f"(mwaaConfig): a DAG whose id is longer than {TASKS_PATH_ID_MAX} characters "
                "reaches OpenMetadata with the tasks its runs hold but without their edges, as "
                "its /dags/<id>/tasks exceeds InvokeRestApi's 64-character Path, no Airflow "
                "endpoint lists tasks in a shorter form, and the container has no DAG files",
                "run it with approach virtualenv, which reads such a DAG's tasks from its file, "
                f"or keep DAG ids to {TASKS_PATH_ID_MAX} characters", "ecs-dag-tasks",
                severity="warning"))
    return found.sorted()
