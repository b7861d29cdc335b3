"""Example DAG for the end-to-end tier: an id as long as Airflow 2 takes it in practice.

Airflow's id columns take 250 characters, but Airflow 2's permission for a DAG's runs is named
``DAG Run:<id>`` in a 250-character column (a longer id is never serialized), so 240. Every
per-DAG path of the REST API is longer than InvokeRestApi's 64 characters for it.
"""

from __future__ import annotations

from datetime import datetime, timezone

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models.dag import DAG
    from airflow.operators.python import PythonOperator


def step() -> None:
    pass


with DAG(
    dag_id="example_long_" + "x" * 227,
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    tags=["example", "long"],
    default_args={"owner": "data-eng", "retries": 0},
    description="A DAG id of 240 characters",
):
    PythonOperator(task_id="first", python_callable=step) >> PythonOperator(
        task_id="second", python_callable=step)
