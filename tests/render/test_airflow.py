"""Every rendered DAG of every example environment, imported by real Apache Airflow 2 and 3.

One DagBag subprocess per Airflow venv parses all folders rendered for that major, renders each
task's templated fields with Airflow's own Jinja, and serializes each DAG as the scheduler would.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mwaa_gitops.config.model import Environment
from mwaa_gitops.facts import mwaa_releases
from mwaa_gitops.facts.kinds import kind_of
from mwaa_gitops.render import render_environment
from mwaa_gitops.render.dags import venv_requirements
from mwaa_gitops.render.templates import settings_of
from tests.render.conftest import EXAMPLES, ecs_variant, environment, python_variant
from tests.support.airflow import (
    AIRFLOW_2_RELEASE,
    AIRFLOW_3_RELEASE,
    deprecations,
    import_dags,
)
from tests.support.venvs import find_python

pytestmark = pytest.mark.airflow
VARIANTS = [*EXAMPLES, "dev-python", "prod-python", "dev-ecs", "prod-ecs", "dev-hostile",
            "prod-hostile"]

# Config text that Jinja would change if it ever reached a template engine.
HOSTILE = "{{ ds }} {% if true %}x{% endif %} {# c #} '\"\"\" \\ ünï 🚀\nsecond line"


def hostile(env: Environment) -> Environment:
    """``env`` with Jinja markers and quotes in a config value of every workflow."""
    workflows = []
    for wf in env.workflows:
        config = json.loads(json.dumps(wf.config))
        config["source"]["serviceName"] = HOSTILE
        workflows.append(dataclasses.replace(wf, config=config))
    return dataclasses.replace(env, name=f"{env.name}-hostile", workflows=tuple(workflows))


def write(tree: dict[str, bytes], out: Path) -> Path:
    for key, data in tree.items():
        (out / key).parent.mkdir(parents=True, exist_ok=True)
        (out / key).write_bytes(data)
    return out


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Environment, Path]]:
    """Each example environment and a hostile variant of dev and prod, rendered to a folder."""
    envs = {name: environment(name) for name in EXAMPLES}
    envs["dev-python"] = python_variant(envs["dev"])
    envs["prod-python"] = python_variant(envs["prod"])
    envs["dev-ecs"] = ecs_variant(envs["dev"])
    envs["prod-ecs"] = ecs_variant(envs["prod"])
    envs["dev-hostile"] = hostile(envs["dev"])
    envs["prod-hostile"] = hostile(envs["prod"])
    root = tmp_path_factory.mktemp("rendered")
    # The discovery DAG exists for Airflow 2 only (no task reads the database on Airflow 3).
    return {name: (env, write(render_environment(env, discovery=env.mwaa.airflow_major < 3),
                              root / name))
            for name, env in envs.items()}


@pytest.fixture(scope="session")
def dagbags(rendered: dict[str, tuple[Environment, Path]], airflow2_python: Path,
            airflow3_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The DagBag description of every rendered folder, from the Airflow its version names."""
    out: dict[str, Any] = {}
    for major, python in ((2, airflow2_python), (3, airflow3_python)):
        folders = {name: folder / env.mwaa.dags_prefix for name, (env, folder)
                   in rendered.items() if env.mwaa.airflow_major == major}
        result = import_dags(python, folders, tmp_path_factory.mktemp(f"airflow{major}"))
        assert result["airflow"].startswith(f"{major}.")
        out.update(result["folders"])
    return out


def approaches(envs: list[Environment]) -> set[tuple[int, str]]:
    return {(env.mwaa.airflow_major, wf.dag.approach) for env in envs for wf in env.workflows}


def test_examples_and_their_python_variants_cover_every_approach_on_each_airflow_major(
        rendered: dict[str, tuple[Environment, Path]]) -> None:
    # The examples themselves use no python approach: the gate refuses it on every release.
    assert approaches([rendered[name][0] for name in EXAMPLES]) == {
        (major, approach) for major in (2, 3) for approach in ("ecs", "virtualenv")}
    assert approaches([rendered[name][0] for name in VARIANTS]) == {
        (major, approach) for major in (2, 3) for approach in ("python", "ecs", "virtualenv")}


