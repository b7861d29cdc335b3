"""Plans and sync outcomes for people (a text table), tools (JSON) and GitHub step summaries."""

from __future__ import annotations

import json
from typing import Any

from mwaa_gitops.diagnostics import Diagnostic, Location
from mwaa_gitops.report import OutputFormat, github_line, publish_markdown
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


def plan_text(inspection: Inspection, environment: str,
              registration: RegistrationPlan | None = None) -> str:
    """The plan as an aligned table with a closing summary line (and the registration's)."""
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
    if registration is not None:
        lines.extend(plan_lines(registration))
    return "\n".join(lines)


def _facts(inspection: Inspection) -> list[str]:
    facts = []
    plan = inspection.plan
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


def item_json(item: Item) -> dict[str, Any]:
    """One plan item for ``--format json``."""
    return {"key": item.key, "action": item.action.value, "phase": item.phase.name,
            "size": item.size, "drift": item.drift, "note": item.note}


def plan_json(inspection: Inspection, environment: str,
              registration: RegistrationPlan | None = None) -> dict[str, Any]:
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
        "versioning": inspection.versioning,
        "locked_by": holder.describe() if holder else None,
        "manifest_commit": inspection.manifest.commit if inspection.manifest else None,
        "items": [item_json(i) for i in plan.items],
    }


def plan_markdown(inspection: Inspection, environment: str,
                  registration: RegistrationPlan | None = None) -> str:
    """A GitHub step summary: heading, table of changes, totals."""
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
              registration: RegistrationPlan | None = None) -> None:
    """Print a plan in ``fmt`` (GitHub: step summary file when set, plus drift annotations),
    with the registration's changes when the environment registers its pipelines."""
    if fmt is OutputFormat.json:
        print(json.dumps(plan_json(inspection, env, registration), indent=2))
    elif fmt is OutputFormat.github:
        publish_markdown(plan_markdown(inspection, env, registration))
        annotate_drift(inspection, env)
    else:
        print(plan_text(inspection, env, registration))


def annotate_drift(inspection: Inspection, env: str) -> None:
    """A warning annotation per drifted object (they show on the run's summary page)."""
    for item in inspection.plan.drifted:
        message = f"{env}: {inspection.target.url}/{item.key} {item.drift}"
        print(github_line(Diagnostic(Location(""), message, code="drift", severity="warning")))
