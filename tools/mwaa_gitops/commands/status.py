"""``mwaa-gitops status``: what is deployed where, the MWAA environment's state, the last verify.

Everything comes from the target and MWAA, none of it from the work tree: the manifest (commit,
time, files), ``GetEnvironment`` (status, last update), and the verify result that ``verify``
stores beside the manifest, so every machine and CI job sees the same answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mwaa_gitops.exits import ExitCode
from mwaa_gitops.report import OutputFormat, publish_markdown
from mwaa_gitops.sync import manifest as manifests
from mwaa_gitops.sync.prepare import Prepared, prepare
from mwaa_gitops.verify import result
from mwaa_gitops.verify.check import has_mwaa
from mwaa_gitops.verify.client import MwaaFailure, describe_environment, mwaa_client


def environment_state(prepared: Prepared) -> dict[str, Any]:
    """MWAA's view of the environment: status and last update, or why it is not known."""
    mwaa = prepared.environment.mwaa
    if not has_mwaa(prepared):
        return {"status": None, "reason": f"{prepared.target.url} is a folder; no MWAA "
                "environment behind it"}
    try:
        found = describe_environment(mwaa_client(mwaa.region), mwaa.environment_name)
    except MwaaFailure as failure:
        return {"status": None, "reason": failure.message}
    if found is None:
        return {"status": None, "reason": "not allowed to read it (airflow:GetEnvironment)"}
    update = found.get("LastUpdate") or {}
    error = update.get("Error") or {}
    created: Any = update.get("CreatedAt")
    return {"status": found.get("Status"), "airflow_version": found.get("AirflowVersion"),
            "last_update": {"status": update.get("Status"),
                            "at": str(created) if created is not None else None,
                            "source": update.get("Source"),
                            "error": error.get("ErrorMessage") or error.get("ErrorCode")}
            if update else None}


def collect(prepared: Prepared, env: str) -> dict[str, Any]:
    """Everything status shows, as plain data."""
    with prepared.errors():
        manifest = manifests.load(prepared.target)
        last = result.load_result(prepared.target)
    deployed = None
    if manifest is not None:
        dags = sorted(key for key in manifest.objects if key.endswith(".py"))
        deployed = {"commit": manifest.commit, "updated": manifest.updated,
                    "complete": manifest.complete, "tool": manifest.tool,
                    "files": len(manifest.objects),
                    "bytes": sum(e.size for e in manifest.objects.values()),
                    "dag_files": dags}
    return {"environment": env, "target": prepared.target.url,
            "mwaa": {"name": prepared.environment.mwaa.environment_name,
                     "region": prepared.environment.mwaa.region,
                     **environment_state(prepared)},
            "deployed": deployed, "last_verify": last}


def text(state: dict[str, Any]) -> str:
    """The status for people."""
    lines = [f"status of '{state['environment']}'"]
    deployed = state["deployed"]
    if deployed is None:
        lines.append(f"  deployed:    nothing synced to {state['target']} yet")
    else:
        interrupted = "" if deployed["complete"] else " (the last sync was interrupted)"
        lines += [f"  deployed:    commit {str(deployed['commit'] or 'unknown')[:12]}, synced "
                  f"{deployed['updated']} to {state['target']}{interrupted}",
                  f"  files:       {deployed['files']} ({_count(len(deployed['dag_files']))})"]
    mwaa = state["mwaa"]
    if mwaa.get("status"):
        version = f", Airflow {mwaa['airflow_version']}" if mwaa.get("airflow_version") else ""
        lines.append(f"  MWAA:        {mwaa['name']} ({mwaa['region']}) {mwaa['status']}"
                     f"{version}")
        update = mwaa.get("last_update")
        if update:
            failed = f": {update['error']}" if update.get("error") else ""
            lines.append(f"  last update: {update.get('status')} at {update.get('at')}{failed}")
    else:
        lines.append(f"  MWAA:        {mwaa['name']} ({mwaa['region']}) unknown: "
                     f"{mwaa.get('reason')}")
    last = state["last_verify"]
    if last is None:
        lines.append("  last verify: never")
    else:
        result = "passed" if last.get("ok") else f"FAILED (exit {last.get('exit_code')})"
        commit = str(last.get("commit") or "unknown")[:12]
        lines.append(f"  last verify: {result} at {last.get('checked')}, commit {commit}")
        if last.get("error"):
            lines.append(f"               {last['error']}")
        for dag in last.get("dags", []):
            if dag.get("state") != "ok":
                lines.append(f"               {dag.get('dag_id')}: {dag.get('state')} "
                             f"{dag.get('detail') or ''}".rstrip())
        if deployed is not None and last.get("commit") != deployed["commit"]:
            lines.append("               (of an earlier sync: verify again)")
    return "\n".join(lines)


def _count(dags: int) -> str:
    return f"{dags} DAG file{'s' if dags != 1 else ''}"


def run(root: Path | None, env: str, fmt: OutputFormat) -> int:
    """Print ``env``'s status."""
    state = collect(prepare(root, env), env)
    if fmt is OutputFormat.json:
        print(json.dumps(state, indent=2, default=str))
    elif fmt is OutputFormat.github:
        publish_markdown("```\n" + text(state) + "\n```")
    else:
        print(text(state))
    return ExitCode.OK
