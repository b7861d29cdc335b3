"""Verify a prepared environment in its MWAA environment: what ``verify``, ``sync --verify`` and
``plan``'s dag-id check share. Waits, judges, stores the result beside the manifest, shows it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.report import OutputFormat, publish_markdown, report
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync import manifest as manifests
from mwaa_gitops.sync.manifest import Manifest
from mwaa_gitops.sync.progress import Progress
from mwaa_gitops.verify import result, watch
from mwaa_gitops.verify import verdict as verify
from mwaa_gitops.verify.client import (
    AirflowApi,
    MwaaFailure,
    RestApi,
    endpoint_configured,
    mwaa_client,
    wait_available,
)

if TYPE_CHECKING:
    from mwaa_gitops.sync.prepare import Prepared


@dataclass(frozen=True)
class Options:
    """How long to wait, and what to run."""

    timeout: float = 600.0  # seconds until MWAA must have parsed our files
    smoke: str | None = None
    smoke_timeout: float = 1800.0
    poll: float = verify.DEFAULT_POLL_SECONDS
    apply_pause: bool = False  # pause/unpause DAGs to match dag.paused


# Beyond --timeout (and --smoke-timeout), the time the last readings may take.
DEADLINE_GRACE = 60.0


def has_mwaa(prepared: Prepared) -> bool:
    """A bucket belongs to an MWAA environment; a folder only when an endpoint stands in."""
    return prepared.target.serves_mwaa or endpoint_configured() is not None


def plan_checks(prepared: Prepared) -> bool:
    """Whether plan asks MWAA unprompted: not for a bucket on another S3-compatible server
    (``mwaa.endpointUrl``), which has no MWAA behind it unless an MWAA endpoint is set."""
    return endpoint_configured() is not None or (
        prepared.target.serves_mwaa and prepared.environment.mwaa.endpoint_url is None)


def no_mwaa(prepared: Prepared, env: str) -> ConfigError:
    return ConfigError([Diagnostic(
        prepared.where, f"environment '{env}' syncs to {prepared.target.url}, a folder with no "
        "MWAA environment behind it, so there is nothing to verify",
        "verify environments whose mwaa.target is an s3:// bucket, or set "
        "AWS_ENDPOINT_URL_MWAA to an InvokeRestApi endpoint that serves "
        f"'{prepared.environment.mwaa.environment_name}'", code="no-mwaa")])


def airflow_api(prepared: Prepared) -> AirflowApi:
    mwaa = prepared.environment.mwaa
    return AirflowApi(RestApi(mwaa_client(mwaa.region), mwaa.environment_name),
                      mwaa.airflow_major)


def owned_paths(prepared: Prepared, manifest: Manifest | None) -> list[str]:
    """DAG files this repository owns in the target (paths below the DAGs folder)."""
    if manifest is None:
        return []
    return [verify.dag_path(key, prepared.layout) for key in manifest.objects
            if key.endswith(".py")]


def collision_check(prepared: Prepared, manifest: Manifest | None,
                    api: AirflowApi) -> list[Diagnostic]:
    """Our dag ids that the environment already has from files we do not own."""
    expected = verify.expected_dags(prepared.environment, prepared.desired, prepared.layout)
    foreign = verify.collisions(expected, api.dags(), ours=owned_paths(prepared, manifest))
    name = prepared.environment.mwaa.environment_name
    found = []
    for want in expected:
        if want.dag_id in foreign:
            found.append(Diagnostic(
                want.location, f"dag id '{want.dag_id}' is already defined by "
                f"{foreign[want.dag_id].fileloc} in MWAA environment '{name}'; syncing "
                f"{want.key} would make Airflow switch between the two files",
                "rename dag.dagId, or remove the other file from the environment",
                code="dag-id-collision", subject=f"workflow '{want.workflow}'"))
    return found


def failure_diagnostic(prepared: Prepared, failure: MwaaFailure) -> Diagnostic:
    """A failure to talk to MWAA, at the environment's mwaa settings."""
    return Diagnostic(prepared.where, failure.message, failure.hint, code=failure.code)


