"""Example DAG for the end-to-end tier: one task, no dependencies, succeeds."""

from __future__ import annotations

from datetime import datetime, timezone

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models.dag import DAG
    from airflow.operators.python import PythonOperator


def vacuum() -> None:
    pass


with DAG(
    dag_id="example_cleanup",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    tags=["example"],
    default_args={"owner": "data-eng", "retries": 0},
):
    PythonOperator(task_id="vacuum", python_callable=vacuum)
