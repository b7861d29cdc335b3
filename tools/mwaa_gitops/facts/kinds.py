"""Workflow kinds: the one table of what runs each kind of OpenMetadata workflow, and where.

A workflow's kind follows from its config the way openmetadata-ingestion derives its pipeline
type: ``source.sourceConfig.config.type`` (``metadata/utils/class_helper.py``,
``SOURCE_CONFIG_TYPE_INGESTION``), or — where a usage or lineage config leaves that type out,
as several of the package's own examples do (``metadata/examples/workflows/*_usage.yaml``) — the
``-usage``/``-lineage`` suffix of ``source.type``. Each kind names:

- the workflow class the python and virtualenv approaches run: the class the ``metadata`` CLI
  creates for it (``metadata/cli/ingest.py``: ``MetadataWorkflow`` for metadata, lineage, dbt;
  ``usage.py``: ``UsageWorkflow``; ``profile.py``: ``ProfilerWorkflow``; ``dataquality.py``:
  ``TestSuiteWorkflow``; ``classify.py``: ``AutoClassificationWorkflow``). The classes sit in
  ``metadata/workflow/*.py`` in every supported line (wheels 1.12.14.2, 1.13.6.3 and 2.0.7.0 on
  PyPI; ``tests/render/test_openmetadata.py`` imports them from each);
- the ECS image's ``pipelineType``: the keys of ``WORKFLOW_MAP`` in the image's entry point
  (OpenMetadata's ``ingestion/operators/docker/main.py``, the release the 1.12/1.13 images
  build from: metadata, usage, lineage, profiler, TestSuite, elasticSearchReindex, dbt). It has
  no entry for ``autoClassification``, so the image cannot run that kind;
- the package extras the kind itself needs beyond its connector's (auto-classification's PII
  processor: ``openmetadata-ingestion[pii-processor]``; dbt's artifact readers: ``[dbt]``);
- the rules it needs (:mod:`mwaa_gitops.check.kind_rules`).

Kinds no approach can run from a workflow file (applications, data insights, reverse ingestion:
run by the OpenMetadata server's own apps) are refused with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

APPROACHES = ("python", "virtualenv", "ecs")
IN_MWAA = ("python", "virtualenv")


@dataclass(frozen=True)
class Kind:
    """One kind of workflow (named by OpenMetadata's ``PipelineType`` value)."""

    name: str
    cli: str  # the `metadata` command that runs it, for messages
    workflow_class: str | None  # dotted path; None: nothing in the package runs it
    pipeline_type: str | None  # the ECS image's pipelineType; None: the image cannot run it
    extras: tuple[str, ...] = ()  # openmetadata-ingestion extras the kind needs itself
    needs: frozenset[str] = frozenset()  # rules of mwaa_gitops.check.kind_rules
    why_not: str = ""  # why no approach can run it, when none can

    def runs_on(self, approach: str) -> bool:
        """Whether ``approach`` can run this kind at all."""
        if approach == "ecs":
            return self.pipeline_type is not None
        return self.workflow_class is not None

    @property
    def approaches(self) -> tuple[str, ...]:
        return tuple(a for a in APPROACHES if self.runs_on(a))


_METADATA = "metadata.workflow.metadata.MetadataWorkflow"
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("metadata", "metadata ingest", _METADATA, "metadata"),
    Kind("lineage", "metadata ingest", _METADATA, "lineage"),
    Kind("usage", "metadata usage", "metadata.workflow.usage.UsageWorkflow", "usage",
         needs=frozenset({"usage-staging"})),
    Kind("dbt", "metadata ingest", _METADATA, "dbt", extras=("dbt",),
         needs=frozenset({"dbt-bucket"})),
    Kind("profiler", "metadata profile", "metadata.workflow.profiler.ProfilerWorkflow",
         "profiler", needs=frozenset({"processor"})),
    Kind("TestSuite", "metadata test", "metadata.workflow.data_quality.TestSuiteWorkflow",
         "TestSuite", needs=frozenset({"processor"})),
    Kind("autoClassification", "metadata classify",
         "metadata.workflow.classification.AutoClassificationWorkflow", None,
         extras=("pii-processor",), needs=frozenset({"processor", "classification-models"})),
    Kind("elasticSearchReindex", "metadata ingest", _METADATA, "elasticSearchReindex"),
    Kind("dataInsight", "", None, None,
         why_not="data insights are computed by the OpenMetadata server's Data Insights "
         "application; no workflow class runs this config"),
    Kind("application", "metadata app", None, None,
         why_not="applications are run by the OpenMetadata server (`metadata app` needs the "
         "application's own Python class, which the ingestion package does not ship)"),
    Kind("reverseIngestion", "", None, None,
         why_not="reverse ingestion is triggered by the OpenMetadata server, not by a workflow "
         "file"),
)}

