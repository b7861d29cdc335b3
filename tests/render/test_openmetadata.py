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

from mwaa_gitops.config.model import Environment
from mwaa_gitops.facts.kinds import CONFIG_TYPES, KINDS
from mwaa_gitops.render import render_environment
from tests.render.conftest import environment
from tests.support.ingestion_image import image_python
from tests.support.venvs import openmetadata_python as shared_openmetadata_python

pytestmark = pytest.mark.openmetadata

DRIVER = Path(__file__).with_name("openmetadata_driver.py")
TOKEN_VARIABLE = "MWAA_GITOPS_TEST_OPENMETADATA_JWT"
WORKFLOW = "airflow_pipelines"


METADATA_WORKFLOW = KINDS["metadata"].workflow_class
# The `metadata` command of each kind → its module in metadata/cli/.
CLI_MODULES = {"metadata ingest": "ingest", "metadata usage": "usage",
               "metadata profile": "profile", "metadata test": "dataquality",
               "metadata classify": "classify"}


@pytest.fixture(scope="module", params=["2.0", "1.13", "1.12"])
def openmetadata_python(request: pytest.FixtureRequest) -> Path:
    """``bin/python`` of an openmetadata-ingestion of each supported line: the venvs the schema
    tests use (2.0, 1.13) and the ingestion image's (1.12)."""
    if request.param == "1.12":
        return image_python("1.12.14.2")
    return shared_openmetadata_python(request.param)


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
        # OpenMetadata's own form: the same environment variable, the same run-time meaning.
        "openmetadata-reference": pointed_at(environment("local"), port, f"${{{TOKEN_VARIABLE}}}"),
        "missing-openmetadata-reference": pointed_at(environment("local"), port,
                                                     "${MWAA_GITOPS_UNSET}"),
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
                      "workflow_class": METADATA_WORKFLOW})
    request = {"dag": str(root / "valid" / f"dags/openmetadata/{WORKFLOW}.py"), "cases": cases,
               "classes": sorted({k.workflow_class for k in KINDS.values() if k.workflow_class}),
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


def test_openmetadata_reference_is_the_environment_variable_of_the_task(
        outcome: dict[str, Any]) -> None:
    message = case(outcome, "openmetadata-reference")["message"]
    assert f"http://127.0.0.1:{outcome['port']}/api/v1/system/version" in message, message
    result = case(outcome, "missing-openmetadata-reference")
    assert result["raised"] == "KeyError"
    assert "MWAA_GITOPS_UNSET" in result["message"]


def test_kinds_match_openmetadatas_own_pipeline_types(outcome: dict[str, Any]) -> None:
    theirs = outcome["pipeline_types"]
    assert {t: KINDS[CONFIG_TYPES[t]].name for t in theirs if t in CONFIG_TYPES} == theirs
    assert set(theirs) - set(CONFIG_TYPES) == set()


def test_every_workflow_class_exists_in_openmetadata(outcome: dict[str, Any]) -> None:
    assert outcome["classes"] and all(outcome["classes"].values())


def test_each_kind_runs_the_class_its_metadata_command_creates(outcome: dict[str, Any]) -> None:
    for kind in KINDS.values():
        if kind.cli in CLI_MODULES:
            assert kind.workflow_class is not None
            assert outcome["cli"][CLI_MODULES[kind.cli]] == [
                kind.workflow_class.rpartition(".")[2]], (outcome["version"], kind)
