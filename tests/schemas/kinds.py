"""One valid workflow per kind, modelled on the examples openmetadata-ingestion ships
(``metadata/examples/workflows/``), and the realistic single mistakes made in each.

A mistake is an edit of one valid workflow plus what a good message says about it: the path it
is reported at, the token in the written YAML it points at, and a word naming the branch the
user meant (the connector, the sourceConfig type). Secrets are references, so the only
problems a check finds are the mistakes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from tests.schemas.cases import Config, edited, without

JWT = "secret:/openmetadata/ingestion-bot/jwt-token"
SERVER = {"hostPort": "https://openmetadata.example.internal/api", "authProvider": "openmetadata",
          "securityConfig": {"jwtToken": JWT}}
CONNECTION = ("source", "serviceConnection", "config")
SOURCE_CONFIG = ("source", "sourceConfig", "config")
METADATA_SINK = {"type": "metadata-rest", "config": {}}

SNOWFLAKE = {"type": "Snowflake", "username": "ingestion", "account": "xy12345.eu-west-1",
             "warehouse": "COMPUTE_WH", "password": "secret:/openmetadata/snowflake"}
REDSHIFT = {"type": "Redshift", "hostPort": "analytics.example.internal:5439",
            "username": "ingestion", "database": "dev",
            "authType": {"password": "secret:/openmetadata/redshift"}}
POSTGRES = {"type": "Postgres", "hostPort": "orders-db.example.internal:5432",
            "username": "ingestion", "database": "orders",
            "authType": {"password": "secret:/openmetadata/orders-db"}}
FILTER = {"includes": ["^PUBLIC$"]}


def workflow(source_type: str, connection: dict[str, Any] | None, source_config: Config,
             **steps: Config) -> Config:
    source: Config = {"type": source_type, "serviceName": f"{source_type}_service"}
    if connection is not None:
        source["serviceConnection"] = {"config": connection}
    source["sourceConfig"] = {"config": source_config}
    return {"source": source, **steps, "workflowConfig": {"openMetadataServerConfig": SERVER}}


USAGE_STEPS = {
    "processor": {"type": "query-parser", "config": {}},
    "stage": {"type": "table-usage", "config": {"filename": "/tmp/snowflake_usage"}},
    "bulkSink": {"type": "metadata-usage", "config": {"filename": "/tmp/snowflake_usage"}},
}

KINDS: dict[str, Config] = {
    "metadata": workflow("snowflake", SNOWFLAKE, {
        "type": "DatabaseMetadata", "schemaFilterPattern": FILTER, "includeViews": True},
        sink=METADATA_SINK),
    "usage": workflow("snowflake-usage", SNOWFLAKE, {
        "type": "DatabaseUsage", "queryLogDuration": 1, "resultLimit": 1000}, **USAGE_STEPS),
    "lineage": workflow("snowflake-lineage", SNOWFLAKE, {
        "type": "DatabaseLineage", "queryLogDuration": 1, "resultLimit": 1000,
        "schemaFilterPattern": FILTER}, sink=METADATA_SINK),
    "profiler": workflow("redshift", REDSHIFT, {
        "type": "Profiler", "schemaFilterPattern": FILTER},
        processor={"type": "orm-profiler", "config": {}}, sink=METADATA_SINK),
    "test suite": workflow("TestSuite", POSTGRES, {
        "type": "TestSuite", "entityFullyQualifiedName": "orders_db.orders.public.orders"},
        processor={"type": "orm-test-runner", "config": {"testCases": [{
            "name": "orders_row_count", "testDefinitionName": "tableRowCountToBeBetween",
            "parameterValues": [{"name": "minValue", "value": "1"}]}]}},
        sink=METADATA_SINK),
    "dbt": workflow("dbt", None, {
        "type": "DBT", "schemaFilterPattern": FILTER,
        "dbtConfigSource": {"dbtConfigType": "s3",
                            "dbtSecurityConfig": {"awsRegion": "eu-west-1"},
                            "dbtPrefixConfig": {"dbtBucketName": "analytics-dbt-artifacts",
                                                "dbtObjectPrefix": "target"}}},
        sink=METADATA_SINK),
    "dashboard": workflow("metabase", {
        "type": "Metabase", "hostPort": "https://metabase.example.internal",
        "username": "ingestion", "password": "secret:/openmetadata/metabase"}, {
        "type": "DashboardMetadata", "dashboardFilterPattern": {"includes": ["^Sales"]}},
        sink=METADATA_SINK),
    "messaging": workflow("kafka", {
        "type": "Kafka", "bootstrapServers": "kafka.example.internal:9092",
        "schemaRegistryURL": "https://schema-registry.example.internal"}, {
        "type": "MessagingMetadata", "topicFilterPattern": {"excludes": ["^_confluent"]}},
        sink=METADATA_SINK),
    "classification": workflow("redshift", REDSHIFT, {
        "type": "AutoClassification", "schemaFilterPattern": FILTER, "storeSampleData": False},
        processor={"type": "orm-profiler", "config": {}}, sink=METADATA_SINK),
}


@dataclass(frozen=True)
class Mistake:
    """One edit of a kind's valid workflow, and what its message must say."""

    config: Config
    where: tuple[str, ...]  # the path the problem is reported at
    marker: str  # the YAML text the message points at: a key ("name:") or a value
    says: str  # a word the message or its hint must contain: the branch meant, the key