@pytest.mark.parametrize("base", ["dev", "prod"])
def test_every_example_is_rendered_for_every_approach_its_kind_can_run(
        rendered: dict[str, tuple[Environment, Path]], base: str) -> None:
    seen: dict[str, set[str]] = {}
    for name in (base, f"{base}-python", f"{base}-ecs"):
        for wf in rendered[name][0].workflows:
            seen.setdefault(wf.name, set()).add(wf.dag.approach)
    examples = [wf for wf in rendered[base][0].workflows if wf.dag.approach == "virtualenv"]
    assert {kind_of(wf.config).name for wf in examples} >= {"metadata", "usage", "dbt"}
    for wf in examples:
        assert seen[wf.name] == set(kind_of(wf.config).approaches), wf.name


@pytest.mark.parametrize("name", VARIANTS)
def test_rendered_dags_import_without_errors_or_warnings(
        dagbags: dict[str, Any], name: str) -> None:
    bag = dagbags[name]
    assert bag["import_errors"] == {}
    assert bag["captured_warnings"] == {}
    assert bag["warnings"] == []
    assert deprecations(bag["warnings"]) == []


@pytest.mark.parametrize("name", VARIANTS)
def test_dag_ids_schedules_and_defaults_are_the_configured_ones(
        dagbags: dict[str, Any], rendered: dict[str, tuple[Environment, Path]], name: str) -> None:
    env, _ = rendered[name]
    dags = dagbags[name]["dags"]
    discovery_ids = {env.discovery.dag_id} if env.mwaa.airflow_major < 3 else set()
    assert set(dags) == {wf.dag.dag_id for wf in env.workflows} | discovery_ids
    presets = {"@hourly": "0 * * * *", "@daily": "0 0 * * *"}
    for wf in env.workflows:
        dag = dags[wf.dag.dag_id]
        assert dag["schedule"] in {wf.dag.schedule, presets.get(str(wf.dag.schedule))}
        assert dag["timetable"] == ("CronTriggerTimetable" if env.mwaa.airflow_major == 3
                                    else "CronDataIntervalTimetable")
        assert dag["catchup"] is False
        assert dag["tags"] == sorted(wf.dag.tags)
        assert dag["start_date"] == f"{wf.dag.start_date}T00:00:00+00:00"
        assert dag["max_active_runs"] == wf.dag.max_active_runs
        assert Path(dag["fileloc"]).name == f"{wf.name}.py"
        task = dag["tasks"]["run_workflow"]["fields"]
        assert (task["owner"], task["retries"], task["retry_delay"]) == (
            wf.dag.owner, wf.dag.retries, wf.dag.retry_delay_minutes * 60)
    if discovery_ids:
        discovery = dags[env.discovery.dag_id]
        assert (discovery["schedule"], discovery["is_paused_upon_creation"]) == ("@once", True)


def operator(env: Environment, approach: str) -> str:
    if approach == "ecs":
        return "airflow.providers.amazon.aws.operators.ecs.EcsRunTaskOperator"
    kind = "PythonVirtualenvOperator" if approach == "virtualenv" else "PythonOperator"
    home = ("airflow.providers.standard.operators.python" if env.mwaa.airflow_major == 3
            else "airflow.operators.python")
    return f"{home}.{kind}"


