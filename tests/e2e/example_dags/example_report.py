"""Example DAG for the end-to-end tier: a report whose last task fails on purpose."""

from __future__ import annotations

from datetime import datetime, timezone

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models.dag import DAG
    from airflow.operators.python import PythonOperator


def query() -> int:
    return 42


def publish() -> None:
    raise RuntimeError("publishing the report fails on purpose")


with DAG(
    dag_id="example_report",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    tags=["example", "reporting"],
    default_args={"owner": "analytics", "retries": 0},
    description="Query, then publish (fails)",
):
    PythonOperator(task_id="query", python_callable=query) >> PythonOperator(
        task_id="publish", python_callable=publish)
