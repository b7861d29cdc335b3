"""Workflow kinds the bench repository mixes, one workflow file each (``{n}`` numbers it).

Field names and shapes follow the example workflows that openmetadata-ingestion ships
(``metadata/examples/workflows/`` in its wheel: mysql, postgres_usage, snowflake_lineage,
mysql_profiler, dbt, looker, kafka, mlflow); credentials are secret references, as this
product requires. They run on ECS (the ingestion image runs every kind), except the Airflow
connector's own workflows, which the bench takes from ``environments/base``. ``OVERLAYS`` is
what each environment changes in half of them.
"""

from __future__ import annotations

DAG = """\
dag:
  approach: ecs
  schedule: "{minute} */6 * * *"
  tags: !append [{kind}]
"""

KINDS: dict[str, str] = {
    "mysql_metadata": """\
source:
  type: mysql
  serviceName: mysql_{n}
  serviceConnection:
    config:
      type: Mysql
      username: openmetadata_reader
      authType:
        password: secret:/openmetadata/mysql-{n}/password
      hostPort: mysql-{n}.example.internal:3306
      databaseSchema: sales
  sourceConfig:
    config:
      type: DatabaseMetadata
      includeViews: true
      schemaFilterPattern:
        excludes: [information_schema, performance_schema]
sink:
  type: metadata-rest
  config: {{}}
workflowConfig:
  loggerLevel: INFO
""",
    "postgres_usage": """\
source:
  type: postgres-usage
  serviceName: postgres_{n}
  serviceConnection:
    config:
      type: Postgres
      username: openmetadata_reader
      authType:
        password: secret:/openmetadata/postgres-{n}/password
      hostPort: postgres-{n}.example.internal:5432
      database: warehouse
  sourceConfig:
    config:
      type: DatabaseUsage
      queryLogDuration: 1
      resultLimit: 1000
processor:
  type: query-parser
  config: {{}}
stage:
  type: table-usage
  config:
    filename: /tmp/postgres_usage_{n}
bulkSink:
  type: metadata-usage
  config:
    filename: /tmp/postgres_usage_{n}
workflowConfig:
  loggerLevel: INFO
""",
    "snowflake_lineage": """\
source:
  type: snowflake-lineage
  serviceName: snowflake_{n}
  sourceConfig:
    config:
      type: DatabaseLineage
      queryLogDuration: 1
      resultLimit: 10000
sink:
  type: metadata-rest
  config: {{}}
workflowConfig:
  loggerLevel: INFO
""",
    "mysql_profiler": """\
source:
  type: mysql
  serviceName: mysql_profiled_{n}
  serviceConnection:
    config:
      type: Mysql
      username: openmetadata_reader
      authType:
        password: secret:/openmetadata/mysql-{n}/password
      hostPort: mysql-{n}.example.internal:3306
  sourceConfig:
    config:
      type: Profiler
      schemaFilterPattern:
        includes: [sales]
processor:
  type: orm-profiler
  config: {{}}
sink:
  type: metadata-rest
  config: {{}}
workflowConfig:
  loggerLevel: INFO
""",
    "dbt": """\
source:
  type: dbt
  serviceName: warehouse_{n}
  sourceConfig:
    config:
      type: DBT
      dbtConfigSource:
        dbtConfigType: http
        dbtCatalogHttpPath: https://dbt-{n}.example.internal/catalog.json
        dbtManifestHttpPath: https://dbt-{n}.example.internal/manifest.json
        dbtRunResultsHttpPath: https://dbt-{n}.example.internal/run_results.json
      dbtUpdateDescriptions: true
      includeTags: true
sink:
  type: metadata-rest
  config: {{}}
workflowConfig:
  loggerLevel: INFO
""",
    "looker_dashboard": """\
source:
  type: looker
  serviceName: looker_{n}
  serviceConnection:
    config:
      type: Looker
      clientId: openmetadata-{n}
      clientSecret: secret:/openmetadata/looker-{n}/client-secret
      hostPort: https://looker-{n}.example.internal
  sourceConfig:
    config:
      type: DashboardMetadata
      dashboardFilterPattern:
        includes: [".*"]
sink:
  type: metadata-rest
  config: {{}}
workflowConfig:
  loggerLevel: INFO
""",
    "kafka_messaging": """\
source:
  type: kafka
  serviceName: kafka_{n}
  serviceConnection:
    config:
      type: Kafka
      bootstrapServers: kafka-{n}.example.internal:9092
      schemaRegistryURL: https://schema-registry-{n}.example.internal
  sourceConfig:
    config:
      type: MessagingMetadata
      topicFilterPattern:
        excludes: [_confluent.*]
sink:
  type: metadata-rest
  config: {{}}
workflowConfig:
  loggerLevel: INFO
""",
    "mlflow_models": """\
source:
  type: mlflow
  serviceName: mlflow_{n}
  serviceConnection:
    config:
      type: Mlflow
      trackingUri: https://mlflow-{n}.example.internal
      registryUri: https://mlflow-{n}.example.internal
  sourceConfig:
    config:
      type: MlModelMetadata
sink:
  type: metadata-rest
  config: {{}}
workflowConfig:
  loggerLevel: INFO
""",
}

# What an environment overlay sets in its half of the workflows (besides the dag block).
OVERLAYS: dict[str, str] = {
    "mysql_metadata": "source:\n  serviceConnection:\n    config:\n"
                      "      hostPort: {env}-mysql-{n}.example.internal:3306\n",
    "postgres_usage": "source:\n  sourceConfig:\n    config:\n      resultLimit: 5000\n",
    "snowflake_lineage": "source:\n  sourceConfig:\n    config:\n      queryLogDuration: 2\n",
    "mysql_profiler": "source:\n  sourceConfig:\n    config:\n"
                      "      schemaFilterPattern: !replace\n        includes: [{env}_sales]\n",
    "dbt": "source:\n  sourceConfig:\n    config:\n      dbtUpdateDescriptions: false\n",
    "looker_dashboard": "source:\n  serviceConnection:\n    config:\n"
                        "      hostPort: https://{env}-looker-{n}.example.internal\n",
    "kafka_messaging": "source:\n  serviceConnection:\n    config:\n"
                       "      bootstrapServers: {env}-kafka-{n}.example.internal:9092\n",
    "mlflow_models": "workflowConfig:\n  loggerLevel: DEBUG\n",
}
