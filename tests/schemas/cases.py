"""Workflow configs that OpenMetadata's model and our schemas must judge alike.

Each case is a complete workflow as `metadata ingest` reads it (no ``dag:`` block), built from
one valid workflow by a small edit, so a case differs from a valid config in exactly one way.
"""

from __future__ import annotations

import copy
from typing import Any

Config = dict[str, Any]

MWAA_DB = "mwaa-metadata.example.internal:5432"


def workflow(connection: dict[str, Any]) -> Config:
    """A complete Airflow-connector workflow reading MWAA through ``connection``."""
    return {
        "source": {
            "type": "airflow",
            "serviceName": "mwaa_airflow",
            "serviceConnection": {"config": {
                "type": "Airflow",
                "hostPort": "https://mwaa.example.internal",
                "numberOfStatus": 10,
                "connection": connection,
            }},
            "sourceConfig": {"config": {"type": "PipelineMetadata", "includeLineage": True}},
        },
        "sink": {"type": "metadata-rest", "config": {}},
        "workflowConfig": {
            "loggerLevel": "INFO",
            "openMetadataServerConfig": {
                "hostPort": "https://openmetadata.example.internal/api",
                "authProvider": "openmetadata",
                "securityConfig": {"jwtToken": "secret:/openmetadata/ingestion-bot/jwt-token"},
                "secretsManagerProvider": "aws",
                "secretsManagerLoader": "noop",
            },
        },
    }


POSTGRES = {"type": "Postgres", "hostPort": MWAA_DB, "database": "AirflowMetadata",
            "username": "adminuser", "authType": {"password": "secret:/openmetadata/mwaa-db"}}
BACKEND = {"type": "Backend"}
CONNECTION = ("source", "serviceConnection", "config", "connection")
SERVER = ("workflowConfig", "openMetadataServerConfig")


def edited(config: Config, path: tuple[str, ...], value: Any) -> Config:
    """``config`` with the value at ``path`` set."""
    out = copy.deepcopy(config)
    *parents, last = path
    node = out
    for key in parents:
        node = node[key]
    node[last] = value
    return out


def without(config: Config, path: tuple[str, ...]) -> Config:
    """``config`` with the key at ``path`` removed."""
    out = copy.deepcopy(config)
    *parents, last = path
    node = out
    for key in parents:
        node = node[key]
    del node[last]
    return out


def renamed(config: Config, path: tuple[str, ...], new: str) -> Config:
    """``config`` with the key at ``path`` spelt ``new``."""
    out = copy.deepcopy(config)
    *parents, last = path
    node = out
    for key in parents:
        node = node[key]
    node[new] = node.pop(last)
    return out


POSTGRES_WORKFLOW = workflow(POSTGRES)

# Valid variants: the model and the schema both accept them.
VALID: dict[str, Config] = {
    "backend connection": workflow(BACKEND),
    "postgres connection, password under authType": POSTGRES_WORKFLOW,
    "mysql connection": workflow({
        "type": "Mysql", "hostPort": "mwaa-metadata.example.internal:3306",
        "username": "airflow", "databaseSchema": "airflow",
        "authType": {"password": "secret:/openmetadata/mwaa-db"}}),
    "sqlite connection": workflow({"type": "SQLite", "databaseMode": "/usr/local/airflow/db"}),
    "rest api connection with mwaa authentication": workflow({
        "type": "RestAPI", "apiVersion": "auto",
        "authConfig": {"mwaaConfig": {"mwaaEnvironmentName": "openmetadata-dev",
                                      "awsConfig": {"awsRegion": "eu-west-1"}}}}),
    "rest api connection with basic authentication": workflow({
        "type": "RestAPI",
        "authConfig": {"username": "admin", "password": "secret:/openmetadata/airflow-api"}}),
    "connection without type, told apart by its keys": workflow(
        {k: v for k, v in POSTGRES.items() if k != "type"}),
    "filter pattern and sink settings": edited(
        edited(POSTGRES_WORKFLOW, ("source", "serviceConnection", "config",
                                   "pipelineFilterPattern"), {"includes": ["^openmetadata_"]}),
        ("sink", "config"), {"bulk_sink_batch_size": 50}),
    "minimal server connection": edited(
        workflow(BACKEND), SERVER, {"hostPort": "http://localhost:8585/api"}),
    # Once narrowed away when only the Airflow connector was checked; the model allows them.
    "a database service as the source's connection": edited(
        POSTGRES_WORKFLOW, ("source", "serviceConnection", "config"), POSTGRES),
    "a dashboard sourceConfig": edited(
        POSTGRES_WORKFLOW, ("source", "sourceConfig", "config"), {"type": "DashboardMetadata"}),
    "another source type": edited(POSTGRES_WORKFLOW, ("source", "type"), "postgres"),
    "another sink": edited(POSTGRES_WORKFLOW, ("sink",), {"type": "file", "config": {}}),
    "no sink": without(POSTGRES_WORKFLOW, ("sink",)),
    "an explicit null for an optional key": edited(
        POSTGRES_WORKFLOW, ("workflowConfig", "loggerLevel"), None),
    "a quoted number where the model takes an integer": edited(
        POSTGRES_WORKFLOW, ("source", "serviceConnection", "config", "numberOfStatus"), "10"),
}

