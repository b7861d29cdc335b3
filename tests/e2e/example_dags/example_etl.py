"""Example DAG for the end-to-end tier: a small daily ETL that succeeds (a fan-out and a fan-in).

Scheduled: unpaused, the scheduler starts its latest interval's run (``scheduled__...``).
"""

from __future__ import annotations

from datetime import datetime, timezone

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models.dag import DAG
    from airflow.operators.python import PythonOperator


def step(name: str) -> str:
    return f"{name} done"


with DAG(
    dag_id="example_etl",
    schedule="0 0 * * *",
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    tags=["example", "etl"],
    default_args={"owner": "data-eng", "retries": 0},
    description="Extract, two transforms, load",
):
    extract = PythonOperator(task_id="extract", python_callable=step, op_args=["extract"])
    clean = PythonOperator(task_id="clean", python_callable=step, op_args=["clean"])
    enrich = PythonOperator(task_id="enrich", python_callable=step, op_args=["enrich"])
    load = PythonOperator(task_id="load", python_callable=step, op_args=["load"])
    extract >> [clean, enrich] >> load
