"""What OpenMetadata needs to know to run a workflow: its pipeline type and workflow class (the
extras it needs: :mod:`mwaa_gitops.facts.connectors`).

The kind of a workflow, and with it the class and the ECS ``pipelineType`` that run it, comes
from the one table in :mod:`mwaa_gitops.facts.kinds`.
"""

from __future__ import annotations

from mwaa_gitops.config.model import Workflow
from mwaa_gitops.facts import kinds

PACKAGE = "openmetadata-ingestion"


def kind(workflow: Workflow) -> kinds.Kind:
    """The workflow's kind (see :mod:`mwaa_gitops.facts.kinds`)."""
    return kinds.kind_of(workflow.config)


def pipeline_type(workflow: Workflow) -> str:
    """The ``pipelineType`` the ECS image runs this workflow as; the checks refuse ECS for a
    kind the image cannot run before anything renders."""
    value = kind(workflow).pipeline_type
    if value is None:
        raise ValueError(f"the ingestion image cannot run a {kind(workflow).name} workflow")
    return value


def workflow_class(workflow: Workflow) -> str:
    """Dotted path of the OpenMetadata workflow class that runs this workflow (from the kinds
    table, never from the config)."""
    value = kind(workflow).workflow_class
    if value is None:
        raise ValueError(f"no workflow class runs a {kind(workflow).name} workflow")
    return value


def requirement(version: str, extra_names: list[str]) -> str:
    """The pinned requirement line, e.g. ``openmetadata-ingestion[postgres]==1.13.6.3``."""
    suffix = f"[{','.join(extra_names)}]" if extra_names else ""
    return f"{PACKAGE}{suffix}=={version}"
