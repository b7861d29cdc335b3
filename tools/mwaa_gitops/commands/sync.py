"""``mwaa-gitops sync``: put exactly an environment's rendered files into its target.

Exit codes: 0 success, 1 failure (invalid config, lock held, S3 or MWAA error), 2 usage;
with ``--detailed-exitcode`` a sync that had nothing to do exits 3 instead of 0; with
``--verify``, the verification's codes (4-8, see :class:`mwaa_gitops.exits.ExitCode`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.report import OutputFormat, publish_markdown
from mwaa_gitops.sync import deploy, registration
from mwaa_gitops.sync.changes import plan_changes
from mwaa_gitops.sync.mwaa import MwaaEnvironment
from mwaa_gitops.sync.prepare import prepare
from mwaa_gitops.sync.progress import for_stream
from mwaa_gitops.sync.summary import (
    annotate_drift,
    outcome_json,
    outcome_markdown,
    outcome_text,
    show_plan,
)
from mwaa_gitops.sync.targets import DEFAULT_JOBS
from mwaa_gitops.verify.check import Options as VerifyOptions
from mwaa_gitops.verify.check import has_mwaa, no_mwaa, precheck, verify_prepared


def run(root: Path | None, env: str, fmt: OutputFormat, *, dry_run: bool = False,
        adopt: bool = False, jobs: int = DEFAULT_JOBS, update_mwaa: bool = True,
        wait: bool = False, wait_timeout_minutes: float = 60.0, commit: str | None = None,
        stale_lock_minutes: float = 15.0, detailed_exitcode: bool = False,
        allow_older: bool = False, verify: VerifyOptions | None = None) -> int:
    """Validate, render and sync ``env``; nothing is written when validation fails.

    With ``verify``, dag ids are checked against MWAA before anything is uploaded, and the
    sync ends with a verification (whose exit code it then returns).
    """
    prepared = prepare(root, env, jobs)
    checked = prepared.preflight()  # before anything is read from or written to the target
    checked.refuse()
    for note in checked.notes:
        for_stream(sys.stderr).note(note)
    if verify is not None:
        if not has_mwaa(prepared):
            raise no_mwaa(prepared, env)
        collided = precheck(prepared, fmt, required=True)
        if collided:
            return collided
    if dry_run:
        with prepared.errors():
            inspection = deploy.inspect(prepared.target, prepared.desired, environment=env,
                                        layout=prepared.layout, adopt=adopt,
                                        track_mwaa=prepared.manages_mwaa and update_mwaa)
            planned = registration.plan_registration(prepared.environment, prepared.target)
            changes = plan_changes(inspection.plan, prepared.desired, prepared.target)
        show_plan(inspection, env, fmt, planned, changes)
        nothing = inspection.plan.nothing_to_do and (planned is None or planned.nothing_to_do)
        return ExitCode.CHANGES if detailed_exitcode and not nothing else ExitCode.OK
    started = time.monotonic()
    mwaa_settings = prepared.environment.mwaa
    options = deploy.Options(adopt=adopt, jobs=jobs, wait=wait,
                             wait_timeout=wait_timeout_minutes * 60,
                             stale_after=timedelta(minutes=stale_lock_minutes),
                             allow_older=allow_older)
    recorded = deploy.source_commit(prepared.repo.root, commit)
    if commit is None and not os.environ.get(deploy.COMMIT_VARIABLE):
        _warn_if_dirty(prepared.repo.root, recorded)
    with prepared.errors():
        mwaa = (MwaaEnvironment.connect(mwaa_settings.environment_name, mwaa_settings.region)
                if prepared.manages_mwaa and update_mwaa else None)
        outcome = deploy.sync(prepared.target, prepared.desired, environment=env,
                              commit=recorded,
                              layout=prepared.layout, mwaa=mwaa, options=options,
                              progress=for_stream(sys.stderr),
                              history=prepared.repo.root)
    # After the bucket, never undoing it: a refusal is reported once the sync's outcome is.
    with prepared.errors():
        registered = registration.register(
            prepared.environment, prepared.target, setting=prepared.registration_setting,
            commit=recorded, note=for_stream(sys.stderr).note)
    seconds = time.monotonic() - started
    if fmt is OutputFormat.json:
        document = outcome_json(outcome, env, seconds)
        if registered is not None:
            document["registration"] = {**registration.plan_document(registered[0]),
                                        **registration.outcome_document(registered[1])}
        if verify is None:
            print(json.dumps(document, indent=2))
    elif fmt is OutputFormat.github:
        publish_markdown(outcome_markdown(outcome, env, seconds))
        annotate_drift(outcome.inspection, env)
    else:
        print(outcome_text(outcome, env, seconds))
    if registered is not None and fmt is not OutputFormat.json:
        print(registration.outcome_line(registered[1]))
    if registered is not None and registered[1].problems:
        raise ConfigError(registered[1].problems)
    if verify is not None:
        progress = for_stream(sys.stderr)
        progress.note(f"verifying '{env}' in MWAA "
                      f"{prepared.environment.mwaa.environment_name}")
        # One JSON document: the sync's, with the verification under "verify".
        code = verify_prepared(prepared, env, fmt, verify, progress,
                               around=document if fmt is OutputFormat.json else None)
        if code:
            return code
    if detailed_exitcode and (outcome.changed or (registered is not None
                                                  and registered[1].changed)):
        return ExitCode.CHANGES
    return ExitCode.OK


def _warn_if_dirty(root: Path, recorded: str | None) -> None:
    """The manifest records HEAD: say so when the files synced are not what HEAD holds."""
    from mwaa_gitops import git

    changed = git.uncommitted(root)
    if not changed or recorded is None:
        return
    shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
    sys.stderr.write(f"warning: uncommitted changes ({shown}) are synced, but the manifest "
                     f"records commit {recorded[:12]} (HEAD), which does not hold them; commit "
                     "them first, or pass --commit to record something else\n")
