"""Workflow configs, rendered as the YAML that OpenMetadata's workflow classes read."""

from __future__ import annotations

from typing import Any

from mwaa_gitops.config.model import Environment, Workflow
from mwaa_gitops.render import yaml_emitter

OPENMETADATA_FOLDER = "openmetadata"
BUNDLE_FOLDER = "wheels"  # a private network's wheel bundle, in OPENMETADATA_FOLDER


def config_key(env: Environment, workflow: Workflow) -> str:
    """Bucket key of a workflow's config: beside its DAG, under the DAG folder."""
    return f"{env.mwaa.dags_prefix}/{OPENMETADATA_FOLDER}/{workflow.name}.yaml"


def dump_config(config: dict[str, Any]) -> bytes:
    """Deterministic YAML (key order as merged, no aliases, UTF-8, no line folding)."""
    text = _dumped.get(id(config))
    if text is None or text[0] is not config:
        text = (config, yaml_emitter.dump(config).encode("utf-8"))
        _dumped[id(config)] = text
    return text[1]


# The text of each config dumped during the current render: an ECS DAG carries its config's
# text inline, and the config file beside it is the same bytes (configs are not changed once
# checked; the entry holds the config itself, so an id is never reused while it is kept).
_dumped: dict[int, tuple[dict[str, Any], bytes]] = {}


def render_configs(env: Environment) -> dict[str, bytes]:
    """One config file per enabled workflow (their texts are kept for the DAGs until the next
    environment's configs are rendered)."""
    _dumped.clear()
    header = (f"# Rendered by mwaa-gitops for environment '{env.name}'. Do not edit: change "
              "environments/ and re-render.\n").encode()
    return {config_key(env, wf): header + dump_config(wf.config) for wf in env.workflows}

