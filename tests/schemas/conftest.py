"""Schema tests: validators over the files in schemas/, and one OpenMetadata probe per session."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from mwaa_gitops.config.environments import build
from mwaa_gitops.config.model import workflow_from
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.config.repository import Repository
from tests.schemas import kinds
from tests.schemas.cases import MISTAKES, VALID
from tests.support.venvs import OPENMETADATA_LOCKS, openmetadata_python

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
PROBE = Path(__file__).with_name("openmetadata_probe.py")
# The openmetadata-ingestion lines with schemas, each with a test venv.
LINES = tuple(sorted(OPENMETADATA_LOCKS, key=lambda line: tuple(map(int, line.split(".")))))


@cache
def registry() -> Registry[Any]:
    """Every schema file, under its file URI, so relative refs resolve as an editor's do."""
    return Registry().with_resources(
        (path.as_uri(), Resource.from_contents(json.loads(path.read_text())))
        for path in sorted(SCHEMAS.rglob("*.schema.json")))


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for ``schemas/<name>`` (formats are annotations, as jsonschema's default)."""
    return Draft202012Validator({"$ref": (SCHEMAS / name).as_uri()}, registry=registry())


def errors(name: str, instance: Any) -> list[ValidationError]:
    return list(validator(name).iter_errors(instance))


def example_workflows() -> dict[str, Node]:
    """``env/workflow`` → the merged workflow tree of every deployable example environment."""
    repo = Repository(ROOT)
    found: dict[str, Node] = {}
    for name in repo.layer_names():
        env = build(repo, name)
        if not env.abstract:
            found.update({f"{name}/{workflow}": tree for workflow, tree in env.workflows.items()})
    return found


@pytest.fixture(scope="session")
def examples() -> dict[str, Node]:
    return example_workflows()


@pytest.fixture(scope="session")
def openmetadata(examples: dict[str, Node],
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """What each supported openmetadata-ingestion line itself says (see openmetadata_probe.py),
    asked once per line, by line ("1.13")."""
    configs = {
        **{f"valid: {name}": config for name, config in VALID.items()},
        **{f"mistake: {name}": config for name, (config, _) in MISTAKES.items()},
        # Exactly the dict that is rendered for `metadata ingest` to read.
        **{f"example: {name}": workflow_from(name.split("/")[1], tree).config
           for name, tree in examples.items()},
        **{f"kind: {name}": config for name, config in kinds.KINDS.items()},
        **{f"kind mistake: {name}": mistake.config
           for name, mistake in kinds.MISTAKES.items()},
    }
    return {line: ask_openmetadata(line, configs, tmp_path_factory) for line in LINES}


def ask_openmetadata(line: str, configs: dict[str, Any],
                     tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The probe's answer for ``configs`` from the venv of openmetadata-ingestion ``line``."""
    python = openmetadata_python(line)
    answer = tmp_path_factory.mktemp("openmetadata") / "answer.json"
    run = subprocess.run([str(python), str(PROBE)], capture_output=True, text=True, timeout=900,
                         check=False,
                         input=json.dumps({"configs": configs, "answer": str(answer)}))
    assert run.returncode == 0, run.stderr[-3000:]
    result: dict[str, Any] = json.loads(answer.read_text())
    return result
