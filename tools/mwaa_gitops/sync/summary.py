"""Plans and sync outcomes for people (a text table), tools (JSON) and GitHub step summaries."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mwaa_gitops.diagnostics import Diagnostic, Location
from mwaa_gitops.render.bundle import BUNDLE_FOLDER
from mwaa_gitops.render.configs import OPENMETADATA_FOLDER
from mwaa_gitops.report import OutputFormat, github_line, publish_markdown
from mwaa_gitops.sync.changes import FileChange
from mwaa_gitops.sync.deploy import Inspection, Outcome
from mwaa_gitops.sync.plan import Action, Item, Plan
from mwaa_gitops.sync.progress import human_bytes
from mwaa_gitops.sync.registration import RegistrationPlan, plan_document, plan_lines


def shown(plan: Plan) -> list[Item]:
    """The items worth a line: everything but plain unchanged objects."""
    return [i for i in plan.items if i.action is not Action.unchanged or i.drift or i.note]


def totals(plan: Plan) -> str:
    """``2 to add, 1 to change, …`` plus the foreign objects left alone."""
    counts = plan.counts()
    parts = [f"{counts['add']} to add", f"{counts['change']} to change",
             f"{counts['delete']} to delete", f"{counts['unchanged']} unchanged"]
    if counts["conflict"]:
        parts.append(f"{counts['conflict']} in conflict")
    foreign = f"; {plan.foreign} foreign object{'s' if plan.foreign != 1 else ''} left alone"
    return ", ".join(parts) + (foreign if plan.foreign else "")


Changes = Mapping[str, FileChange]
# Terraform's marks: what happens to each file, before its content change.
MARKS = {Action.add: "+", Action.change: "~", Action.delete: "-", Action.conflict: "!"}
# A GitHub comment or step summary holds at most 65,536 / 1 MiB characters.
MAX_MARKDOWN_CHARS = 60_000


def changes_text(plan: Plan, changes: Changes) -> list[str]:
    """Each file's content change under a ``~ key`` heading, in apply order."""
    lines: list[str] = []
    for item in plan.items:
        change = changes.get(item.key)
        if change is None:
            continue
        drift = f"  (drift: {item.drift})" if item.drift else ""
        lines += ["", f"{MARKS.get(item.action, ' ')} {item.key}{drift}",
                  *(f"    {line}" for line in change.lines)]
    return lines


def changes_markdown(plan: Plan, changes: Changes, budget: int = MAX_MARKDOWN_CHARS) -> list[str]:
    """Each file's change as a collapsible block; files beyond ``budget`` characters are
    named only (the whole plan is in the job's log)."""
    out: list[str] = []
    used = 0
    for item in plan.items:
        change = changes.get(item.key)
        if change is None:
            continue
        body = change.text
        drift = f" — **drift**: {item.drift}" if item.drift else ""
        title = f"{MARKS.get(item.action, ' ')} <code>{item.key}</code>{drift}"
        if used + len(body) > budget:
            out.append(f"- {title}: left out here (too long; see the job log)")
            continue
        used += len(body)
        fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", body)), default=0))
        language = "diff" if change.kind == "diff" else "text"
        out += [f"<details open><summary>{title}</summary>", "",
                f"{fence}{language}", body.rstrip("\n"), fence, "", "</details>", ""]
    return out


def plan_text(inspection: Inspection, environment: str,
              registration: RegistrationPlan | None = None,
              changes: Changes | None = None) -> str:
    """The plan as an aligned table with a closing summary line (and the registration's),
    then each file's content change."""
    plan = inspection.plan
    lines = [f"plan for '{environment}' → {inspection.target.url}"]
    items = shown(plan)
    width = max((len(i.key) for i in items), default=0)
    for item in items:
        size = human_bytes(item.size) if item.action is not Action.delete else ""
        remark = "; ".join(x for x in (f"drift: {item.drift}" if item.drift else None,
                                       item.note) if x)
        lines.append(f"  {item.action.value:<9} {item.key:<{width}}  {size:>9}  {remark}"
                     .rstrip())
    lines.append(totals(plan))
    lines.extend(_facts(inspection))
    if plan.nothing_to_do:
        lines.append("nothing to do: the target already holds exactly the rendered files")
    if changes:
        lines.extend([*changes_text(plan, changes), ""])
    if registration is not None:
        lines.extend(plan_lines(registration))
    return "\n".join(lines).rstrip("\n")


def bundle(plan: Plan) -> dict[str, int] | None:
    """A private network's wheel bundle in the plan: its wheels, their bytes, and how many
    this sync uploads; None without one."""
    wheels = [i for i in plan.items if i.action is not Action.delete
              and i.key.endswith(".whl") and f"/{OPENMETADATA_FOLDER}/{BUNDLE_FOLDER}/" in
              f"/{i.key}"]
    if not wheels:
        return None
    return {"wheels": len(wheels), "bytes": sum(i.size for i in wheels),
            "upload": sum(1 for i in wheels if i.action in (Action.add, Action.change))}


def _facts(inspection: Inspection) -> list[str]:
    facts = []
    plan = inspection.plan
    wheels = bundle(plan)
    if wheels is not None:
        facts.append(f"wheel bundle: {wheels['wheels']} wheels, "
                     f"{wheels['bytes'] / 1e6:.1f} MB ({wheels['upload']} to upload)")
    if inspection.versioning is not None:
        facts.append(f"bucket versioning: {inspection.versioning}")
    if plan.mwaa_update:
        facts.append(f"MWAA UpdateEnvironment needed for: {', '.join(plan.mwaa_update)}")
    if inspection.holder is not None:
        facts.append(f"locked by {inspection.holder.describe()} (expires "
                     f"{inspection.holder.expires})")
    if inspection.manifest is not None and not inspection.manifest.complete:
        facts.append("the last sync was interrupted; this one finishes it")
    return facts