@pytest.mark.parametrize("name", VARIANTS)
def test_operators_get_the_rendered_arguments_after_airflow_renders_templates(
        dagbags: dict[str, Any], rendered: dict[str, tuple[Environment, Path]], name: str) -> None:
    env, folder = rendered[name]
    for wf in env.workflows:
        source = (folder / env.mwaa.dags_prefix / "openmetadata" / f"{wf.name}.py").read_text()
        values = settings_of(source)
        task = dagbags[name]["dags"][wf.dag.dag_id]["tasks"]["run_workflow"]
        fields = task["fields"]
        assert task["operator"] == operator(env, wf.dag.approach)
        assert set(task["literal_fields"]) <= set(task["template_fields"])
        if wf.dag.approach == "ecs":
            assert task["literal_fields"] == ["awslogs_group", "awslogs_stream_prefix", "cluster",
                                              "launch_type", "network_configuration",
                                              "overrides", "task_definition"]
            assert fields["overrides"] == values["OVERRIDES"]  # Jinja left the config alone
            assert fields["network_configuration"] == values["NETWORK_CONFIGURATION"]
            assert (fields["cluster"], fields["task_definition"], fields["launch_type"]) == (
                values["CLUSTER"], values["TASK_DEFINITION"], values["LAUNCH_TYPE"])
            assert (fields["awslogs_group"], fields["awslogs_stream_prefix"]) == (
                values["AWSLOGS_GROUP"], values["AWSLOGS_STREAM_PREFIX"])
        elif wf.dag.approach == "virtualenv":
            config_text = (folder / env.mwaa.dags_prefix / "openmetadata"
                           / f"{wf.name}.yaml").read_text()
            # The adapter's path beside the DAG, as the parsing Airflow saw it.
            adapter = folder / env.mwaa.dags_prefix / "openmetadata" / "compat" / "mwaa_rest_api.py"
            assert fields["op_kwargs"] == {"config_yaml": config_text,
                                           "workflow_class": values["WORKFLOW_CLASS"],
                                           "dag_id": wf.dag.dag_id,
                                           "adapter": str(adapter)}
            assert adapter.is_file()
            assert yaml.safe_load(config_text)["source"]["serviceName"] == \
                wf.config["source"]["serviceName"]
            assert fields["requirements"] == list(venv_requirements(env, wf))
            assert f"openmetadata-ingestion=={env.openmetadata.ingestion_version}" in \
                [line.split()[0] for line in fields["requirements"]]
            assert fields["system_site_packages"] is True
            assert fields["python_callable"] == "run_workflow"
        else:
            assert fields["python_callable"] == "run_config_beside_this_file"
    if env.mwaa.airflow_major < 3:
        discovery = dagbags[name]["dags"][env.discovery.dag_id]["tasks"]["discover_connection"]
        assert discovery["fields"]["op_kwargs"] == {
            "environment": env.name, "region": env.mwaa.region,
            "secret_id": env.discovery.secret_id, "variable": env.discovery.variable}


def test_ruff_airflow_rules_pass_on_every_rendered_file(
        rendered: dict[str, tuple[Environment, Path]]) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    folders = [str(folder) for _, folder in rendered.values()]
    done = subprocess.run([str(ruff), "check", "--isolated", "--select", "AIR", *folders],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
    listed = subprocess.run([str(ruff), "check", "--isolated", "--select", "AIR",
                             "--show-files", *folders], capture_output=True, text=True,
                            check=False).stdout
    # Each workflow's DAG, the discovery DAG on Airflow 2, the adapter beside MWAA's runners.
    assert listed.count(".py") == sum(
        len(env.workflows) + (env.mwaa.airflow_major < 3)
        + any(wf.dag.approach != "ecs" for wf in env.workflows)
        for env, _ in rendered.values())


@pytest.mark.parametrize(("release", "fixture"), [(AIRFLOW_2_RELEASE, "airflow2_python"),
                                                  (AIRFLOW_3_RELEASE, "airflow3_python")])
def test_airflow_venvs_hold_what_the_mwaa_image_of_their_release_installs(
        release: str, fixture: str, request: pytest.FixtureRequest) -> None:
    python: Path = request.getfixturevalue(fixture)
    probe = "import sys, importlib.metadata as m; print('%d.%d' % sys.version_info[:2]); " \
            "print('\\n'.join(f\"{d.metadata['Name']}=={d.version}\" for d in m.distributions()))"
    lines = subprocess.run([str(python), "-c", probe], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    found = mwaa_releases.pins("\n".join(lines[1:]))
    image = mwaa_releases.installed_packages(release)
    assert found["apache-airflow"] == release
    assert {name: (version, image[name]) for name, version in found.items()
            if name in image and image[name] != version} == {}
    assert set(found) - set(image) - {"pip", "setuptools", "wheel"} == set()
    if find_python(mwaa_releases.python_version(release)) != sys.executable:
        assert lines[0] == mwaa_releases.python_version(release)
