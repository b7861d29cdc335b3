"""The ``IngestionPipeline`` of each workflow, as ``sync`` registers it in OpenMetadata.

A pure function of the checked environment, like the bucket's files: one
``CreateIngestionPipelineRequest`` (``PUT /api/v1/services/ingestionPipelines``) per workflow,
keyed by the ``ingestionPipelineFQN`` its config names, without what only the server knows (the
service's id, the owners' ids), which ``sync`` looks up when it registers. The request's digest
is what the registration record keeps, as the manifest keeps each file's.

What it holds: the name, a display name and description that point back at the DAG, the
pipeline type (the workflow's kind), the ``sourceConfig``, the DAG's schedule, start date,
retries and timeout as ``airflowConfig``, the logger level, ``enableStreamableLogs`` and the
service (by name and kind). A test suite's pipeline belongs to its test suite, which the
framework finds itself at the first run: it is not registered here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mwaa_gitops.config.ingestion_pipeline import FQN_KEY, LOGS_KEY, SERVICE_PATH, split_fqn
from mwaa_gitops.config.model import Environment, Workflow
from mwaa_gitops.diagnostics import Location
from mwaa_gitops.facts import kinds


@dataclass(frozen=True)
class PipelineRequest:
    """One workflow's ingestion pipeline, as far as git decides it."""

    fqn: str
    workflow: str
    service: str  # the service's name (its FQN)
    service_kind: str  # `pipeline` → `/services/pipelineServices`, reference `pipelineService`
    owner: str  # the DAG's owner: a user or team of that name becomes the pipeline's owner
    body: dict[str, Any]  # the create request without `service` and `owners`
    where: Location  # source.serviceName: where a refusal about the service points

    @property
    def digest(self) -> str:
        """SHA-256 of everything git decides about the pipeline."""
        text = json.dumps([self.body, self.service, self.service_kind, self.owner],
                          sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def collection(self) -> str:
        return f"/services/{self.service_kind}Services"

    @property
    def reference_type(self) -> str:
        return f"{self.service_kind}Service"


def service_kind(workflow: Workflow) -> str | None:
    """The kind of service the workflow's pipeline belongs to; None: not a service's."""
    config_type = kinds.value_at(workflow.config, *kinds.SOURCE_CONFIG_TYPE)
    found = kinds.SERVICE_KINDS.get(config_type) if isinstance(config_type, str) else None
    if found is None and kinds.kind_of(workflow.config).name in ("usage", "lineage"):
        return "database"  # a usage or lineage source named by its type's suffix
    return found


def pipeline_request(env: Environment, workflow: Workflow) -> PipelineRequest | None:
    """The workflow's ingestion pipeline; None for one that is not a service's."""
    fqn = workflow.config.get(FQN_KEY)
    service = kinds.value_at(workflow.config, *SERVICE_PATH)
    kind = service_kind(workflow)
    if not isinstance(fqn, str) or not isinstance(service, str) or kind is None:
        return None
    name = split_fqn(fqn)[-1]
    dag = workflow.dag
    airflow: dict[str, Any] = {
        "startDate": f"{dag.start_date}T00:00:00Z",
        "retries": dag.retries,
        "retryDelay": dag.retry_delay_minutes * 60,
        "maxActiveRuns": dag.max_active_runs,
    }
    if dag.schedule is not None:
        airflow["scheduleInterval"] = dag.schedule
    if dag.timeout_minutes is not None:
        airflow["workflowTimeout"] = dag.timeout_minutes * 60
    body: dict[str, Any] = {
        "name": name,
        "displayName": name,
        "description": f"Runs in MWAA environment `{env.mwaa.environment_name}` as DAG "
                       f"`{dag.dag_id}` ({dag.approach}); registered by mwaa-gitops from "
                       f"`environments/` ({env.name}): change it there, not here.",
        "pipelineType": kinds.kind_of(workflow.config).name,
        "sourceConfig": kinds.value_at(workflow.config, "source", "sourceConfig"),
        "airflowConfig": airflow,
        "enableStreamableLogs": workflow.config.get(LOGS_KEY) is True,
    }
    level = kinds.value_at(workflow.config, "workflowConfig", "loggerLevel")
    if isinstance(level, str):
        body["loggerLevel"] = level
    node = workflow.tree.get(*SERVICE_PATH)
    where = node.location if node is not None else workflow.tree.location
    return PipelineRequest(fqn, workflow.name, service, kind, dag.owner, body, where)


def pipeline_requests(env: Environment) -> dict[str, PipelineRequest]:
    """Every workflow's ingestion pipeline by FQN (the checks keep the FQNs unique)."""
    found = (pipeline_request(env, workflow) for workflow in env.workflows)
    return {request.fqn: request for request in found if request is not None}
