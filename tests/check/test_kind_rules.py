"""What each workflow kind needs, reported at the file:line:col that set (or lacks) it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mwaa_gitops.check.kind_rules import kind_rules, workflow_problems
from mwaa_gitops.config import environments
from mwaa_gitops.config.load import load_text
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import Diagnostic
from tests.conftest import Writer

NAME = "environments/base/workflows/wf.yaml"
REDSHIFT = """
    serviceName: warehouse
    serviceConnection:
      config:
        type: Redshift
        hostPort: cluster.example.internal:5439
        username: ingestion
        authType:
          password: secret:/openmetadata/redshift
        database: dev
"""
USAGE = """
source:
  type: redshift-usage
  serviceName: warehouse
  sourceConfig:
    config:
      type: DatabaseUsage
processor:
  type: query-parser
  config: {}
stage:
  type: table-usage
  config:
    filename: /tmp/warehouse_usage
bulkSink:
  type: metadata-usage
  config:
    filename: /tmp/warehouse_usage
"""


def problems(text: str) -> list[Diagnostic]:
    return list(workflow_problems("wf", load_text(textwrap.dedent(text).lstrip("\n"), NAME)))


def codes(text: str) -> list[str]:
    return [d.code for d in problems(text)]


def test_a_complete_usage_workflow_passes() -> None:
    assert problems(USAGE) == []


def test_usage_without_its_stage_names_what_to_add_at_the_source_config_type() -> None:
    (problem,) = problems(USAGE.replace("stage:\n  type: table-usage\n  config:\n"
                                        "    filename: /tmp/warehouse_usage\n", ""))
    assert str(problem.location) == f"{NAME}:6:13"
    assert problem.code == "usage-steps"
    assert "stage is missing" in problem.message
    assert "stage: {type: table-usage}" in (problem.hint or "")


def test_usage_stage_and_bulk_sink_must_share_one_folder() -> None:
    (problem,) = problems(USAGE.replace("    filename: /tmp/warehouse_usage\n",
                                        "    filename: /tmp/usage\n", 1))
    assert problem.code == "usage-staging"
    assert str(problem.location) == f"{NAME}:17:15"
    assert "'/tmp/usage'" in problem.message and "'/tmp/warehouse_usage'" in problem.message


def test_usage_staging_outside_tmp_is_not_writable_on_mwaa() -> None:
    (problem,) = problems(USAGE.replace("/tmp/warehouse_usage", "/usr/local/airflow/usage"))
    assert problem.code == "usage-staging"
    assert str(problem.location) == f"{NAME}:13:15"
    assert "not under /tmp" in problem.message


def test_usage_staging_in_tmp_itself_would_empty_tmp() -> None:
    (problem,) = problems(USAGE.replace("/tmp/warehouse_usage", "/tmp"))
    assert problem.code == "usage-staging"
    assert "/tmp itself" in problem.message


def test_usage_source_with_a_metadata_config_type_loads_the_wrong_source() -> None:
    (problem,) = problems(USAGE.replace("type: DatabaseUsage", "type: DatabaseMetadata"))
    assert problem.code == "kind-mismatch"
    assert str(problem.location) == f"{NAME}:6:13"
    assert "use sourceConfig.config.type 'DatabaseUsage'" in (problem.hint or "")


def test_usage_config_type_with_a_metadata_source_asks_for_the_usage_source() -> None:
    diagnostics = problems(USAGE.replace("type: redshift-usage", "type: redshift"))
    assert [d.code for d in diagnostics] == ["kind-mismatch"]
    assert diagnostics[0].hint == "use source type 'redshift-usage'"


def test_test_suite_without_processor_is_reported() -> None:
    (problem,) = problems("""
        source:
          type: TestSuite
          serviceName: orders_suite
          sourceConfig:
            config:
              type: TestSuite
              entityFullyQualifiedName: warehouse.dev.public.orders
        sink:
          type: metadata-rest
          config: {}
        """)
    assert problem.code == "processor-missing"
    assert "orm-test-runner" in (problem.hint or "")


DBT_S3 = """
source:
  type: dbt
  serviceName: warehouse
  sourceConfig:
    config:
      type: DBT
      dbtConfigSource:
        dbtConfigType: s3
        dbtSecurityConfig:
          awsRegion: eu-west-1
        dbtPrefixConfig:
          dbtBucketName: example-dbt-artifacts
          dbtObjectPrefix: analytics/target
