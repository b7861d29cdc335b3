"""``mwaa-gitops verify``: has MWAA parsed what the last sync wrote, and do our DAGs work there?

Exit codes: 0 verified; 1 invalid config or nothing synced yet; 2 usage; 4 import errors,
missing or colliding DAGs, or a failed smoke run; 5 MWAA had not parsed the files (or the smoke
run had not ended) when the wait ended; 6 MWAA unreachable; 7 permission denied; 8 the
environment is updating, failed or does not exist.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mwaa_gitops.commands import EXIT_OK, guarded
from mwaa_gitops.commands.plan import Prepared, prepare, publish_markdown
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location
from mwaa_gitops.report import OutputFormat, report
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync import manifest as manifests
from mwaa_gitops.sync.manifest import Manifest
from mwaa_gitops.sync.progress import Progress, for_stream
from mwaa_gitops.sync.targets import S3Target
from mwaa_gitops.verify import verdict as verify
from mwaa_gitops.verify.client import (
    EXIT_PROBLEMS,
    AirflowApi,
    MwaaFailure,
    RestApi,
    endpoint_configured,
    mwaa_client,
    wait_available,
)


@dataclass(frozen=True)
class Options:
    """How long to wait, and what to run."""

    timeout: float = 600.0  # seconds until MWAA must have parsed our files
    smoke: str | None = None
    smoke_timeout: float = 1800.0
    poll: float = verify.DEFAULT_POLL_SECONDS
    apply_pause: bool = False  # pause/unpause DAGs to match dag.paused


def has_mwaa(prepared: Prepared) -> bool:
    """A bucket belongs to an MWAA environment; a folder only when an endpoint stands in."""
    return isinstance(prepared.target, S3Target) or endpoint_configured() is not None


def plan_checks(prepared: Prepared) -> bool:
    """Whether plan asks MWAA unprompted: not for a bucket on another S3-compatible server
    (``mwaa.endpointUrl``), which has no MWAA behind it unless an MWAA endpoint is set."""
    return endpoint_configured() is not None or (
        isinstance(prepared.target, S3Target) and prepared.environment.mwaa.endpoint_url is None)


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
    wait_available(api.rest.client, mwaa.environment_name, progress.note,
                   timeout=options.timeout)
    verdict = verify.Verdict(env, mwaa.environment_name, [],
                             verify.reference_time(manifest, copied=isinstance(
                                 prepared.target, S3Target)), manifest.commit)
    expected, notes = verify.synced_only(expected, manifest, prepared.target.url)
    verdict.notes.extend(notes)
    verify.wait(api, expected, verdict, timeout=options.timeout, progress=progress,
                ours=owned_paths(prepared, manifest), poll=options.poll)
    if options.apply_pause:
        verify.apply_pause(api, verdict, progress)
    if options.smoke is not None and verdict.ok:
        verify.smoke(api, options.smoke, verdict, timeout=options.smoke_timeout,
                     progress=progress, poll=options.poll)
    verdict.seconds = time.monotonic() - started
    return verdict


def show(verdict: verify.Verdict, fmt: OutputFormat,
         around: dict[str, Any] | None = None) -> None:
    """The table (stdout, or the step summary) and the problems as diagnostics/annotations;
    JSON goes under ``around["verify"]`` when given (one document for ``sync --verify``)."""
    found = verify.diagnostics(verdict)
    if fmt is OutputFormat.json:
        document = {**verify.result_json(verdict), "diagnostics": [_plain(d) for d in found]}
        print(json.dumps({**around, "verify": document} if around is not None else document,
                         indent=2))
        return
    if fmt is OutputFormat.github:
        publish_markdown(verify.verdict_markdown(verdict))
        report(found, fmt)
        return
    print(verify.verdict_text(verdict))
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
                         "checked": verify.utc_now(), "ok": False,
                         "exit_code": failure.exit_code, "error": failure.message}, progress)
        return failure.exit_code
    store(prepared, verify.result_json(verdict), progress)
    show(verdict, fmt, around)
    return verdict.exit_code


def run(root: Path | None, env: str, fmt: OutputFormat, options: Options) -> int:
    """Verify ``env``'s last sync in its MWAA environment."""

    def action() -> int:
        prepared = prepare(root, env)
        return verify_prepared(prepared, env, fmt, options, for_stream(sys.stderr))

    return guarded(fmt, action)


def precheck(prepared: Prepared, fmt: OutputFormat, *, required: bool) -> int:
    """Report dag-id collisions before anything is uploaded: EXIT_PROBLEMS when there are.

    Unless ``required``, an MWAA that cannot be asked is a warning, not a failure.
    """
    if not has_mwaa(prepared) or (not required and not plan_checks(prepared)):
        return EXIT_OK
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
        return EXIT_OK
    if found:
        report(found, _beside(fmt))
        return EXIT_PROBLEMS
    return EXIT_OK


def _beside(fmt: OutputFormat) -> OutputFormat:
    # Next to a command's own JSON document, problems go to stderr as text.
    return OutputFormat.text if fmt is OutputFormat.json else fmt
