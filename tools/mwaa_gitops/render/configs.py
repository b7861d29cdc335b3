"""Workflow configs, rendered as the YAML that OpenMetadata's workflow classes read."""

from __future__ import annotations

from typing import Any

from mwaa_gitops.model import Environment, Workflow
from mwaa_gitops.render import yaml_emitter

OPENMETADATA_FOLDER = "openmetadata"


def config_key(env: Environment, workflow: Workflow) -> str:
    """Bucket key of a workflow's config: beside its DAG, under the DAG folder."""
    return f"{env.mwaa.dags_prefix}/{OPENMETADATA_FOLDER}/{workflow.name}.yaml"


def dump_config(config: dict[str, Any]) -> bytes:
    """Deterministic YAML (key order as merged, no aliases, UTF-8, no line folding)."""
    return yaml_emitter.dump(config).encode("utf-8")


def render_configs(env: Environment) -> dict[str, bytes]:
    """One config file per enabled workflow."""
    header = (f"# Rendered by mwaa-gitops for environment '{env.name}'. Do not edit: change "
              "environments/ and re-render.\n").encode()
    return {config_key(env, wf): header + dump_config(wf.config) for wf in env.workflows}

