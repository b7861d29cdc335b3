"""The example repository itself: every environment validates and renders."""

from __future__ import annotations

import pytest
import yaml

from mwaa_gitops.config.repository import Repository
from mwaa_gitops.render import pipeline, render_environment
from tests.conftest import ROOT

REPO = Repository(ROOT)
ENVIRONMENTS = pipeline.deployable(REPO)


def test_examples_cover_local_dev_and_prod() -> None:
    assert {"local", "dev", "prod"} <= set(ENVIRONMENTS)
    assert "base" not in ENVIRONMENTS


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_example_environment_validates_and_renders_every_workflow(name: str) -> None:
    environment = pipeline.checked_environment(REPO, name)
    tree = render_environment(environment)
    assert environment.workflows
    for workflow in environment.workflows:
        key = f"{environment.mwaa.dags_prefix}/openmetadata/{workflow.name}.yaml"
        assert yaml.safe_load(tree[key]) == workflow.config


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_rendering_is_byte_identical_across_runs(name: str) -> None:
    first = render_environment(pipeline.checked_environment(Repository(ROOT), name))
    second = render_environment(pipeline.checked_environment(Repository(ROOT), name))
    assert first == second


def test_base_holds_a_warehouse_with_usage_and_profiler_dbt_from_s3_and_dashboards() -> None:
    from mwaa_gitops.config import environments
    from mwaa_gitops.facts.kinds import kind_of

    base = environments.build(REPO, "base")
    found = {(kind_of(tree.plain()).name, tree.plain()["source"]["type"])
             for tree in base.workflows.values()}
    assert {("metadata", "redshift"), ("usage", "redshift-usage"), ("profiler", "redshift"),
            ("dbt", "dbt"), ("metadata", "metabase")} <= found
    dbt = base.workflows["dbt_analytics"].plain()["source"]["sourceConfig"]["config"]
    assert dbt["dbtConfigSource"]["dbtConfigType"] == "s3"
    # Each has an overlay in every deployable environment that changes something real.
    for name in ("redshift_metadata", "dbt_analytics", "metabase_dashboards"):
        for env in ("dev", "prod"):
            assert (REPO.root / "environments" / env / "workflows" / f"{name}.yaml").is_file()
