"""The kinds table: a workflow's kind from its config, and what each approach can run."""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_gitops.facts import kinds


def config(source_type: str, config_type: str | None) -> dict[str, Any]:
    source_config: dict[str, Any] = {"config": {"type": config_type} if config_type else {}}
    return {"source": {"type": source_type, "sourceConfig": source_config}}


@pytest.mark.parametrize(("source_type", "config_type", "kind"), [
    ("redshift", "DatabaseMetadata", "metadata"),
    ("metabase", "DashboardMetadata", "metadata"),
    ("redshift-usage", "DatabaseUsage", "usage"),
    ("snowflake-usage", None, "usage"),  # the package's own snowflake_usage.yaml has no type
    ("oracle-lineage", None, "lineage"),
    ("unity_catalog_usage", None, "usage"),
    ("redshift", "Profiler", "profiler"),
    ("redshift", "AutoClassification", "autoClassification"),
    ("TestSuite", "TestSuite", "TestSuite"),
    ("dbt", "DBT", "dbt"),
    ("metadata_elasticsearch", "MetadataToElasticSearch", "elasticSearchReindex"),
    ("airflow", None, "metadata"),
])
def test_kind_follows_the_source_config_type_then_the_source_type_suffix(
        source_type: str, config_type: str | None, kind: str) -> None:
    assert kinds.kind_of(config(source_type, config_type)).name == kind


@pytest.mark.parametrize(("kind", "workflow_class", "pipeline_type"), [
    ("metadata", "metadata.workflow.metadata.MetadataWorkflow", "metadata"),
    ("lineage", "metadata.workflow.metadata.MetadataWorkflow", "lineage"),
    ("dbt", "metadata.workflow.metadata.MetadataWorkflow", "dbt"),
    ("usage", "metadata.workflow.usage.UsageWorkflow", "usage"),
    ("profiler", "metadata.workflow.profiler.ProfilerWorkflow", "profiler"),
    ("TestSuite", "metadata.workflow.data_quality.TestSuiteWorkflow", "TestSuite"),
    ("autoClassification", "metadata.workflow.classification.AutoClassificationWorkflow", None),
])
def test_each_kind_names_the_class_the_metadata_cli_uses_and_the_image_pipeline_type(
        kind: str, workflow_class: str, pipeline_type: str | None) -> None:
    assert kinds.KINDS[kind].workflow_class == workflow_class
    assert kinds.KINDS[kind].pipeline_type == pipeline_type


def test_auto_classification_runs_in_mwaa_but_not_in_the_ingestion_image() -> None:
    kind = kinds.KINDS["autoClassification"]
    assert kind.approaches == ("python", "virtualenv")
    assert "pii-processor" in kind.extras


@pytest.mark.parametrize("name", ["dataInsight", "application", "reverseIngestion"])
def test_server_side_kinds_run_on_no_approach_and_say_why(name: str) -> None:
    kind = kinds.KINDS[name]
    assert kind.approaches == ()
    assert kind.why_not


def test_every_config_type_names_a_kind_of_the_table() -> None:
    assert set(kinds.CONFIG_TYPES.values()) <= set(kinds.KINDS)
    assert {k.name for k in kinds.KINDS.values()} == set(kinds.KINDS)


def test_ecs_pipeline_types_are_exactly_those_the_image_entry_point_maps() -> None:
    from tests.support.ingestion_entrypoint import WORKFLOWS

    ours = {k.pipeline_type: k.workflow_class for k in kinds.KINDS.values() if k.pipeline_type}
    assert ours == WORKFLOWS