# sourceConfig.config.type → kind (class_helper's table, by the types' own enum values; a
# test compares it with the installed package's).
CONFIG_TYPES: dict[str, str] = {
    "ApiMetadata": "metadata",
    "DashboardMetadata": "metadata",
    "DatabaseMetadata": "metadata",
    "DriveMetadata": "metadata",
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
    "MetadataToElasticSearch": "elasticSearchReindex",
    "dataInsight": "dataInsight",
    "Application": "application",
    "ReverseIngestion": "reverseIngestion",
}
# sourceConfig.config.type → the kind of service its ingestion pipeline belongs to (the
# `<kind>Service` entity reference, `/services/<kind>Services` collection: class_helper's
# SERVICE_TYPE_REF). Usage, lineage, profiler, dbt and auto-classification read a database
# service's tables; a test suite's pipeline belongs to its test suite, not to a service.
SERVICE_KINDS: dict[str, str] = {
    "ApiMetadata": "api",
    "DashboardMetadata": "dashboard",
    "DatabaseMetadata": "database",
    "DriveMetadata": "drive",
    "McpMetadata": "mcp",
    "MessagingMetadata": "messaging",
    "MlModelMetadata": "mlmodel",
    "PipelineMetadata": "pipeline",
    "SearchMetadata": "search",
    "StorageMetadata": "storage",
    "DatabaseUsage": "database",
    "DatabaseLineage": "database",
    "Profiler": "database",
    "AutoClassification": "database",
    "DBT": "database",
}
# source.type suffixes of the usage and lineage sources (`redshift-usage`, `postgres-lineage`).
SOURCE_SUFFIXES: dict[str, str] = {"-usage": "usage", "-lineage": "lineage"}
SOURCE_CONFIG_TYPE = ("source", "sourceConfig", "config", "type")
SOURCE_TYPE = ("source", "type")


def kind_from_config_type(config_type: object) -> Kind | None:
    """The kind a ``sourceConfig.config.type`` value names (None: not a known type)."""
    name = CONFIG_TYPES.get(config_type) if isinstance(config_type, str) else None
    return KINDS[name] if name else None


def kind_from_source_type(source_type: object) -> Kind | None:
    """The kind a ``source.type`` suffix implies (``-usage``, ``-lineage``), if any."""
    if not isinstance(source_type, str):
        return None
    lowered = source_type.lower().replace("_", "-")
    return next((KINDS[k] for suffix, k in SOURCE_SUFFIXES.items() if lowered.endswith(suffix)),
                None)


def kind_of(config: Mapping[str, Any]) -> Kind:
    """The kind of a workflow config: by ``sourceConfig.config.type``, else by the source
    type's suffix, else a metadata workflow (what ``metadata ingest`` would run)."""
    return kind_from(value_at(config, *SOURCE_CONFIG_TYPE), value_at(config, *SOURCE_TYPE))


def kind_from(config_type: object, source_type: object) -> Kind:
    """:func:`kind_of` from the two values it reads."""
    return (kind_from_config_type(config_type) or kind_from_source_type(source_type)
            or KINDS["metadata"])


def value_at(data: Any, *path: str) -> Any:
    """The value at ``path`` inside nested maps, None where a step is missing or not a map."""
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data
