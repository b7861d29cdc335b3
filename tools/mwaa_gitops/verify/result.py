"""A verdict as stored beside the manifest (JSON) and as shown (text, Markdown)."""


from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from mwaa_gitops.sync.targets import Target
from mwaa_gitops.verify.verdict import (
    RESULT_FORMAT,
    RESULT_KEY,
    Verdict,
)


def utc_now() -> str:
    """Now, as the manifest writes times."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def result_json(verdict: Verdict) -> dict[str, Any]:
    """The verdict as plain data (``--format json``, and what is stored in the target)."""
    return {
        "format": RESULT_FORMAT,
        "version": 1,
        "environment": verdict.environment,
        "mwaa": verdict.mwaa_name,
        "commit": verdict.commit,
        "checked": utc_now(),
        "ok": verdict.ok,
        "exit_code": verdict.exit_code,
        "timed_out": verdict.timed_out,
        "seconds": round(verdict.seconds, 1),
        "dags": [{"dag_id": r.expected.dag_id, "workflow": r.expected.workflow,
                  "file": r.expected.key, "state": r.state.value, "detail": r.detail,
                  "paused": r.paused,
                  "last_parsed": r.last_parsed.isoformat() if r.last_parsed else None,
                  "at": str(r.where)} for r in verdict.rows],
        "smoke": asdict(verdict.smoke) if verdict.smoke else None,
        "notes": verdict.notes,
    }


def load_result(target: Target) -> dict[str, Any] | None:
    """The last stored verdict, or None (never verified, or unreadable)."""
    found = target.read(RESULT_KEY)
    if found is None:
        return None
    try:
        document = json.loads(found[0])
    except ValueError:
        return None
    return document if isinstance(document, dict) and \
        document.get("format") == RESULT_FORMAT else None


def _when(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def _paused(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def headline(verdict: Verdict) -> str:
    """One line: how the verification ended."""
    count = len(verdict.rows)
    if verdict.ok:
        line = (f"verified '{verdict.environment}' in MWAA {verdict.mwaa_name}: {count} DAG"
                f"{'s' if count != 1 else ''} parsed from our files, no import errors")
        if verdict.smoke is not None:
            line += f", smoke run of {verdict.smoke.dag_id} succeeded"
        return line + f" ({verdict.seconds:.1f}s)"
    problems = len([r for r in verdict.problems if not r.state.pending or verdict.timed_out])
    parts = [f"{problems} of {count} DAGs with problems"] if problems else []
    if verdict.timed_out:
        parts.append("MWAA had not parsed every file when the wait ended")
    if verdict.smoke is not None and verdict.smoke.state != "success":
        parts.append(f"smoke run {'not ended' if verdict.smoke_timed_out else verdict.smoke.state}")
    return (f"verify of '{verdict.environment}' in MWAA {verdict.mwaa_name} failed: "
            f"{'; '.join(parts)} ({verdict.seconds:.1f}s)")


def verdict_text(verdict: Verdict) -> str:
    """An aligned table of the DAGs, then the headline."""
    since = f", files synced {_when(verdict.reference)}" if verdict.reference else ""
    commit = f" from commit {verdict.commit[:12]}" if verdict.commit else ""
    lines = [f"verify '{verdict.environment}' → MWAA {verdict.mwaa_name}{commit}{since}"]
    header = ("DAG", "WORKFLOW", "STATE", "PAUSED", "LAST PARSED")
    table = [header] + [(r.expected.dag_id, r.expected.workflow, r.state.value,
                         _paused(r.paused), _when(r.last_parsed)) for r in verdict.rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths,
                                                                         strict=True)).rstrip())
    if verdict.smoke is not None:
        lines.append(f"smoke run {verdict.smoke.run_id} of {verdict.smoke.dag_id}: "
                     f"{verdict.smoke.state}")
    lines.extend(verdict.notes)
    lines.append(headline(verdict))
    return "\n".join(lines)


def verdict_markdown(verdict: Verdict) -> str:
    """A GitHub step summary: the DAG table and the headline."""
    mark = "✅" if verdict.ok else "❌"
    lines = [f"### {mark} mwaa-gitops verify: {_name(verdict.environment)} → MWAA "
             f"{_name(verdict.mwaa_name)}", "",
             "| DAG | Workflow | File | State | Paused | Last parsed | Detail |",
             "|---|---|---|---|---|---|---|"]
    for r in verdict.rows:
        lines.append(f"| {_name(r.expected.dag_id)} | {_plain(r.expected.workflow)} | "
                     f"{_name(r.expected.key)} | {r.state.value} | {_paused(r.paused)} | "
                     f"{_when(r.last_parsed)} | {_md(r.detail)} |")
    if verdict.smoke is not None:
        lines += ["", f"Smoke run {_name(verdict.smoke.run_id)} of "
                  f"{_name(verdict.smoke.dag_id)}: **{_md(verdict.smoke.state)}**"]
    lines += ["", *(f"- {_md(note)}" for note in verdict.notes), _md(headline(verdict))]
    return "\n".join(lines) + "\n"


# Characters that make Markdown or HTML of a text (links, code, emphasis, tags, table cells,
# autolinks): each is written as an entity, so it shows as itself.
_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*[]()<>|&~!=:"})
# An underscore starts emphasis only at the edge of a word; inside one (dag_id) it is text.
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# Names that hold no markup at all: dag ids, workflow names, bucket keys as Airflow allows them.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/]*")
SHOWN_MAX = 500


def _md(text: str) -> str:
    """``text`` (a name from the environment, a message) as inert Markdown: one line, every
    character that could start markup written as an entity, at most :data:`SHOWN_MAX` long."""
    flat = " ".join(str(text).split())
    flat = flat if len(flat) <= SHOWN_MAX else flat[:SHOWN_MAX] + "…"
    return _EDGE_UNDERSCORE.sub("&#95;", flat.translate(_MARKDOWN))


def _plain(text: str) -> str:
    """A name shown as text: itself when it holds no markup, else :func:`_md`."""
    return text if _PLAIN_NAME.fullmatch(text) and len(text) <= SHOWN_MAX else _md(text)


def _name(text: str) -> str:
    """A name shown as code (a dag id, a key): a code span when it holds no markup (nothing in
    one is read as Markdown), else :func:`_md`."""
    plain = _plain(text)
    return f"`{plain}`" if plain == text else plain
