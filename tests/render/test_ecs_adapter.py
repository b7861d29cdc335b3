"""An ECS workflow that reads Airflow through InvokeRestApi gets the runners' adapter in its
container: the image's own script runs after a constant bootstrap that loads the adapter from the
container's environment, with the workflow config left as data."""

from __future__ import annotations

import ast
import base64
import dataclasses
import subprocess
import zlib
from pathlib import Path

import pytest
import yaml

from mwaa_gitops.config.model import Environment
from mwaa_gitops.render import ecs as ecs_render
from mwaa_gitops.render import render_environment
from mwaa_gitops.render.templates import Template
from tests.render.test_render import PREFIX, large, settings, with_workflow, workflow
from tests.support.venvs import openmetadata_python

NAME = "airflow_pipelines_ecs"


def container(tree: dict[str, bytes]) -> dict[str, object]:
    overrides = settings(tree, NAME)["OVERRIDES"]
    assert isinstance(overrides, dict)
    found: dict[str, object] = overrides["containerOverrides"][0]
    return found


def without_docstrings(source: str) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and body and \
                len(body) > 1 and isinstance(body[0], ast.Expr) and \
                isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:]
    return ast.dump(tree)


def test_the_adapter_travels_as_its_own_code_without_docstrings_and_comments() -> None:
    source = Template.load(ecs_render.ADAPTER_TEMPLATE).source
    compact = zlib.decompress(base64.b64decode(ecs_render.adapter_payload())).decode()
    assert without_docstrings(compact) == without_docstrings(source)
    assert "#" not in compact.replace("'#'", "") and '"""' not in compact
    # Room left in the 8,192 characters of the overrides for the config.
    assert len(ecs_render.adapter_payload()) + len(ecs_render.BOOTSTRAP) < 4200


def test_a_workflow_reading_the_metadata_database_keeps_the_image_command(
        examples: dict[str, Environment]) -> None:
    found = container(render_environment(examples["prod"]))  # Postgres connection
    assert found["command"] == ["python", "main.py"]
    assert "MWAA_GITOPS_ADAPTER" not in str(found["environment"])


@pytest.mark.parametrize("command", [("sh", "-c", "python main.py"), ("python",),
                                     ("python", "-m", "main")])
def test_a_command_that_is_not_python_and_a_script_is_left_as_written(
        examples: dict[str, Environment], command: tuple[str, ...]) -> None:
    env = examples["dev"]
    assert env.ecs is not None
    env = dataclasses.replace(env, ecs=dataclasses.replace(env.ecs, command=command))
    found = container(render_environment(env))
    assert found["command"] == list(command)
    assert "MWAA_GITOPS_ADAPTER" not in str(found["environment"])


def test_a_large_config_takes_the_adapter_into_its_environment_file(
        examples: dict[str, Environment]) -> None:
    env = large(examples["dev"])
    tree = render_environment(env)
    found = container(tree)
    assert found["command"] == ["python", "-c", ecs_render.BOOTSTRAP, "main.py"]
    assert found["environment"] == [{"name": "pipelineType", "value": "metadata"}]
    lines = tree[f"{PREFIX}/{NAME}.env"].decode().splitlines()
    assert [line.partition("=")[0] for line in lines] == ["config", "MWAA_GITOPS_ADAPTER"]
    assert yaml.safe_load(lines[0].partition("=")[2]) == workflow(env, "ecs").config
    assert lines[1].partition("=")[2] == ecs_render.adapter_payload()


@pytest.mark.openmetadata
def test_the_bootstrap_adapts_the_connector_then_runs_the_image_script_with_its_config(
        examples: dict[str, Environment], tmp_path: Path) -> None:
    env = examples["dev"]
    config = dict(workflow(env, "ecs").config)
    # A value that would run if the config ever became code: it stays text.
    config["workflowConfig"] = {"loggerLevel": "__import__('os').system('touch pwned')"}
    (tmp_path / "main.py").write_text(
        "import os, sys, yaml\n"
        "assert sys.path[0] == os.getcwd()  # the script's folder, as `python main.py` has it\n"
        "from metadata.ingestion.source.pipeline.airflow.api.mwaa import MWAAClient\n"
        "print(sys.argv, sorted(MWAAClient._mwaa_gitops_adapted), __name__)\n"
        "print(yaml.safe_load(os.environ['config'])['workflowConfig']['loggerLevel'])\n")
    found = container(render_environment(with_workflow(env, dataclasses.replace(
        workflow(env, "ecs"), config=config))))
    variables = {item["name"]: item["value"] for item in found["environment"]}  # type: ignore[attr-defined]
    python, *arguments = found["command"]  # type: ignore[misc]
    done = subprocess.run([str(openmetadata_python()), "-I", *arguments], cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", **variables}, capture_output=True,
                          text=True, timeout=300, check=False)
    assert (python, done.returncode) == ("python", 0), done.stderr[-3000:]
    assert done.stdout.splitlines() == [
        "['main.py'] ['long-paths', 'query-in-path', 'schedule', 'url-layout'] __main__",
        "__import__('os').system('touch pwned')"]
    assert not (tmp_path / "pwned").exists()
