"""What OpenMetadata needs to know to run a workflow: its pipeline type and workflow class (the
extras it needs: :mod:`mwaa_gitops.facts.connectors`).

The kind of a workflow, and with it the class and the ECS ``pipelineType`` that run it, comes
from the one table in :mod:`mwaa_gitops.facts.kinds`.
"""

from __future__ import annotations

from mwaa_gitops.config.model import Workflow
from mwaa_gitops.facts import kinds, requirements_data

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


def missing_lock_message(workflow: Workflow, airflow: str, ingestion: str,
                         extras: tuple[str, ...]) -> str:
    return (f"workflow '{workflow.name}' runs in a task virtualenv, but no locked requirement "
            f"set of {requirement(ingestion, list(extras))} on MWAA's Airflow "
            f"{airflow} is vendored")


def regenerate_hint(extras: tuple[str, ...], ingestion: str) -> str:
    """How to vendor the missing lock: the extras set, and the release when it is not
    supported."""
    where = (f"in mwaa_gitops.facts.requirements_data of mwaa-gitops and run "
             f"`{requirements_data.GENERATE}` there")
    if ingestion in requirements_data.SUPPORTED_INGESTION:
        return f"add the extras set {extras!r} to EXTRA_SETS {where}"
    versions = ", ".join(requirements_data.SUPPORTED_INGESTION)
    return (f"use openmetadata-ingestion {versions}; or add the release to SUPPORTED_INGESTION "
            f"(and the extras set {extras!r} to EXTRA_SETS, if it is not there) {where}")