def check(prepared: Prepared, env: str, options: Options, progress: Progress,
          manifest: Manifest | None) -> verify.Verdict:
    """Wait for MWAA to parse the synced files, judge our DAGs, and run the smoke test."""
    started = time.monotonic()
    if manifest is None:
        raise SyncError(f"nothing was synced to {prepared.target.url} yet, so MWAA has none of "
                        "our files", f"run mwaa-gitops sync --env {env} first")
    mwaa = prepared.environment.mwaa
    expected = verify.expected_dags(prepared.environment, prepared.desired, prepared.layout)
    if options.smoke is not None and options.smoke not in {e.dag_id for e in expected}:
        known = ", ".join(sorted(e.dag_id for e in expected)) or "none"
        raise ConfigError.at(Location(""), f"--smoke {options.smoke}: not a DAG this "
                             f"environment renders (its DAGs: {known})", code="usage")
    api = airflow_api(prepared)
    # One deadline for every API call, whatever the answers do (dripping bytes, endless pages).
    api.rest.deadline = started + options.timeout + DEADLINE_GRACE + (
        options.smoke_timeout if options.smoke is not None else 0.0)
    wait_available(api.rest.client, mwaa.environment_name, progress.note,
                   timeout=options.timeout, deadline=api.rest.deadline)
    verdict = verify.Verdict(env, mwaa.environment_name, [],
                             verify.reference_time(manifest, copied=prepared.target.serves_mwaa),
                             manifest.commit)
    expected, notes = verify.synced_only(expected, manifest, prepared.target.url)
    verdict.notes.extend(notes)
    watch.wait(api, expected, verdict, timeout=options.timeout, progress=progress,
                ours=owned_paths(prepared, manifest), poll=options.poll)
    if options.apply_pause:
        watch.apply_pause(api, verdict, progress)
    if options.smoke is not None and verdict.ok:
        watch.smoke(api, options.smoke, verdict, timeout=options.smoke_timeout,
                     progress=progress, poll=options.poll)
    verdict.seconds = time.monotonic() - started
    return verdict


def show(verdict: verify.Verdict, fmt: OutputFormat,
         around: dict[str, Any] | None = None) -> None:
    """The table (stdout, or the step summary) and the problems as diagnostics/annotations;
    JSON goes under ``around["verify"]`` when given (one document for ``sync --verify``)."""
    found = verify.diagnostics(verdict)
    if fmt is OutputFormat.json:
        document = {**result.result_json(verdict), "diagnostics": [_plain(d) for d in found]}
        print(json.dumps({**around, "verify": document} if around is not None else document,
                         indent=2))
        return
    if fmt is OutputFormat.github:
        publish_markdown(result.verdict_markdown(verdict))
        report(found, fmt)
        return
    print(result.verdict_text(verdict))
    if found:
        report(found, fmt)


def _plain(d: Diagnostic) -> dict[str, Any]:
    from mwaa_gitops.report import as_dict

    return as_dict(d)


def store(prepared: Prepared, document: dict[str, Any], progress: Progress) -> None:
    """Keep the result beside the manifest, for ``status`` and whoever looks next."""
    try:
        prepared.target.write(verify.RESULT_KEY,
                              (json.dumps(document, indent=1) + "\n").encode())
    except SyncError as exc:
        progress.note(f"warning: could not store the verify result in {prepared.target.url}: "
                      f"{exc.message}")


def verify_prepared(prepared: Prepared, env: str, fmt: OutputFormat, options: Options,
                    progress: Progress, around: dict[str, Any] | None = None) -> int:
    """Verify an environment already checked and rendered (``verify``, ``sync --verify``)."""
    if not has_mwaa(prepared):
        raise no_mwaa(prepared, env)
    with prepared.errors():
        manifest = manifests.load(prepared.target)
    try:
        with prepared.errors():
            verdict = check(prepared, env, options, progress, manifest)
    except ConfigError as exc:
        if not isinstance(exc.__cause__, MwaaFailure):
            raise
        failure = exc.__cause__
        if around is not None:
            print(json.dumps({**around, "verify": {"ok": False, "exit_code": failure.exit_code,
                                                   "error": failure.message}}, indent=2))
        report([failure_diagnostic(prepared, failure)],
               OutputFormat.text if around is not None else fmt)
        store(prepared, {"format": verify.RESULT_FORMAT, "version": 1, "environment": env,
                         "mwaa": prepared.environment.mwaa.environment_name,
                         "commit": manifest.commit if manifest else None,
                         "checked": result.utc_now(), "ok": False,
                         "exit_code": failure.exit_code, "error": failure.message}, progress)
        return failure.exit_code
    store(prepared, result.result_json(verdict), progress)
    show(verdict, fmt, around)
    return verdict.exit_code


def precheck(prepared: Prepared, fmt: OutputFormat, *, required: bool) -> int:
    """Report dag-id collisions before anything is uploaded: ExitCode.PROBLEMS when there are.

    Unless ``required``, an MWAA that cannot be asked is a warning, not a failure.
    """
    if not has_mwaa(prepared) or (not required and not plan_checks(prepared)):
        return ExitCode.OK
    with prepared.errors():
        manifest = manifests.load(prepared.target)
    try:
        found = collision_check(prepared, manifest, airflow_api(prepared))
    except MwaaFailure as failure:
        if required:
            report([failure_diagnostic(prepared, failure)], _beside(fmt))
            return failure.exit_code
        report([Diagnostic(prepared.where, "dag ids not checked against MWAA "
                           f"'{prepared.environment.mwaa.environment_name}': {failure.message}",
                           failure.hint, code=failure.code, severity="warning")], _beside(fmt))
        return ExitCode.OK
    if found:
        report(found, _beside(fmt))
        return ExitCode.PROBLEMS
    return ExitCode.OK


def _beside(fmt: OutputFormat) -> OutputFormat:
    # Next to a command's own JSON document, problems go to stderr as text.
    return OutputFormat.text if fmt is OutputFormat.json else fmt
