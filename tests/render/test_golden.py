"""Golden files: the rendered tree of each approach, byte for byte, on Airflow 2 and 3.

Regenerate after an intended change with ``MWAA_GITOPS_UPDATE_GOLDEN=1 pytest tests/render``
and review the diff of ``tests/golden/`` like any other change.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mwaa_gitops.config.model import Environment
from mwaa_gitops.render import render_environment
from mwaa_gitops.render.discovery import render_discovery
from tests.render.conftest import ecs_variant, environment, python_variant

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("MWAA_GITOPS_UPDATE_GOLDEN") == "1"
MAJORS = {"airflow2": "prod", "airflow3": "dev"}  # example environments on each major


def only(approach: str) -> Callable[[Environment], dict[str, bytes]]:
    def render(env: Environment) -> dict[str, bytes]:
        if approach == "python":
            env = python_variant(env)
        elif approach == "ecs":
            env = ecs_variant(env)
        kept = tuple(wf for wf in env.workflows if wf.dag.approach == approach)
        return render_environment(dataclasses.replace(env, workflows=kept))
    return render


def large_ecs(env: Environment) -> dict[str, bytes]:
    wf = next(wf for wf in env.workflows if wf.name == "airflow_pipelines_ecs")
    config = json.loads(json.dumps(wf.config))
    config["source"]["sourceConfig"]["config"]["pipelineFilterPattern"] = {
        "includes": [f"team_{i:04d}_.*_pipeline" for i in range(400)]}
    return render_environment(dataclasses.replace(
        env, workflows=(dataclasses.replace(wf, config=config),)))


CASES: dict[str, tuple[str, Callable[[Environment], dict[str, bytes]]]] = {
    **{f"{approach}/{major}": (env, only(approach))
       for approach in ("python", "ecs", "virtualenv") for major, env in MAJORS.items()},
    "ecs/environment-file": ("prod", large_ecs),
    "discovery/airflow2": ("prod", render_discovery),  # Airflow 2 only
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_tree_matches_golden_files(case: str) -> None:
    env_name, render = CASES[case]
    tree = render(environment(env_name))
    folder = GOLDEN / case
    if UPDATE:
        shutil.rmtree(folder, ignore_errors=True)
        for key, data in tree.items():
            (folder / key).parent.mkdir(parents=True, exist_ok=True)
            (folder / key).write_bytes(data)
    on_disk = {path.relative_to(folder).as_posix(): path.read_bytes()
               for path in sorted(folder.rglob("*")) if path.is_file()}
    assert sorted(on_disk) == sorted(tree), (
        f"files differ from {folder}; set MWAA_GITOPS_UPDATE_GOLDEN=1 to regenerate")
    for key, data in tree.items():
        assert data.decode() == on_disk[key].decode(), f"{case}/{key} differs from golden"