sink:
  type: metadata-rest
  config: {}
"""


def test_dbt_artifacts_from_a_named_bucket_pass() -> None:
    assert problems(DBT_S3) == []


def test_dbt_artifacts_from_s3_without_a_bucket_would_list_every_bucket() -> None:
    (problem,) = problems(DBT_S3.replace("          dbtBucketName: example-dbt-artifacts\n", ""))
    assert problem.code == "dbt-bucket"
    assert str(problem.location) == f"{NAME}:11:9"
    assert "s3:ListAllMyBuckets" in problem.message


CLASSIFY = f"""
source:
  type: redshift
{textwrap.indent(textwrap.dedent(REDSHIFT), '  ').rstrip()}
  sourceConfig:
    config:
      type: AutoClassification
processor:
  type: orm-profiler
  config: {{}}
sink:
  type: metadata-rest
  config: {{}}
"""


def test_profiler_without_processor_fails_before_reading_anything() -> None:
    (problem,) = problems(CLASSIFY.replace("AutoClassification", "Profiler").replace(
        "processor:\n  type: orm-profiler\n  config: {}\n", ""))
    assert problem.code == "processor-missing"
    assert str(problem.location) == f"{NAME}:15:13"
    assert "add processor: {type: orm-profiler" in (problem.hint or "")


def test_auto_classification_warns_that_its_model_downloads_at_run_time() -> None:
    (problem,) = problems(CLASSIFY)
    assert problem.code == "classification-models"
    assert problem.severity == "warning"
    assert "en_core_web_md" in problem.message
    assert "plugins.zip" in (problem.hint or "")


def test_auto_classification_without_pii_detection_downloads_nothing() -> None:
    assert problems(CLASSIFY.replace("type: AutoClassification",
                                     "type: AutoClassification\n"
                                     "      enableAutoClassification: false")) == []


def test_reference_inside_a_longer_text_is_not_resolved_and_says_so() -> None:
    (problem,) = problems(USAGE.replace("serviceName: warehouse",
                                        "serviceName: warehouse_${ENVIRONMENT}"))
    assert problem.code == "embedded-reference"
    assert problem.subject == "source.serviceName"
    assert "${ENVIRONMENT}" in problem.message


def environment_problems(repo: Path, name: str) -> list[Diagnostic]:
    return list(kind_rules(environments.build(Repository(repo), name)))


def test_auto_classification_on_ecs_is_refused_where_the_approach_was_set(
        repo: Path, write: Writer) -> None:
    write("environments/base/workflows/classify.yaml", CLASSIFY.replace(
        "source:", "dag:\n  dagId: classify\n  approach: ecs\nsource:", 1))
    (problem,) = [d for d in environment_problems(repo, "dev") if d.code == "kind-approach"]
    assert str(problem.location) == "environments/base/workflows/classify.yaml:3:13"
    assert "is of kind autoClassification (metadata classify)" in problem.message
    assert "pipelineType values metadata, lineage, usage, dbt, profiler, TestSuite, " \
           "elasticSearchReindex" in problem.message
    assert problem.hint == "use approach python or virtualenv"


def test_usage_workflows_sharing_a_staging_folder_are_reported_once(
        repo: Path, write: Writer) -> None:
    write("environments/base/workflows/usage_a.yaml", "dag:\n  dagId: usage_a\n" + USAGE)
    write("environments/base/workflows/usage_b.yaml", "dag:\n  dagId: usage_b\n" + USAGE.replace(
        "serviceName: warehouse", "serviceName: warehouse_b"))
    (problem,) = [d for d in environment_problems(repo, "dev")
                  if d.code == "usage-staging-shared"]
    assert "'usage_a' and 'usage_b'" in problem.message
    assert problem.location.path == "environments/base/workflows/usage_b.yaml"


def test_server_side_kinds_are_refused_for_every_approach(repo: Path, write: Writer) -> None:
    write("environments/base/workflows/insights.yaml", """
        source:
          type: dataInsight
          serviceName: insights
          sourceConfig:
            config:
              type: dataInsight
        sink:
          type: metadata-rest
          config: {}
        """.replace("\n        ", "\n").lstrip("\n"))
    (problem,) = [d for d in environment_problems(repo, "dev") if d.code == "kind-not-runnable"]
    assert str(problem.location) == "environments/base/workflows/insights.yaml:6:13"
    assert "Data Insights application" in problem.message