# Real mistakes: the model and the schema both reject them. The path is where the schema
# reports it (the key's parent for unknown or missing keys).
MISTAKES: dict[str, tuple[Config, tuple[str, ...]]] = {
    "loggerLevel WARNING": (
        edited(POSTGRES_WORKFLOW, ("workflowConfig", "loggerLevel"), "WARNING"),
        ("workflowConfig", "loggerLevel")),
    "authProvider jwt": (
        edited(POSTGRES_WORKFLOW, (*SERVER, "authProvider"), "jwt"), (*SERVER, "authProvider")),
    "secretsManagerProvider vault": (
        edited(POSTGRES_WORKFLOW, (*SERVER, "secretsManagerProvider"), "vault"),
        (*SERVER, "secretsManagerProvider")),
    "misspelt serviceConection": (
        renamed(POSTGRES_WORKFLOW, ("source", "serviceConnection"), "serviceConection"),
        ("source",)),
    "misspelt numberOfStatuses": (
        renamed(POSTGRES_WORKFLOW, ("source", "serviceConnection", "config", "numberOfStatus"),
                "numberOfStatuses"),
        ("source", "serviceConnection", "config")),
    "numberOfStatus ten": (
        edited(POSTGRES_WORKFLOW, ("source", "serviceConnection", "config", "numberOfStatus"),
               "ten"),
        ("source", "serviceConnection", "config", "numberOfStatus")),
    "postgres password directly under the connection": (
        edited(POSTGRES_WORKFLOW, CONNECTION, {
            **{k: v for k, v in POSTGRES.items() if k != "authType"},
            "password": "secret:/openmetadata/mwaa-db"}),
        CONNECTION),
    "postgres without username": (without(POSTGRES_WORKFLOW, (*CONNECTION, "username")),
                                  CONNECTION),
    "unknown connection type": (
        edited(POSTGRES_WORKFLOW, (*CONNECTION, "type"), "Mssql"), (*CONNECTION, "type")),
    "connection given as a string": (edited(POSTGRES_WORKFLOW, CONNECTION, "Backend"),
                                     CONNECTION),
    "mwaa authentication without its aws region": (
        workflow({"type": "RestAPI", "authConfig": {"mwaaConfig": {
            "mwaaEnvironmentName": "openmetadata-dev", "awsConfig": {}}}}),
        (*CONNECTION, "authConfig", "mwaaConfig", "awsConfig")),
    "airflow connection without hostPort": (
        without(POSTGRES_WORKFLOW, ("source", "serviceConnection", "config", "hostPort")),
        ("source", "serviceConnection", "config")),
    "jwtToken directly under the server connection": (
        edited(POSTGRES_WORKFLOW, SERVER, {
            "hostPort": "http://localhost:8585/api", "authProvider": "openmetadata",
            "jwtToken": "secret:/openmetadata/ingestion-bot/jwt-token"}),
        SERVER),
    "workflowConfig without a server": (
        without(POSTGRES_WORKFLOW, SERVER), ("workflowConfig",)),
    "successThreshold above 100": (
        edited(POSTGRES_WORKFLOW, ("workflowConfig", "successThreshold"), 150),
        ("workflowConfig", "successThreshold")),
    "misspelt sink setting": (
        edited(POSTGRES_WORKFLOW, ("sink", "config"), {"bulkSinkBatchSize": 50}),
        ("sink", "config")),
    "sink without config": (without(POSTGRES_WORKFLOW, ("sink", "config")), ("sink",)),
    "source without sourceConfig": (
        without(POSTGRES_WORKFLOW, ("source", "sourceConfig")), ("source",)),
}

