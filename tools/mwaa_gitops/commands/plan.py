"""``mwaa-gitops plan``: what a sync of one environment would upload, change and delete."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mwaa_gitops.exits import ExitCode
from mwaa_gitops.report import OutputFormat
from mwaa_gitops.sync.deploy import inspect
from mwaa_gitops.sync.prepare import prepare
from mwaa_gitops.sync.registration import plan_registration
from mwaa_gitops.sync.summary import show_plan

if TYPE_CHECKING:
    pass

# Distinct from success so CI can tell "nothing to do" apart (only with --detailed-exitcode).


def run(root: Path | None, env: str, fmt: OutputFormat, adopt: bool = False,
        detailed_exitcode: bool = False, check_dags: bool = True) -> int:
    """Print the plan for ``env`` (and of its pipelines' registration in OpenMetadata, when it
    opts in); with ``detailed_exitcode``, 3 means nothing to do; 4 when
    MWAA already has one of the rendered dag ids from another file (``check_dags``)."""
    from mwaa_gitops.verify.check import precheck

    prepared = prepare(root, env)
    with prepared.errors():
        inspection = inspect(prepared.target, prepared.desired, environment=env,
                             layout=prepared.layout, adopt=adopt,
                             track_mwaa=prepared.manages_mwaa)
        registration = plan_registration(prepared.environment, prepared.target)
    show_plan(inspection, env, fmt, registration)
    collided = precheck(prepared, fmt, required=False) if check_dags else ExitCode.OK
    if collided:
        return collided
    if detailed_exitcode and inspection.plan.nothing_to_do and (
            registration is None or registration.nothing_to_do):
        return ExitCode.NOTHING_TO_DO
    return ExitCode.OK
