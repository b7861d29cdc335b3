"""What OpenMetadata needs to know to run a workflow: its pipeline type and workflow class (the
extras it needs: :mod:`mwaa_gitops.connectors`).

The tables mirror ``openmetadata-ingestion``: ``sourceConfig.config.type`` → pipeline type
(``metadata.utils.class_helper``), pipeline type → the workflow class its CLI uses for it
(``metadata.cli``). A test checks them against the installed package.
"""

from __future__ import annotations

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
PACKAGE = "openmetadata-ingestion"


def pipeline_type(workflow: Workflow) -> str:
    """The pipeline type OpenMetadata runs this workflow as (``metadata`` when unknown)."""
    kind = _get(workflow.config, "source", "sourceConfig", "config", "type")
    return PIPELINE_TYPES.get(kind, "metadata") if isinstance(kind, str) else "metadata"


def workflow_class(workflow: Workflow) -> str:
    """Dotted path of the OpenMetadata workflow class that runs this workflow."""
    return WORKFLOW_CLASSES[pipeline_type(workflow)]


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
