"""Wait for MWAA to parse our files, run a smoke test, and apply dag.paused: the calls to
Airflow that feed a :class:`~mwaa_gitops.verify.verdict.Verdict`."""


from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timezone

from mwaa_gitops.exits import ExitCode
from mwaa_gitops.sync.progress import Progress
from mwaa_gitops.verify.client import SMOKE_PREFIX, AirflowApi, Dag, MwaaFailure
from mwaa_gitops.verify.verdict import (
    DEFAULT_POLL_SECONDS,
    FINAL_RUN_STATES,
    Expected,
    State,
    Verdict,
    collisions,
    judge,
)


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
                          "--smoke again", exit_code=ExitCode.PROBLEMS, code="paused")
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


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"
