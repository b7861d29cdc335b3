"""Stage 7, verify: did MWAA parse the files the last sync wrote, and do our DAGs work there?

A sync is done when MWAA has *parsed* our files, not when S3 holds them. The rule used here:
a DAG file counts as parsed when Airflow reports, for each DAG id rendered into it, a DAG whose
``fileloc`` is that file (the key below the DAGs prefix, as a path suffix) and whose
``last_parsed_time`` is later than the upload — the manifest's ``updated`` time, which is
written after every object, plus the 30 s MWAA takes to copy the bucket to its schedulers
(``file://`` targets are the DAGs folder itself: no delay). A file that fails to import counts
as parsed when Airflow's import error for it is that recent. Airflow re-parses every file
periodically, so an old upload is satisfied at once and a fresh one within a parse interval.

What is then reported: import errors in our files (at the overlay line of the setting the
failing line of the rendered file uses, else at the workflow's ``dag.dagId``), DAG ids that are
missing, DAG ids that another file also defines (Airflow keeps one DAG per id and flips between
the files), DAGs whose pause state differs from their ``dag.paused`` (at that setting: Airflow
applies it only when a DAG first appears), and, where ``dag.paused`` is unset, scheduled DAGs
that are paused (a warning: MWAA creates DAGs paused).

The core (:func:`expected_dags`, :func:`judge`, :func:`collisions`) is pure; :func:`wait` and
:func:`smoke` talk to Airflow through :class:`~mwaa_gitops.verify.client.AirflowApi`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

from mwaa_gitops.config.model import Environment
from mwaa_gitops.diagnostics import Diagnostic, Location
from mwaa_gitops.sync.manifest import Manifest
from mwaa_gitops.sync.plan import Desired, Layout
from mwaa_gitops.sync.progress import Progress
from mwaa_gitops.sync.targets import RESERVED, Target
from mwaa_gitops.verify.client import (
    EXIT_PROBLEMS,
    EXIT_TIMEOUT,
    SMOKE_PREFIX,
    AirflowApi,
    Dag,
    DagRun,
    ImportFailure,
    MwaaFailure,
)

RESULT_KEY = RESERVED + "verify.json"
RESULT_FORMAT = "mwaa-gitops-verify"
COPY_DELAY = timedelta(seconds=30)  # MWAA copies the bucket to its schedulers this often
FINAL_RUN_STATES = frozenset({"success", "failed"})
DEFAULT_POLL_SECONDS = 10.0
# Template constants of a rendered DAG file → the `dag:` setting that gives each its value.
SETTINGS = {"DAG_ID": "dagId", "SCHEDULE": "schedule", "START_DATE": "startDate",
            "TAGS": "tags", "OWNER": "owner", "RETRIES": "retries",
            "RETRY_DELAY_MINUTES": "retryDelayMinutes", "MAX_ACTIVE_RUNS": "maxActiveRuns",
            "TIMEOUT_MINUTES": "timeoutMinutes", "PAUSED": "paused"}
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')
_NAME = re.compile(r"\b[A-Z][A-Z0-9_]*\b")


class State(str, Enum):
    ok = "ok"
    import_error = "import error"
    collision = "collision"
    missing = "missing"  # no DAG with the id yet
    not_parsed = "not parsed"  # the DAG is there, last parsed before the upload
    pause_differs = "pause differs"  # paused where dag.paused is false, or the other way

    @property
    def pending(self) -> bool:
        """Still waiting for a parse (a problem only once the wait times out)."""
        return self in (State.missing, State.not_parsed)


@dataclass(frozen=True)
class Expected:
    """A DAG id the environment renders, the file it is in, and where it was configured."""

    dag_id: str
    workflow: str
    key: str  # bucket key, relative to the target prefix
    path: str  # the file below the DAGs folder, as Airflow's fileloc ends
    location: Location  # the workflow's dag id setting (or its file)
    scheduled: bool
    source: bytes = b""  # the rendered file, to read the line a traceback names
    settings: Mapping[str, Location] = field(default_factory=dict)
    paused: bool | None = None  # dag.paused; None: not configured


@dataclass(frozen=True)
class Row:
    """One DAG's verdict."""

    expected: Expected
    state: State
    detail: str = ""
    paused: bool | None = None
    last_parsed: datetime | None = None
    location: Location | None = None  # where the problem points (import errors)

    @property
    def where(self) -> Location:
        return self.location or self.expected.location


