"""What OpenMetadata needs to know to run a workflow: its pipeline type, workflow class, extras.

The tables mirror ``openmetadata-ingestion``: ``sourceConfig.config.type`` → pipeline type
(``metadata.utils.class_helper``), pipeline type → the workflow class its CLI uses for it
(``metadata.cli``). A test checks them against the installed package.
"""

from __future__ import annotations

import re
from typing import Any

from mwaa_gitops.model import Workflow

METADATA_WORKFLOW = "metadata.workflow.metadata.MetadataWorkflow"
WORKFLOW_CLASSES = {
    "metadata": METADATA_WORKFLOW,
    "lineage": METADATA_WORKFLOW,
    "dbt": METADATA_WORKFLOW,
    "usage": "metadata.workflow.usage.UsageWorkflow",
    "profiler": "metadata.workflow.profiler.ProfilerWorkflow",
    "autoClassification": "metadata.workflow.classification.AutoClassificationWorkflow",
    "TestSuite": "metadata.workflow.data_quality.TestSuiteWorkflow",
}
PIPELINE_TYPES = {
    "ApiMetadata": "metadata",
    "DashboardMetadata": "metadata",
    "DatabaseMetadata": "metadata",
    "McpMetadata": "metadata",
    "MessagingMetadata": "metadata",
    "MlModelMetadata": "metadata",
    "PipelineMetadata": "metadata",
    "SearchMetadata": "metadata",
    "StorageMetadata": "metadata",
    "DatabaseUsage": "usage",
    "DatabaseLineage": "lineage",
    "Profiler": "profiler",
    "AutoClassification": "autoClassification",
    "TestSuite": "TestSuite",
    "DBT": "dbt",
}
# Source types whose package extra must never be installed into MWAA: `airflow` is the extra
# that brings OpenMetadata's own Airflow, not the Airflow connector.
FORBIDDEN_EXTRAS = frozenset({"airflow"})
# Connections of the Airflow connector that need a database driver.
CONNECTION_EXTRAS = {"Postgres": "postgres", "Mysql": "mysql"}
EXTRA_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PACKAGE = "openmetadata-ingestion"


def pipeline_type(workflow: Workflow) -> str:
    """The pipeline type OpenMetadata runs this workflow as (``metadata`` when unknown)."""
    kind = _get(workflow.config, "source", "sourceConfig", "config", "type")
    return PIPELINE_TYPES.get(kind, "metadata") if isinstance(kind, str) else "metadata"


def workflow_class(workflow: Workflow) -> str:
    """Dotted path of the OpenMetadata workflow class that runs this workflow."""
    return WORKFLOW_CLASSES[pipeline_type(workflow)]


def extras(workflow: Workflow) -> list[str]:
    """``openmetadata-ingestion`` extras this workflow's source needs, sorted."""
    found: set[str] = set()
    source_type = _get(workflow.config, "source", "type")
    if isinstance(source_type, str):
        found.add(re.sub(r"[-_](usage|lineage)$", "", source_type.lower()).replace("_", "-"))
    connection = _get(workflow.config, "source", "serviceConnection", "config", "connection",
                      "type")
    if isinstance(connection, str) and connection in CONNECTION_EXTRAS:
        found.add(CONNECTION_EXTRAS[connection])
    return sorted(e for e in found - FORBIDDEN_EXTRAS if EXTRA_NAME.fullmatch(e))


def requirement(version: str, extra_names: list[str]) -> str:
    """The pinned requirement line, e.g. ``openmetadata-ingestion[postgres]==1.13.6.3``."""
    suffix = f"[{','.join(extra_names)}]" if extra_names else ""
    return f"{PACKAGE}{suffix}=={version}"


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
