"""The python approach's callable, run for real with openmetadata-ingestion on a rendered config.

With nothing listening on the OpenMetadata port, getting as far as contacting it proves that
OpenMetadata's own workflow classes accepted the rendered config (and that ``${env:…}`` was
resolved inside the task first).
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mwaa_gitops.model import Environment
from mwaa_gitops.render import render_environment
from mwaa_gitops.render.pipelines import PIPELINE_TYPES, WORKFLOW_CLASSES
from tests.render.conftest import environment
from tests.support.venvs import openmetadata_python as shared_openmetadata_python

pytestmark = pytest.mark.openmetadata

DRIVER = Path(__file__).with_name("openmetadata_driver.py")
TOKEN_VARIABLE = "MWAA_GITOPS_TEST_OPENMETADATA_JWT"
WORKFLOW = "airflow_pipelines"


@pytest.fixture(scope="session")
def openmetadata_python() -> Path:
    """``bin/python`` of the openmetadata-ingestion venv the schema tests use too."""
    return shared_openmetadata_python()


@pytest.fixture(scope="module")
def closed_port() -> Iterator[int]:
    """A 127.0.0.1 port with nothing listening on it, held (bound, never listening) so that
    no other process can start listening there while the test runs."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


def pointed_at(env: Environment, port: int, token: str) -> Environment:
    """``env`` whose workflows talk to 127.0.0.1:``port`` with a token from ``token``."""
    workflows = []
    for wf in env.workflows:
        config = json.loads(json.dumps(wf.config))
        server = config["workflowConfig"]["openMetadataServerConfig"]
        server["hostPort"] = f"http://127.0.0.1:{port}/api"
        server["securityConfig"]["jwtToken"] = token
        workflows.append(dataclasses.replace(wf, config=config))
    return dataclasses.replace(env, workflows=tuple(workflows))


@pytest.fixture(scope="module")
def outcome(openmetadata_python: Path, tmp_path_factory: pytest.TempPathFactory,
            closed_port: int) -> dict[str, Any]:
    """Run the rendered callable on three rendered configs in one openmetadata process."""
    root = tmp_path_factory.mktemp("openmetadata")
    port = closed_port
    trees = {
        "valid": pointed_at(environment("local"), port, f"${{env:{TOKEN_VARIABLE}}}"),
        "missing-variable": pointed_at(environment("local"), port, "${env:MWAA_GITOPS_UNSET}"),
    }
    broken = trees["valid"].workflows[0]
    config = json.loads(json.dumps(broken.config))
    config["source"]["sourceConfig"]["config"]["notAField"] = True
    trees["invalid"] = dataclasses.replace(
        trees["valid"], workflows=(dataclasses.replace(broken, config=config),))
    cases = []
    for name, env in trees.items():
        for key, data in render_environment(env).items():
            (root / name / key).parent.mkdir(parents=True, exist_ok=True)
            (root / name / key).write_bytes(data)
        cases.append({"config": str(root / name / f"dags/openmetadata/{WORKFLOW}.yaml"),
                      "workflow_class": WORKFLOW_CLASSES["metadata"]})
    request = {"dag": str(root / "valid" / f"dags/openmetadata/{WORKFLOW}.py"), "cases": cases,
               "classes": sorted(set(WORKFLOW_CLASSES.values())),
               "output": str(root / "outcome.json")}
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update({TOKEN_VARIABLE: "header.payload.signature",
                # Anything that tries AWS goes to a closed local port.
                "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_DEFAULT_REGION": "eu-west-1"})
    done = subprocess.run([str(openmetadata_python), "-I", str(DRIVER)], input=json.dumps(request),
                          text=True, capture_output=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads((root / "outcome.json").read_text())
    result["port"] = port
    result["names"] = list(trees)
    return result


def case(outcome: dict[str, Any], name: str) -> dict[str, str]:
    return dict(outcome["outcomes"][outcome["names"].index(name)])


def test_rendered_callable_gets_as_far_as_contacting_the_openmetadata_server(
        outcome: dict[str, Any]) -> None:
    message = case(outcome, "valid")["message"]
    assert f"http://127.0.0.1:{outcome['port']}/api/v1/system/version" in message, message
    assert "Connection refused" in message, message


def test_openmetadata_rejects_a_config_it_cannot_parse_before_any_connection(
        outcome: dict[str, Any]) -> None:
    message = case(outcome, "invalid")["message"]
    assert "notAField" in message
    assert "127.0.0.1" not in message


def test_environment_references_are_resolved_inside_the_task(outcome: dict[str, Any]) -> None:
    result = case(outcome, "missing-variable")
    assert result["raised"] == "KeyError"
    assert "MWAA_GITOPS_UNSET" in result["message"]


def test_pipeline_types_match_openmetadata(outcome: dict[str, Any]) -> None:
    theirs = outcome["pipeline_types"]
    assert {k: v for k, v in PIPELINE_TYPES.items() if k in theirs} == theirs
    assert set(theirs) - set(PIPELINE_TYPES) == set()


def test_every_workflow_class_exists_in_openmetadata(outcome: dict[str, Any]) -> None:
    assert outcome["classes"] and all(outcome["classes"].values())