@dataclass
class Verdict:
    """What verify found; ``exit_code`` 0 means the deploy works."""

    environment: str
    mwaa_name: str
    rows: list[Row]
    reference: datetime | None
    commit: str | None
    timed_out: bool = False
    notes: list[str] = field(default_factory=list)
    smoke: DagRun | None = None
    smoke_timed_out: bool = False
    seconds: float = 0.0

    @property
    def problems(self) -> list[Row]:
        return [r for r in self.rows if r.state is not State.ok]

    @property
    def exit_code(self) -> int:
        if any(not r.state.pending for r in self.problems):
            return EXIT_PROBLEMS
        if self.timed_out or self.smoke_timed_out:
            return EXIT_TIMEOUT
        if self.smoke is not None and self.smoke.state != "success":
            return EXIT_PROBLEMS
        return 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def dag_path(key: str, layout: Layout) -> str:
    """The part of a bucket key below the DAGs prefix (what Airflow's fileloc ends with)."""
    prefix = layout.dags_prefix + "/" if layout.dags_prefix else ""
    return key[len(prefix):] if key.startswith(prefix) else key


def expected_dags(env: Environment, desired: Mapping[str, Desired],
                  layout: Layout) -> list[Expected]:
    """Every DAG id ``env`` renders, with its file and the settings that shaped it."""
    from mwaa_gitops.render.dags import dag_key
    from mwaa_gitops.render.discovery import discovery_key

    found = []
    for workflow in env.workflows:
        key = dag_key(env, workflow)
        if key not in desired:
            continue
        settings = {}
        for constant, name in SETTINGS.items():
            node = workflow.tree.get("dag", name)
            if node is not None:
                settings[constant] = node.location
        anchor = settings.get("DAG_ID", workflow.tree.location)
        found.append(Expected(workflow.dag.dag_id, workflow.name, key, dag_path(key, layout),
                              anchor, workflow.dag.schedule is not None, desired[key].data,
                              settings, workflow.dag.paused))
    key = discovery_key(env)
    if key in desired:
        found.append(Expected(env.discovery.dag_id, "connection discovery", key,
                              dag_path(key, layout), Location(f"environments/{env.name}"),
                              False, desired[key].data))
    return found


def synced_only(expected: Sequence[Expected], manifest: Manifest,
                url: str) -> tuple[list[Expected], list[str]]:
    """The expected DAGs whose file the last sync wrote, and notes on the others.

    A DAG rendered here but never synced cannot be in MWAA: waiting for it would be in vain.
    """
    from mwaa_gitops.sync.manifest import sha256_hex

    synced, notes = [], []
    for want in expected:
        entry = manifest.objects.get(want.key)
        if entry is None:
            notes.append(f"note: {want.key} ({want.dag_id}) is not in {url} yet: sync first "
                         "to verify it")
            continue
        if entry.sha256 != sha256_hex(want.source):
            notes.append(f"note: {url} holds another {want.key} than this checkout renders; "
                         "verified is what was synced")
        synced.append(want)
    return synced, notes


def is_file(fileloc: str, path: str) -> bool:
    """Whether Airflow's ``fileloc`` (absolute on MWAA, or bundle-relative) is ``path``."""
    return fileloc == path or fileloc.endswith("/" + path)


