"""Typed views of a checked environment: what render, plan and apply read.

Built only after the schema and domain checks passed, so the accessors trust their input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import Location

if TYPE_CHECKING:
    from mwaa_gitops.config.environments import MergedEnvironment

# Keys of a workflow file that are OpenMetadata's; everything else (``dag``) is ours.
DAG_KEY = "dag"


@dataclass(frozen=True)
class MwaaSettings:
    environment_name: str
    region: str
    airflow_version: str
    target: str  # s3://bucket[/prefix] or file://path
    endpoint_url: str | None
    dags_prefix: str
    requirements_path: str
    plugins_path: str
    startup_script_path: str | None
    # The environment settings this repository owns (``mwaa.owns``): ``requirements``,
    # ``plugins``, ``startupScript``. Only those are uploaded and set with UpdateEnvironment.
    owns: frozenset[str] = frozenset()
    # Where ``mwaa.privateNetwork: true`` was set (None: the workers reach a package index).
    private_network: Location | None = None
    # The python approach installs under custom constraints from locks/ (opt-in).
    custom_constraints: bool = False

    @property
    def airflow_major(self) -> int:
        return int(self.airflow_version.split(".")[0])

    @property
    def s3_location(self) -> tuple[str, str] | None:
        """The bucket and prefix of an ``s3://`` target; None for a target of another store
        (what an ECS task can read from S3 depends on it)."""
        scheme, _, location = self.target.partition("://")
        if scheme != "s3":
            return None
        bucket, _, prefix = location.partition("/")
        return bucket, prefix.strip("/")


DEFAULT_TOKEN_VARIABLE = "OPENMETADATA_TOKEN"


@dataclass(frozen=True)
class OpenMetadataSettings:
    ingestion_version: str
    server_version: str
    server: dict[str, Any]
    # sync registers each workflow's IngestionPipeline (docs/openmetadata.md).
    register_pipelines: bool = False
    token_variable: str = DEFAULT_TOKEN_VARIABLE  # where CI holds the token for that


@dataclass(frozen=True)
class EcsSettings:
    cluster: str
    task_definition: str
    launch_type: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    assign_public_ip: str
    container_name: str
    log_group: str
    log_stream_prefix: str
    command: tuple[str, ...]  # the ingestion image's entry point


@dataclass(frozen=True)
class DiscoverySettings:
    """The connection discovery DAG: where it stores the metadata database password."""

    enabled: bool
    dag_id: str
    secret_id: str | None  # AWS Secrets Manager secret (default when neither is set)
    variable: str | None  # or an Airflow Variable


DEFAULT_DISCOVERY_SECRET = "/openmetadata/mwaa-metadata-db/password"


@dataclass(frozen=True)
class DagSettings:
    dag_id: str
    schedule: str | None
    approach: str
    retries: int
    retry_delay_minutes: int
    tags: tuple[str, ...]
    owner: str
    enabled: bool
    start_date: str
    max_active_runs: int
    timeout_minutes: int | None
    paused: bool | None = None  # None: Airflow's default (MWAA creates DAGs paused)


@dataclass(frozen=True)
class Workflow:
    """One OpenMetadata workflow as it will run in an environment."""

    name: str
    dag: DagSettings
    config: dict[str, Any]  # exactly what `metadata ingest` reads (no `dag:` block)
    tree: Node


@dataclass(frozen=True)
class Environment:
    name: str
    chain: tuple[str, ...]
    mwaa: MwaaSettings
    openmetadata: OpenMetadataSettings
    ecs: EcsSettings | None
    workflows: tuple[Workflow, ...]
    discovery: DiscoverySettings
    settings: dict[str, Any]
    root: Path | None = None  # the repository's root: where its locks/ are


def environment_from(merged: MergedEnvironment) -> Environment:
    """The typed view of a merged environment that passed its checks."""
    s = merged.settings.plain()
    mwaa = s["mwaa"]
    om = s["openmetadata"]
    ecs = s.get("ecs")
    discovery = s.get("discovery") or {}
    workflows = tuple(
        workflow_from(name, tree)
        for name, tree in merged.workflows.items()
        if _enabled(tree)
    )
    return Environment(
        name=merged.name,
        chain=merged.chain,
        mwaa=MwaaSettings(
            environment_name=mwaa["environmentName"],
            region=mwaa["region"],
            airflow_version=str(mwaa["airflowVersion"]),
            target=mwaa["target"],
            endpoint_url=mwaa.get("endpointUrl"),
            dags_prefix=mwaa.get("dagsPrefix", "dags").strip("/"),
            requirements_path=mwaa.get("requirementsPath", "requirements.txt"),
            plugins_path=mwaa.get("pluginsPath", "plugins.zip"),
            startup_script_path=mwaa.get("startupScriptPath"),
            owns=frozenset(mwaa.get("owns", ())),
            private_network=_private_network(merged.settings),
            custom_constraints=bool(mwaa.get("customConstraints", False)),
        ),
        openmetadata=OpenMetadataSettings(
            ingestion_version=str(om["ingestionVersion"]),
            server_version=str(om["serverVersion"]),
            server=om.get("server", {}),
            register_pipelines=om.get("registerPipelines", False),
            token_variable=om.get("tokenVariable", DEFAULT_TOKEN_VARIABLE),
        ),
        ecs=EcsSettings(
            cluster=ecs["cluster"],
            task_definition=ecs["taskDefinition"],
            launch_type=ecs.get("launchType", "FARGATE"),
            subnets=tuple(ecs.get("subnets", ())),
            security_groups=tuple(ecs.get("securityGroups", ())),
            assign_public_ip=ecs.get("assignPublicIp", "DISABLED"),
            container_name=ecs["containerName"],
            log_group=ecs["logGroup"],
            log_stream_prefix=ecs.get("logStreamPrefix", "ingestion"),
            command=tuple(ecs.get("command", ("python", "main.py"))),
        ) if ecs else None,
        workflows=workflows,
        discovery=DiscoverySettings(
            enabled=discovery.get("enabled", False),
            dag_id=discovery.get("dagId", "openmetadata_connection_discovery"),
            secret_id=discovery.get("secretId") if "variable" in discovery
            else discovery.get("secretId", DEFAULT_DISCOVERY_SECRET),
            variable=discovery.get("variable"),
        ),
        settings=s,
        root=merged.root,
    )


def _private_network(settings: Node) -> Location | None:
    node = settings.get("mwaa", "privateNetwork")
    return node.location if node is not None and node.value is True else None


def _enabled(tree: Node) -> bool:
    """``dag.enabled`` (true unless set), read without converting the whole tree."""
    enabled = tree.get(DAG_KEY, "enabled")
    return enabled is None or bool(enabled.value)


def workflow_from(name: str, tree: Node) -> Workflow:
    data = tree.plain()
    dag = data.get(DAG_KEY, {})
    config = {k: v for k, v in data.items() if k != DAG_KEY}
    ordered = {k: config[k] for k in ("source", "processor", "stage", "bulkSink", "sink",
                                      "workflowConfig", "ingestionPipelineFQN", "pipelineRunId")
               if k in config}
    ordered.update({k: v for k, v in config.items() if k not in ordered})
    return Workflow(
        name=name,
        dag=DagSettings(
            dag_id=dag.get("dagId", name),
            schedule=dag.get("schedule"),
            approach=dag.get("approach", "python"),
            retries=dag.get("retries", 0),
            retry_delay_minutes=dag.get("retryDelayMinutes", 5),
            tags=tuple(dag.get("tags", ())),
            owner=dag.get("owner", "airflow"),
            enabled=dag.get("enabled", True),
            start_date=str(dag.get("startDate", "2024-01-01")),
            max_active_runs=dag.get("maxActiveRuns", 1),
            timeout_minutes=dag.get("timeoutMinutes"),
            paused=dag.get("paused"),
        ),
        config=ordered,
        tree=tree,
    )
