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

The core here (:func:`expected_dags`, :func:`judge`, :func:`collisions`) is pure;
:mod:`~mwaa_gitops.verify.watch` talks to Airflow through
:class:`~mwaa_gitops.verify.client.AirflowApi`, :mod:`~mwaa_gitops.verify.result` stores and
shows the verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import TYPE_CHECKING

from mwaa_gitops.config.model import Environment
from mwaa_gitops.diagnostics import Diagnostic, Location
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.sync.manifest import Manifest
from mwaa_gitops.sync.plan import Desired, Layout
from mwaa_gitops.sync.targets import RESERVED

if TYPE_CHECKING:
    from mwaa_gitops.verify.client import Dag, DagRun, ImportFailure

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
            return ExitCode.PROBLEMS
        if self.timed_out or self.smoke_timed_out:
            return ExitCode.TIMEOUT
        if self.smoke is not None and self.smoke.state != "success":
            return ExitCode.PROBLEMS
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