def item_json(item: Item, change: FileChange | None = None) -> dict[str, Any]:
    """One plan item for ``--format json`` (with its content change, when one was read)."""
    return {"key": item.key, "action": item.action.value, "phase": item.phase.name,
            "size": item.size, "drift": item.drift, "note": item.note,
            **({"change": {"kind": change.kind, "lines": list(change.lines)}} if change else {})}


def plan_json(inspection: Inspection, environment: str,
              registration: RegistrationPlan | None = None,
              changes: Changes | None = None) -> dict[str, Any]:
    """The whole plan as plain data."""
    plan = inspection.plan
    holder = inspection.holder
    return {
        **({"registration": plan_document(registration)} if registration else {}),
        "environment": environment,
        "target": inspection.target.url,
        "nothing_to_do": plan.nothing_to_do,
        "counts": plan.counts(),
        "foreign": plan.foreign,
        "drift": [i.key for i in plan.drifted],
        "mwaa_update": list(plan.mwaa_update),
        "bundle": bundle(plan),
        "versioning": inspection.versioning,
        "locked_by": holder.describe() if holder else None,
        "manifest_commit": inspection.manifest.commit if inspection.manifest else None,
        "items": [item_json(i, (changes or {}).get(i.key)) for i in plan.items],
    }


def plan_markdown(inspection: Inspection, environment: str,
                  registration: RegistrationPlan | None = None,
                  changes: Changes | None = None) -> str:
    """A GitHub step summary (or pull-request comment section): heading, table of changes,
    totals, then each file's content change."""
    plan = inspection.plan
    lines = [f"### mwaa-gitops plan: `{environment}` → `{inspection.target.url}`", ""]
    items = shown(plan)
    if items:
        lines += ["| Action | Key | Size | Note |", "|---|---|---:|---|"]
        for item in items:
            remark = "; ".join(x for x in (f"**drift**: {item.drift}" if item.drift else None,
                                           item.note) if x)
            size = human_bytes(item.size) if item.action is not Action.delete else ""
            lines.append(f"| {item.action.value} | `{item.key}` | {size} | {remark} |")
        lines.append("")
    lines.append(totals(plan))
    lines += ["", *(f"- {fact}" for fact in _facts(inspection))]
    if changes:
        lines += ["", *changes_markdown(plan, changes)]
    if registration is not None:
        lines += ["", "```", *plan_lines(registration), "```"]
    return "\n".join(lines).rstrip() + "\n"


def outcome_text(outcome: Outcome, environment: str, seconds: float) -> str:
    """The closing summary of a sync."""
    plan = outcome.inspection.plan
    url = outcome.inspection.target.url
    if not outcome.changed:
        return (f"'{environment}' is in sync with {url}: {plan.counts()['unchanged']} objects "
                f"unchanged, nothing written ({seconds:.1f}s)")
    applied = outcome.applied
    counts = plan.counts()
    line = (f"synced '{environment}' → {url}: {counts['add']} added, {counts['change']} "
            f"changed, {counts['delete']} deleted, {counts['unchanged']} unchanged")
    if applied is not None:
        line += f"; {human_bytes(applied.uploaded_bytes)} uploaded"
    line += f" in {seconds:.1f}s"
    if plan.foreign:
        line += f"; {plan.foreign} foreign object{'s' if plan.foreign != 1 else ''} left alone"
    lines = [line]
    if plan.drifted:
        lines.append(f"drift corrected: {', '.join(i.key for i in plan.drifted)}")
    if outcome.mwaa_updated:
        lines.append(f"MWAA UpdateEnvironment called for: {', '.join(outcome.mwaa_updated)}")
    return "\n".join(lines)


def outcome_json(outcome: Outcome, environment: str, seconds: float) -> dict[str, Any]:
    """The sync's result as plain data."""
    applied = outcome.applied
    return {
        **plan_json(outcome.inspection, environment),
        "result": "applied" if outcome.changed else "nothing-to-do",
        "uploaded": applied.uploaded if applied else 0,
        "uploaded_bytes": applied.uploaded_bytes if applied else 0,
        "deleted": applied.deleted if applied else 0,
        "mwaa_updated": outcome.mwaa_updated,
        "seconds": round(seconds, 3),
    }


def outcome_markdown(outcome: Outcome, environment: str, seconds: float) -> str:
    """A GitHub step summary of a finished sync."""
    body = plan_markdown(outcome.inspection, environment).replace("mwaa-gitops plan:",
                                                                  "mwaa-gitops sync:", 1)
    return body + "\n" + outcome_text(outcome, environment, seconds) + "\n"


def show_plan(inspection: Inspection, env: str, fmt: OutputFormat,
              registration: RegistrationPlan | None = None,
              changes: Changes | None = None) -> None:
    """Print a plan in ``fmt`` (GitHub: step summary file when set, plus drift annotations),
    with the registration's changes when the environment registers its pipelines, and each
    file's content change when ``changes`` holds them."""
    if fmt is OutputFormat.json:
        print(json.dumps(plan_json(inspection, env, registration, changes), indent=2))
    elif fmt is OutputFormat.github:
        publish_markdown(plan_markdown(inspection, env, registration, changes))
        annotate_drift(inspection, env)
    else:
        print(plan_text(inspection, env, registration, changes))


def annotate_drift(inspection: Inspection, env: str) -> None:
    """A warning annotation per drifted object (they show on the run's summary page)."""
    for item in inspection.plan.drifted:
        message = f"{env}: {inspection.target.url}/{item.key} {item.drift}"
        print(github_line(Diagnostic(Location(""), message, code="drift", severity="warning")))