def reference_time(manifest: Manifest | None, *, copied: bool) -> datetime | None:
    """When our files were in place for MWAA: the manifest's time, plus the bucket copy."""
    if manifest is None or not manifest.updated:
        return None
    when = datetime.strptime(manifest.updated, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return when + COPY_DELAY if copied else when


def collisions(expected: Sequence[Expected], dags: Iterable[Dag], *,
               ours: Iterable[str] = (), since: datetime | None = None) -> dict[str, Dag]:
    """Our dag ids that Airflow has from another file (dag id → that DAG).

    ``ours`` are paths below the DAGs folder this repository owns (a DAG still listed from a
    file we just renamed is ours, not foreign); with ``since``, only DAGs parsed after it count.
    """
    owned = list(ours)
    wanted = {e.dag_id: e for e in expected}
    found = {}
    for dag in dags:
        mine = wanted.get(dag.dag_id)
        if mine is None or not dag.fileloc or is_file(dag.fileloc, mine.path):
            continue
        if any(is_file(dag.fileloc, path) for path in owned):
            continue
        if since is not None and (dag.last_parsed is None or dag.last_parsed < since):
            continue
        found[dag.dag_id] = dag
    return found


def judge(expected: Sequence[Expected], dags: Sequence[Dag], errors: Sequence[ImportFailure],
          reference: datetime | None, foreign: Mapping[str, Dag]) -> list[Row]:
    """Each expected DAG's state, from one reading of Airflow's DAGs and import errors."""
    by_id = {dag.dag_id: dag for dag in dags}
    rows = []
    for want in expected:
        dag = by_id.get(want.dag_id)
        paused = dag.is_paused if dag is not None else None
        parsed = dag.last_parsed if dag is not None else None
        error = next((e for e in errors if is_file(e.filename, want.path)), None)
        if want.dag_id in foreign:
            other = foreign[want.dag_id].fileloc
            rows.append(Row(want, State.collision, f"Airflow also has dag id '{want.dag_id}' "
                            f"from {other}", paused, parsed))
        elif error is not None and _recent(error.timestamp, reference):
            detail, where = explain_import_error(want, error.stack_trace)
            rows.append(Row(want, State.import_error, detail, paused, parsed, where))
        elif dag is None or not is_file(dag.fileloc, want.path):
            rows.append(Row(want, State.missing, "not in Airflow yet", paused, parsed))
        elif error is not None or not _recent(parsed, reference):
            rows.append(Row(want, State.not_parsed, "not parsed since the upload", paused,
                            parsed))
        elif want.paused is not None and paused is not None and paused != want.paused:
            rows.append(Row(want, State.pause_differs, _pause_difference(want.paused), paused,
                            parsed, want.settings.get("PAUSED")))
        else:
            rows.append(Row(want, State.ok, _pause_note(want, paused), paused, parsed))
    return rows


def _recent(when: datetime | None, reference: datetime | None) -> bool:
    if reference is None:
        return True
    return when is not None and when >= reference


def _pause_difference(configured: bool) -> str:
    return "unpaused, but dag.paused is true" if configured else \
        "paused, but dag.paused is false"


def _pause_note(want: Expected, paused: bool | None) -> str:
    if want.paused is None and paused and want.scheduled:
        return "paused: its schedule does not run until it is unpaused"
    return ""


def explain_import_error(want: Expected, stack_trace: str) -> tuple[str, Location | None]:
    """The import error's last line, and the overlay line of the setting its failing line of
    our rendered file uses (None when no setting is to blame)."""
    lines = [line for line in stack_trace.strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else "import failed"
    frames = [(m["file"], int(m["line"])) for m in _FRAME.finditer(stack_trace)
              if is_file(m["file"], want.path)]
    if not frames:
        return last, None
    number = frames[-1][1]
    source = want.source.decode(errors="replace").splitlines()
    text = source[number - 1].strip() if 0 < number <= len(source) else ""
    blamed = [want.settings[name] for name in _NAME.findall(text) if name in want.settings]
    shown = f"{last} (rendered line {number}: {text})" if text else last
    return shown, blamed[0] if blamed else None


def diagnostics(verdict: Verdict) -> list[Diagnostic]:
    """One diagnostic per problem, at the overlay line it comes from; warnings for notes."""
    found = []
    for row in verdict.rows:
        want = row.expected
        subject = f"workflow '{want.workflow}'"
        if row.state is State.import_error:
            found.append(Diagnostic(row.where, f"MWAA cannot import {want.key}: {row.detail}",
                                    "fix the setting, validate, and sync again",
                                    code="import-error", subject=subject))
        elif row.state is State.collision:
            found.append(Diagnostic(row.where, f"dag id '{want.dag_id}' is also defined by "
                                    f"{_foreign(row)} in MWAA environment "
                                    f"'{verdict.mwaa_name}'; Airflow keeps one DAG per id and "
                                    "switches between the files",
                                    "rename dag.dagId, or remove the other file",
                                    code="dag-id-collision", subject=subject))
        elif row.state is State.pause_differs:
            action = "pause" if want.paused else "unpause"
            found.append(Diagnostic(row.where, f"DAG '{want.dag_id}' is {row.detail}; Airflow "
                                    "applies dag.paused only when a DAG first appears",
                                    f"{action} it once in the Airflow UI, or run verify "
                                    "--apply-pause; or change dag.paused",
                                    code="pause-differs", subject=subject))
        elif row.state.pending and verdict.timed_out:
            found.append(Diagnostic(row.where, f"{want.key} ({want.dag_id}): {row.detail} "
                                    f"when the wait ended", "MWAA parses new files within "
                                    "minutes; wait longer with --timeout, or look for the "
                                    "file in the Airflow UI", code="not-parsed",
                                    subject=subject))
        elif row.detail:
            found.append(Diagnostic(row.where, f"DAG '{want.dag_id}' is {row.detail}",
                                    code="paused", severity="warning", subject=subject))
    if verdict.smoke is not None and verdict.smoke.state != "success":
        smoke = verdict.smoke
        state = f"not ended after the wait ({smoke.state})" if verdict.smoke_timed_out \
            else f"ended {smoke.state}"
        smoked = next((r for r in verdict.rows if r.expected.dag_id == smoke.dag_id), None)
        where = smoked.expected.location if smoked else Location("")
        found.append(Diagnostic(where, f"smoke run {smoke.run_id} of '{smoke.dag_id}' {state}",
                                "its task logs are in the Airflow UI", code="smoke"))
    return found


def _foreign(row: Row) -> str:
    return row.detail.rsplit(" from ", 1)[-1] if " from " in row.detail else "another file"


def wait(api: AirflowApi, expected: Sequence[Expected], verdict: Verdict, *, timeout: float,
         progress: Progress, ours: Sequence[str] = (), poll: float = DEFAULT_POLL_SECONDS,
         sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.monotonic) -> Verdict:
    """Read Airflow until every expected DAG file was parsed since the upload, or ``timeout``.

    Fills ``verdict.rows``; a foreign file seen with one of our dag ids at any reading stays a
    collision (Airflow alternates between the files, so one reading may miss it).
    """
    started = clock()
    foreign: dict[str, Dag] = {}
    last = ""
    while True:
        errors = api.import_errors()
        dags = api.dags()
        foreign.update(collisions(expected, dags, ours=ours, since=verdict.reference))
        verdict.rows = judge(expected, dags, errors, verdict.reference, foreign)
        pending = [r for r in verdict.rows if r.state.pending]
        elapsed = clock() - started
        line = (f"MWAA {verdict.mwaa_name}: {len(expected) - len(pending)}/{len(expected)} DAG "
                f"files parsed since the upload")
        if pending:
            shown = ", ".join(r.expected.key for r in pending[:3])
            line += f"; waiting for {shown}{' …' if len(pending) > 3 else ''}"
        if line != last or elapsed >= timeout:
            progress.note(f"{line} ({_clock(elapsed)} of {_clock(timeout)})")
            last = line
        if not pending:
            return verdict
        if elapsed >= timeout:
            verdict.timed_out = True
            return verdict
        sleep(min(poll, max(timeout - elapsed, 0.0)) or poll)


def smoke(api: AirflowApi, dag_id: str, verdict: Verdict, *, timeout: float,
          progress: Progress, poll: float = DEFAULT_POLL_SECONDS,
          sleep: Callable[[float], None] = time.sleep,
          clock: Callable[[], float] = time.monotonic) -> Verdict:
    """Trigger a run of ``dag_id`` and wait for its final state (or ``timeout``)."""
    row = next((r for r in verdict.rows if r.expected.dag_id == dag_id), None)
    if row is not None and row.paused:
        raise MwaaFailure(f"DAG '{dag_id}' is paused: a smoke run of it would wait in the "
                          "queue", "unpause it in the Airflow UI (once), then run verify "
                          "--smoke again", exit_code=EXIT_PROBLEMS, code="paused")
    run_id = SMOKE_PREFIX + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + \
        secrets.token_hex(2)
    started = clock()
    run = api.trigger(dag_id, run_id)
    progress.note(f"MWAA {verdict.mwaa_name}: triggered {dag_id} run {run_id}")
    state = run.state
    while run.state not in FINAL_RUN_STATES:
        elapsed = clock() - started
        if elapsed >= timeout:
            verdict.smoke_timed_out = True
            break
        sleep(poll)
        run = api.run(dag_id, run_id) or run
        if run.state != state:
            progress.note(f"MWAA {verdict.mwaa_name}: {dag_id} run is {run.state} "
                          f"({_clock(clock() - started)})")
            state = run.state
    verdict.smoke = run
    return verdict


def apply_pause(api: AirflowApi, verdict: Verdict, progress: Progress) -> Verdict:
    """Pause or unpause each DAG whose pause state differs from its ``dag.paused``.

    A DAG whose call fails stays a problem, with the reason among the notes.
    """
    for index, row in enumerate(verdict.rows):
        want = row.expected
        if row.state is not State.pause_differs or want.paused is None:
            continue
        action = "paused" if want.paused else "unpaused"
        try:
            now = api.set_paused(want.dag_id, want.paused)
        except MwaaFailure as failure:
            verdict.notes.append(f"note: {want.dag_id} left as it is: {failure.message}")
            continue
        if now is not None and now != want.paused:
            verdict.notes.append(f"note: {want.dag_id}: Airflow did not apply dag.paused "
                                 f"(is_paused is still {str(now).lower()})")
            continue
        progress.note(f"MWAA {verdict.mwaa_name}: {action} {want.dag_id}, as dag.paused says")
        verdict.notes.append(f"note: {want.dag_id} {action} by verify --apply-pause "
                             "(dag.paused)")
        verdict.rows[index] = replace(row, state=State.ok, detail="", paused=want.paused,
                                      location=None)
    return verdict


def utc_now() -> str:
    """Now, as the manifest writes times."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


# --- the stored result, beside the manifest -----------------------------------------------------

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


# --- renderings ---------------------------------------------------------------------------------

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
    lines = [f"### {mark} mwaa-gitops verify: `{verdict.environment}` → MWAA "
             f"`{verdict.mwaa_name}`", "",
             "| DAG | Workflow | File | State | Paused | Last parsed | Detail |",
             "|---|---|---|---|---|---|---|"]
    for r in verdict.rows:
        detail = r.detail.replace("|", "\\|")
        lines.append(f"| `{r.expected.dag_id}` | {r.expected.workflow} | `{r.expected.key}` | "
                     f"{r.state.value} | {_paused(r.paused)} | {_when(r.last_parsed)} | "
                     f"{detail} |")
    if verdict.smoke is not None:
        lines += ["", f"Smoke run `{verdict.smoke.run_id}` of `{verdict.smoke.dag_id}`: "
                  f"**{verdict.smoke.state}**"]
    lines += ["", *(f"- {note}" for note in verdict.notes), headline(verdict)]
    return "\n".join(lines) + "\n"