def _renamed_key(config: Config, path: tuple[str, ...], old: str, new: str) -> Config:
    out = copy.deepcopy(config)
    node = out
    for key in path:
        node = node[key]
    node[new] = node.pop(old)
    return out


def _connection_mistakes(kind: str, config: Config) -> dict[str, Mistake]:
    connection = config["source"]["serviceConnection"]["config"]
    name = connection["type"]
    misspelt = name[:-1]
    required = {"Snowflake": "account", "Redshift": "database", "Postgres": "username",
                "Metabase": "hostPort", "Kafka": "bootstrapServers"}[name]
    unknown = {"Snowflake": "warehouse", "Redshift": "hostPort", "Postgres": "hostPort",
               "Metabase": "hostPort", "Kafka": "schemaRegistryURL"}[name]
    typo = unknown.lower() if unknown.lower() != unknown else unknown + "s"
    return {
        f"{kind}: misspelt connection type": Mistake(
            edited(config, (*CONNECTION, "type"), misspelt), (*CONNECTION, "type"),
            misspelt, name),
        f"{kind}: unknown key in the connection": Mistake(
            _renamed_key(config, CONNECTION, unknown, typo), CONNECTION, f"{typo}:", unknown),
        f"{kind}: required connection field removed": Mistake(
            without(config, (*CONNECTION, required)), CONNECTION, "config:", required),
    }


def _source_config_mistakes(kind: str, config: Config) -> dict[str, Mistake]:
    source_config = config["source"]["sourceConfig"]["config"]
    name = source_config["type"]
    found = {f"{kind}: misspelt sourceConfig type": Mistake(
        edited(config, (*SOURCE_CONFIG, "type"), name + "s"), (*SOURCE_CONFIG, "type"),
        name + "s", name)}
    pattern = next((key for key in source_config if key.endswith("FilterPattern")), None)
    if pattern:
        found[f"{kind}: filter pattern given as a string"] = Mistake(
            edited(config, (*SOURCE_CONFIG, pattern), "^PUBLIC$"), (*SOURCE_CONFIG, pattern),
            "^PUBLIC$", "object")
    return found


def _dbt_mistakes(config: Config) -> dict[str, Mistake]:
    source = (*SOURCE_CONFIG, "dbtConfigSource")
    return {
        "dbt: misspelt dbtConfigType": Mistake(
            edited(config, (*source, "dbtConfigType"), "S3"), (*source, "dbtConfigType"),
            "S3", "s3"),
        "dbt: required artifact setting removed": Mistake(
            without(config, (*source, "dbtSecurityConfig")), source, "dbtConfigSource:",
            "dbtSecurityConfig"),
        "dbt: unknown key in the artifact source": Mistake(
            _renamed_key(config, (*source, "dbtPrefixConfig"), "dbtBucketName", "dbtBucket"),
            (*source, "dbtPrefixConfig"), "dbtBucket:", "dbtBucketName"),
    }


def _mistakes() -> dict[str, Mistake]:
    found: dict[str, Mistake] = {}
    for kind, config in KINDS.items():
        if "serviceConnection" in config["source"]:
            found.update(_connection_mistakes(kind, config))
        found.update(_source_config_mistakes(kind, config))
    found.update(_dbt_mistakes(KINDS["dbt"]))
    # Another kind's sourceConfig type: that kind's fields are checked, and this one's are not
    # among them.
    found["metadata: sourceConfig type of another kind"] = Mistake(
        edited(KINDS["metadata"], (*SOURCE_CONFIG, "type"), "DatabaseUsage"), SOURCE_CONFIG,
        "includeViews:", "queryLogDuration")
    found["usage: sourceConfig type of another kind"] = Mistake(
        edited(KINDS["usage"], (*SOURCE_CONFIG, "type"), "DatabaseMetadata"), SOURCE_CONFIG,
        "resultLimit:", "DatabaseServiceMetadataPipeline")
    return found


MISTAKES: dict[str, Mistake] = _mistakes()
