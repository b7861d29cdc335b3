"""render_environment: the bucket tree of an environment, laid out and decided at render time."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from mwaa_gitops.config.model import Environment, Workflow
from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.facts import mwaa_releases
from mwaa_gitops.facts.connectors import workflow_extras
from mwaa_gitops.render import ecs as ecs_render
from mwaa_gitops.render import render_environment
from mwaa_gitops.render.configs import dump_config
from mwaa_gitops.render.dags import venv_requirements
from mwaa_gitops.render.mwaa import NOTHING_TO_INSTALL
from mwaa_gitops.render.pipelines import pipeline_type, workflow_class
from mwaa_gitops.render.templates import settings_of
from tests.conftest import Writer
from tests.render.conftest import EXAMPLES, environment, python_variant

PREFIX = "dags/openmetadata"


def workflow(env: Environment, approach: str) -> Workflow:
    return next(wf for wf in env.workflows if wf.dag.approach == approach)


def with_workflow(env: Environment, replaced: Workflow) -> Environment:
    workflows = tuple(replaced if wf.name == replaced.name else wf for wf in env.workflows)
    return dataclasses.replace(env, workflows=workflows)


def with_config(wf: Workflow, **source_config: object) -> Workflow:
    config = json.loads(json.dumps(wf.config))
    config["source"]["sourceConfig"]["config"].update(source_config)
    return dataclasses.replace(wf, config=config)


def settings(tree: dict[str, bytes], name: str) -> dict[str, object]:
    return settings_of(tree[f"{PREFIX}/{name}.py"].decode())


@pytest.mark.parametrize("name", EXAMPLES)
def test_rendering_twice_gives_byte_identical_trees(name: str) -> None:
    env = environment(name)
    discovery = env.mwaa.airflow_major < 3  # Airflow 2 only
    assert render_environment(env, discovery=discovery) == \
        render_environment(env, discovery=discovery)


def test_each_workflow_gets_its_dag_beside_its_config(examples: dict[str, Environment]) -> None:
    tree = render_environment(examples["dev"])
    # dev deploys every example but the profiler (disabled there).
    names = ["airflow_pipelines", "airflow_pipelines_ecs", "airflow_pipelines_virtualenv",
             "dbt_analytics", "metabase_dashboards", "redshift_metadata", "redshift_usage"]
    assert sorted(tree) == sorted([f"{PREFIX}/{name}.{ext}" for name in names
                                   for ext in ("py", "yaml")]
                                  + [f"{PREFIX}/compat/mwaa_rest_api.py", "requirements.txt"])


def test_the_adapter_is_rendered_only_beside_runners_that_load_it(
        examples: dict[str, Environment]) -> None:
    env = examples["dev"]
    ecs_only = dataclasses.replace(env, workflows=tuple(
        wf for wf in env.workflows if wf.dag.approach == "ecs"))
    assert f"{PREFIX}/compat/mwaa_rest_api.py" in render_environment(env)
    assert not any("/compat/" in key for key in render_environment(ecs_only))


def test_dag_settings_come_from_the_merged_dag_block(examples: dict[str, Environment]) -> None:
    values = settings(render_environment(examples["dev"]), "airflow_pipelines")
    assert values == {
        "DAG_ID": "openmetadata_airflow_pipelines", "SCHEDULE": "@hourly",
        "START_DATE": "2024-01-01", "TAGS": ["openmetadata", "dev", "airflow-connector"],
        "OWNER": "data-platform", "RETRIES": 2, "RETRY_DELAY_MINUTES": 5, "MAX_ACTIVE_RUNS": 1,
        "TIMEOUT_MINUTES": None, "WORKFLOW_CLASS": "metadata.workflow.metadata.MetadataWorkflow",
        "REQUIREMENTS": list(venv_requirements(examples["dev"], workflow(examples["dev"],
                                                                         "virtualenv"))),
        "WHEELS": None,  # the workers reach a package index
    }


@pytest.mark.parametrize("approach", ["python", "ecs", "virtualenv"])
@pytest.mark.parametrize("paused", [True, False])
def test_dag_paused_is_passed_as_is_paused_upon_creation_only_when_set(
        examples: dict[str, Environment], approach: str, paused: bool) -> None:
    env = examples["dev"]
    wf = workflow(python_variant(env) if approach == "python" else env, approach)
    base = with_workflow(env, dataclasses.replace(wf, dag=dataclasses.replace(wf.dag,
                                                                           paused=None)))
    unset = render_environment(base)[f"{PREFIX}/{wf.name}.py"].decode()
    assert "PAUSED" not in unset and "is_paused_upon_creation" not in unset
    chosen = dataclasses.replace(wf, dag=dataclasses.replace(wf.dag, paused=paused))
    text = render_environment(with_workflow(env, chosen))[f"{PREFIX}/{wf.name}.py"].decode()
    assert settings_of(text)["PAUSED"] is paused
    call = next(node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name) and node.func.id == "DAG")
    keyword = next(k for k in call.keywords if k.arg == "is_paused_upon_creation")
    assert isinstance(keyword.value, ast.Name) and keyword.value.id == "PAUSED"
    # Only the two lines differ from the file rendered without the setting.
    added = set(text.splitlines()) - set(unset.splitlines())
    assert added == {f"PAUSED = {paused}", "    is_paused_upon_creation=PAUSED,"}


@pytest.mark.parametrize(("name", "constraints", "packages"), [
    # The examples' connector extras (Metabase and the Airflow connector on RestAPI have none).
    ("dev-python", "constraints-3.3.1/constraints-3.12.txt",
     ["openmetadata-ingestion[dbt,redshift]==2.0.7.0"]),
    ("prod-python", "constraints-2.10.3/constraints-3.11.txt",
     ["openmetadata-ingestion[dbt,redshift]==1.12.14.2"]),
])
def test_requirements_list_what_mwaa_installs_under_the_declared_airflow_constraints(
        examples: dict[str, Environment], name: str, constraints: str,
        packages: list[str]) -> None:
    base, _, _ = name.partition("-")
    lines = render_environment(python_variant(examples[base]))["requirements.txt"].decode()
    assert lines.splitlines()[1:] == [
        f'--constraint "https://raw.githubusercontent.com/apache/airflow/{constraints}"',
        *packages]


@pytest.mark.parametrize("name", ["prod", "dev", "local"])
def test_requirements_with_nothing_to_install_name_no_constraints_url(
        examples: dict[str, Environment], name: str) -> None:
    # No example installs openmetadata-ingestion into MWAA (python approach): it conflicts with
    # MWAA's constraints on every release; Airflow 2's virtualenv is in every MWAA 2.x image.
    # MWAA then applies its own local constraints copy; a URL would be fetched for nothing.
    text = render_environment(examples[name])["requirements.txt"].decode()
    assert text.splitlines()[1:] == [NOTHING_TO_INSTALL]
    assert "-c " not in text and "--constraint " not in text  # MWAA's own test for a line


@pytest.mark.parametrize("release", mwaa_releases.releases())
def test_constraints_line_names_the_file_mwaa_vendored_for_its_release_and_python(
        examples: dict[str, Environment], release: str) -> None:
    env = python_variant(examples["prod"])  # no task virtualenv: its lock depends on the release
    env = dataclasses.replace(env, mwaa=dataclasses.replace(env.mwaa, airflow_version=release))
    line = render_environment(env)["requirements.txt"].decode().splitlines()[1]
    url = line.removeprefix('--constraint "').removesuffix('"')
    # Each image's constraints file says which upstream file it copied.
    assert f"# {url}\n" in mwaa_releases.airflow_constraints_text(release)
    assert url.endswith(f"/constraints-{release}/constraints-"
                        f"{mwaa_releases.python_version(release)}.txt")


def test_airflow_2_11_renders_the_python_3_12_constraints_its_image_runs(
        examples: dict[str, Environment]) -> None:
    env = python_variant(examples["prod"])  # something to install, so a constraints line
    env = dataclasses.replace(env, mwaa=dataclasses.replace(env.mwaa, airflow_version="2.11.2"))
    assert render_environment(env)["requirements.txt"].decode().splitlines()[1] == (
        '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.11.2/'
        'constraints-3.12.txt"')


def test_requirements_take_connection_extras_but_never_the_airflow_extra(
        examples: dict[str, Environment]) -> None:
    env = examples["prod"]
    ecs_config = workflow(env, "ecs").config  # the Airflow connector with a Postgres connection
    python_wf = dataclasses.replace(workflow(python_variant(env), "python"), config=ecs_config)
    assert workflow_extras(python_wf.config, "1.12.14.2") == ("postgres",)
    lines = render_environment(with_workflow(env, python_wf))["requirements.txt"].decode()
    assert "openmetadata-ingestion[postgres]==1.12.14.2" in lines.splitlines()
    assert "[airflow" not in lines


def test_no_plugins_zip_or_startup_script_is_rendered(examples: dict[str, Environment]) -> None:
    for env in examples.values():
        tree = render_environment(env, discovery=env.mwaa.airflow_major < 3)
        assert env.mwaa.plugins_path not in tree
        assert str(env.mwaa.startup_script_path) not in tree


@pytest.mark.parametrize(("kind", "expected"), [
    ("PipelineMetadata", ("metadata", "metadata.workflow.metadata.MetadataWorkflow")),
    ("DatabaseUsage", ("usage", "metadata.workflow.usage.UsageWorkflow")),
    ("DatabaseLineage", ("lineage", "metadata.workflow.metadata.MetadataWorkflow")),
    ("Profiler", ("profiler", "metadata.workflow.profiler.ProfilerWorkflow")),
    ("TestSuite", ("TestSuite", "metadata.workflow.data_quality.TestSuiteWorkflow")),
])
def test_source_config_type_decides_pipeline_type_and_workflow_class(
        examples: dict[str, Environment], kind: str, expected: tuple[str, str]) -> None:
    wf = with_config(workflow(python_variant(examples["dev"]), "python"), type=kind)
    assert (pipeline_type(wf), workflow_class(wf)) == expected


def test_ecs_config_travels_inline_when_it_fits(examples: dict[str, Environment]) -> None:
    env = examples["dev"]
    values = settings(render_environment(env), "airflow_pipelines_ecs")
    overrides = values["OVERRIDES"]
    assert isinstance(overrides, dict)
    container = overrides["containerOverrides"][0]
    assert container["name"] == "openmetadata-ingestion"
    # Reading Airflow through InvokeRestApi: the image's script runs after the adapter.
    assert container["command"] == ["python", "-c", ecs_render.BOOTSTRAP, "main.py"]
    assert container["environment"] == [
        {"name": "config", "value": dump_config(workflow(env, "ecs").config).decode()},
        {"name": "MWAA_GITOPS_ADAPTER", "value": ecs_render.adapter_payload()},
        {"name": "pipelineType", "value": "metadata"},
    ]
    assert "environmentFiles" not in container
    assert values["NETWORK_CONFIGURATION"] == {"awsvpcConfiguration": {
        "subnets": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
        "securityGroups": ["sg-0bbbbbbbbbbbbbbb1"], "assignPublicIp": "DISABLED"}}
    assert values["AWSLOGS_GROUP"] == "/ecs/openmetadata-ingestion"
    assert values["AWSLOGS_STREAM_PREFIX"] == "ingestion/openmetadata-ingestion"


def large(env: Environment) -> Environment:
    patterns = {"includes": [f"team_{i:04d}_.*_pipeline" for i in range(400)]}
    return with_workflow(env, with_config(workflow(env, "ecs"), pipelineFilterPattern=patterns))


def test_ecs_config_over_the_overrides_limit_goes_to_an_environment_file_in_the_bucket(
        examples: dict[str, Environment]) -> None:
    env = large(examples["prod"])
    tree = render_environment(env)
    container = settings(tree, "airflow_pipelines_ecs")["OVERRIDES"]["containerOverrides"][0]  # type: ignore[index]
    assert container["environment"] == [{"name": "pipelineType", "value": "metadata"}]
    assert container["environmentFiles"] == [{
        "type": "s3", "value": "arn:aws:s3:::example-mwaa-prod/dags/openmetadata/"
                               "airflow_pipelines_ecs.env"}]
    env_file = tree[f"{PREFIX}/airflow_pipelines_ecs.env"].decode()
    name, _, value = env_file.rstrip("\n").partition("=")
    assert name == "config"
    assert yaml.safe_load(value) == workflow(env, "ecs").config
    assert ecs_render.overrides_size({"containerOverrides": [container]}) <= 8192


def test_environment_file_arn_includes_the_target_prefix(examples: dict[str, Environment]) -> None:
    dev = large(examples["dev"])
    env = dataclasses.replace(dev, mwaa=dataclasses.replace(
        dev.mwaa, target="s3://example-mwaa-dev/team-a"))
    container = settings(render_environment(env), "airflow_pipelines_ecs")["OVERRIDES"][  # type: ignore[index]
        "containerOverrides"][0]
    assert container["environmentFiles"][0]["value"] == (
        "arn:aws:s3:::example-mwaa-dev/team-a/dags/openmetadata/airflow_pipelines_ecs.env")


def test_environment_file_keeps_every_character_on_one_line() -> None:
    config = {"a": "line\nbreak \u2028 \x85 ünï 🚀 {{ x }} 'q\" \\", "b": [1, None, True]}
    line = ecs_render.env_file(config).decode("ascii")
    assert line.count("\n") == 1
    assert yaml.safe_load(line.removeprefix("config=")) == config


def test_large_ecs_config_without_an_s3_target_is_an_error(
        examples: dict[str, Environment]) -> None:
    with pytest.raises(ConfigError, match="no S3 target"):
        render_environment(large(examples["local"]))


def test_ecs_workflow_refuses_airflow_references_at_their_file_and_line(
        repo: Path, write: Writer) -> None:
    write("environments/prod/workflows/airflow_pipelines_ecs.yaml", """
        source:
          serviceConnection:
            config:
              connection:
                authType:
                  password: ${var:metadata_db_password}
        """)
    with pytest.raises(ConfigError) as caught:
        render_environment(environment("prod", repo))
    text = str(caught.value)
    assert text.startswith("environments/prod/workflows/airflow_pipelines_ecs.yaml:6:")
    assert "secret:" in text


def test_discovery_dag_is_rendered_only_when_asked_or_enabled(
        examples: dict[str, Environment]) -> None:
    env = examples["prod"]
    key = f"{PREFIX}/mwaa_gitops_connection_discovery.py"
    assert key not in render_environment(env)
    assert key in render_environment(env, discovery=True)
    enabled = dataclasses.replace(env, discovery=dataclasses.replace(env.discovery, enabled=True))
    assert key in render_environment(enabled)


def test_discovery_dag_stores_the_password_where_the_environment_says(
        examples: dict[str, Environment]) -> None:
    prod = settings(render_environment(examples["prod"], discovery=True),
                    "mwaa_gitops_connection_discovery")
    assert prod == {"DAG_ID": "openmetadata_connection_discovery", "ENVIRONMENT": "prod",
                    "REGION": "us-east-1", "VARIABLE": None,
                    "SECRET_ID": "/openmetadata/prod/mwaa-metadata-db/password"}
    to_variable = dataclasses.replace(examples["prod"], discovery=dataclasses.replace(
        examples["prod"].discovery, secret_id=None, variable="mwaa_metadata_db_password"))
    values = settings(render_environment(to_variable, discovery=True),
                      "mwaa_gitops_connection_discovery")
    assert (values["SECRET_ID"], values["VARIABLE"]) == (None, "mwaa_metadata_db_password")


def test_workflow_named_like_the_discovery_dag_is_refused(examples: dict[str, Environment]) -> None:
    env = examples["prod"]
    clash = dataclasses.replace(env.workflows[0], name="mwaa_gitops_connection_discovery")
    with pytest.raises(ConfigError, match="would be overwritten"):
        render_environment(dataclasses.replace(env, workflows=(clash,)), discovery=True)


def test_discovery_dag_is_refused_on_airflow_3(examples: dict[str, Environment]) -> None:
    with pytest.raises(ConfigError, match="no task can read the metadata database"):
        render_environment(examples["dev"], discovery=True)
