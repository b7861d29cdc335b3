"""``mwaa-gitops plan``: what a sync of one environment would upload, change and delete."""

from __future__ import annotations

import sys
from pathlib import Path

from mwaa_gitops.config.model import Environment
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.render.installable import moves_warning
from mwaa_gitops.render.mwaa import custom_constraints_set
from mwaa_gitops.report import OutputFormat, report
from mwaa_gitops.sync.changes import plan_changes
from mwaa_gitops.sync.deploy import inspect
from mwaa_gitops.sync.prepare import prepare
from mwaa_gitops.sync.registration import plan_registration
from mwaa_gitops.sync.summary import show_plan


def run(root: Path | None, env: str, fmt: OutputFormat, adopt: bool = False,
        detailed_exitcode: bool = False, check_dags: bool = True, *,
        content: bool = True, code: bool = False) -> int:
    """Print the plan for ``env`` (and of its pipelines' registration in OpenMetadata, when it
    opts in), with each file's content change unless not ``content`` (rendered DAG code by
    its settings unless ``code``); with ``detailed_exitcode``, 2 means there are changes
    (Terraform's meaning); 4 when MWAA already has one of the rendered dag ids from another
    file (``check_dags``)."""
    from mwaa_gitops.verify.check import precheck

    prepared = prepare(root, env)
    checked = prepared.preflight()
    checked.refuse()
    for note in checked.notes:
        sys.stderr.write(note + "\n")
    with prepared.errors():
        inspection = inspect(prepared.target, prepared.desired, environment=env,
                             layout=prepared.layout, adopt=adopt,
                             track_mwaa=prepared.manages_mwaa)
        registration = plan_registration(prepared.environment, prepared.target)
        changes = (plan_changes(inspection.plan, prepared.desired, prepared.target, code=code)
                   if content else None)
    _custom_constraints(prepared.environment, prepared.settings, fmt)
    show_plan(inspection, env, fmt, registration, changes)
    collided = precheck(prepared, fmt, required=False) if check_dags else ExitCode.OK
    if collided:
        return collided
    if detailed_exitcode and not (inspection.plan.nothing_to_do and (
            registration is None or registration.nothing_to_do)):
        return ExitCode.CHANGES
    return ExitCode.OK


def _custom_constraints(environment: Environment, settings: Node | None,
                        fmt: OutputFormat) -> None:
    """The packages of MWAA's image the python approach's custom constraints move: a warning
    a reviewer sees beside the plan."""
    lock_set = custom_constraints_set(environment)
    node = settings.get("mwaa", "customConstraints") if settings is not None else None
    if lock_set is None or node is None:
        return
    warnings = list(moves_warning(environment.root, lock_set, node.location))
    if warnings:
        report(warnings, fmt)
