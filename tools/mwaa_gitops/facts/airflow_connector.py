"""How OpenMetadata's Airflow connector reaches Airflow's pipelines, by Airflow major.

On Airflow 2 a task may read the metadata database, so a ``Backend`` connection (Airflow's own
session) works inside MWAA. On Airflow 3 the task supervisor blocks ORM access in every task
process and blanks ``sql_alchemy_conn`` (``airflow-db-not-allowed:///``), so neither ``Backend``
nor the connection discovery DAG can work there. The ``RestAPI`` connection with MWAA
authentication (``authConfig.mwaaConfig``) calls MWAA's ``InvokeRestApi`` through boto3 instead:
it works on both majors, from MWAA's workers and from ECS, with ``airflow:InvokeRestApi``.
"""

from __future__ import annotations

CONNECTION_PATH = ("source", "serviceConnection", "config", "connection")
MWAA_CONFIG_PATH = (*CONNECTION_PATH, "authConfig", "mwaaConfig")

# Source: openmetadata-ingestion's wheels on PyPI; metadata/ingestion/source/pipeline/airflow/
# api/mwaa.py (the MWAA client behind mwaaConfig) first ships in 1.12.4.0.
MWAA_AUTH_SINCE = (1, 12, 4)

RESTAPI_HINT = ("use the RestAPI connection with MWAA authentication, connection: {type: RestAPI, "
                "authConfig: {mwaaConfig: {}}}, which mwaa-gitops fills with the environment's "
                "name and region; the role that runs the workflow needs airflow:InvokeRestApi")

