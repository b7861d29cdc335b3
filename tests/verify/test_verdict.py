"""The verify core: which DAG files MWAA parsed since the upload, what is wrong with them, and
where in the overlays the problem comes from (pure functions over Airflow's answers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mwaa_gitops.diagnostics import Location
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.render import pipeline
from mwaa_gitops.sync.manifest import Entry, Manifest, sha256_hex
from mwaa_gitops.sync.plan import Layout, desired_files
from mwaa_gitops.sync.progress import SilentProgress
from mwaa_gitops.verify.client import PATH_MAX, AirflowApi, Dag, ImportFailure, MwaaFailure
from mwaa_gitops.verify.verdict import (
    COPY_DELAY,
    Expected,
    State,
    Verdict,
    collisions,
    diagnostics,
    expected_dags,
    judge,
    reference_time,
    synced_only,
)
from mwaa_gitops.verify.watch import apply_pause, wait
from tests.conftest import Writer

UPLOAD = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
LATER = UPLOAD + timedelta(seconds=40)
EARLIER = UPLOAD - timedelta(hours=1)
MWAA_DAGS = "/usr/local/airflow/dags/"


def local_expected(repo: Path) -> list[Expected]:
    (rendered,) = pipeline.rendered(pipeline.open_repository(repo), ["local"])
    layout = Layout.of(rendered.environment.mwaa)
    return expected_dags(rendered.environment, desired_files(rendered.files, layout), layout)


@pytest.fixture
def broken(repo: Path, write: Writer) -> tuple[list[Expected], Path]:
    """An overlay setting the start date (the import error below is as if the bucket's file
    had been broken after the sync: validate refuses a start date Python cannot read)."""
    path = write("environments/local/workflows/airflow_pipelines_virtualenv.yaml", """
        dag:
          startDate: '2024-03-01'
        """)
    return local_expected(repo), path


def one(expected: Sequence[Expected], workflow: str) -> Expected:
    return next(e for e in expected if e.workflow == workflow)


def dag(want: Expected, parsed: datetime | None = LATER, fileloc: str | None = None,
        paused: bool = False) -> Dag:
    return Dag(want.dag_id, fileloc or MWAA_DAGS + want.path, paused, parsed)


def test_every_rendered_dag_is_expected_at_its_file_below_the_dags_folder(repo: Path) -> None:
    expected = local_expected(repo)
    assert {e.path for e in expected} == {f"openmetadata/{e.workflow}.py" for e in expected}
    assert all(e.key == "dags/" + e.path for e in expected)


def test_an_import_error_points_at_the_overlay_line_of_the_setting_that_broke_the_file(
        broken: tuple[list[Expected], Path]) -> None:
    expected, overlay = broken
    want = one(expected, "airflow_pipelines_virtualenv")
    source = want.source.decode().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "fromisoformat(START_DATE)" in text)
    trace = (f'Traceback (most recent call last):\n  File "{MWAA_DAGS}{want.path}", line {line}'
             f', in <module>\n    start_date=...\nValueError: day is out of range for month\n')
    rows = judge([want], [], [ImportFailure(MWAA_DAGS + want.path, LATER, trace)], UPLOAD, {})
    assert rows[0].state is State.import_error
    assert rows[0].where == Location(str(overlay.relative_to(overlay.parents[3])), 2, 14)
    assert "day is out of range for month" in rows[0].detail
    assert f"rendered line {line}" in rows[0].detail


def test_an_import_error_from_before_the_upload_waits_for_the_next_parse(repo: Path) -> None:
    want = local_expected(repo)[0]
    failure = ImportFailure(MWAA_DAGS + want.path, EARLIER, "SyntaxError: old file")
    rows = judge([want], [dag(want, EARLIER)], [failure], UPLOAD, {})
    assert rows[0].state is State.not_parsed and rows[0].state.pending


def test_a_dag_parsed_since_the_upload_from_our_file_is_ok(repo: Path) -> None:
    want = local_expected(repo)[0]
    assert judge([want], [dag(want)], [], UPLOAD, {})[0].state is State.ok


def test_a_dag_from_airflow_3s_bundle_relative_fileloc_is_ours_too(repo: Path) -> None:
    want = local_expected(repo)[0]
    assert judge([want], [dag(want, fileloc=want.path)], [], UPLOAD, {})[0].state is State.ok


def test_a_dag_not_yet_listed_is_missing_until_the_wait_ends(repo: Path) -> None:
    want = local_expected(repo)[0]
    row = judge([want], [], [], UPLOAD, {})[0]
    assert row.state is State.missing and row.state.pending


def test_a_scheduled_dag_left_paused_without_dag_paused_is_a_warning_not_a_failure(
        repo: Path) -> None:
    want = next(e for e in local_expected(repo) if e.scheduled)
    verdict = Verdict("local", "mwaa", judge([want], [dag(want, paused=True)], [], UPLOAD, {}),
                      UPLOAD, "abc")
    assert verdict.exit_code == 0
    (warning,) = diagnostics(verdict)
    assert warning.severity == "warning" and "paused" in warning.message


def test_a_foreign_file_with_our_dag_id_is_a_collision_but_our_own_old_file_is_not(
        repo: Path) -> None:
    want = local_expected(repo)[0]
    foreign = dag(want, fileloc=MWAA_DAGS + "team_b/ingest.py")
    assert collisions([want], [foreign]) == {want.dag_id: foreign}
    assert collisions([want], [foreign], ours=["team_b/ingest.py"]) == {}
    assert collisions([want], [dag(want)]) == {}
    # Seen before the upload, the other file may be gone: only a parse since then counts.
    assert collisions([want], [foreign], since=LATER + timedelta(seconds=1)) == {}


def test_a_collision_is_reported_at_the_workflows_dag_id(repo: Path) -> None:
    want = local_expected(repo)[0]
    foreign = dag(want, fileloc=MWAA_DAGS + "team_b/ingest.py")
    rows = judge([want], [foreign], [], UPLOAD, {want.dag_id: foreign})
    verdict = Verdict("local", "openmetadata-local", rows, UPLOAD, "abc")
    assert verdict.exit_code == ExitCode.PROBLEMS
    (problem,) = diagnostics(verdict)
    assert problem.code == "dag-id-collision" and "team_b/ingest.py" in problem.message
    assert problem.location == want.location


def test_only_dag_files_the_last_sync_wrote_are_awaited(repo: Path) -> None:
    first, second, *rest = local_expected(repo)
    manifest = Manifest("local", objects={
        first.key: Entry(sha256_hex(first.source), len(first.source)),
        second.key: Entry(sha256_hex(b"an older render"), 15)})
    synced, notes = synced_only([first, second, *rest], manifest, "file://.local-bucket")
    assert synced == [first, second]
    assert f"note: file://.local-bucket holds another {second.key}" in notes[0]
    assert all("is not in file://.local-bucket yet: sync first" in n for n in notes[1:])
    assert len(notes) == 1 + len(rest)


def test_the_upload_counts_from_the_manifest_plus_the_bucket_copy_for_buckets() -> None:
    manifest = Manifest("dev", updated="2026-05-01T12:00:00Z")
    assert reference_time(manifest, copied=False) == UPLOAD
    assert reference_time(manifest, copied=True) == UPLOAD + COPY_DELAY


class Airflow:
    """Successive answers of the two list calls, as :class:`AirflowApi` would give them."""

    def __init__(self, readings: list[list[Dag]]) -> None:
        self.readings = readings
        self.reads = 0

    def import_errors(self) -> list[ImportFailure]:
        return []

    def dags(self) -> list[Dag]:
        self.reads += 1
        return self.readings[min(self.reads, len(self.readings)) - 1]


def run_wait(expected: list[Expected], readings: list[list[Dag]], timeout: float) -> Verdict:
    ticks = iter(range(0, 10_000, 10))
    verdict = Verdict("local", "mwaa", [], UPLOAD, "abc")
    return wait(Airflow(readings), expected, verdict, timeout=timeout,  # type: ignore[arg-type]
                progress=SilentProgress(), sleep=lambda _: None, clock=lambda: next(ticks))


def test_wait_reads_until_every_file_was_parsed_since_the_upload(repo: Path) -> None:
    want = local_expected(repo)[0]
    verdict = run_wait([want], [[dag(want, EARLIER)], [dag(want, EARLIER)], [dag(want)]], 600)
    assert verdict.ok and [r.state for r in verdict.rows] == [State.ok]


def test_wait_gives_up_at_the_timeout_with_its_own_exit_code(repo: Path) -> None:
    want = local_expected(repo)[0]
    verdict = run_wait([want], [[dag(want, EARLIER)]], 30)
    assert verdict.timed_out and verdict.exit_code == ExitCode.TIMEOUT
    assert diagnostics(verdict)[0].code == "not-parsed"


def test_a_collision_seen_once_stays_although_airflow_switched_back(repo: Path) -> None:
    want = local_expected(repo)[0]
    foreign = dag(want, fileloc=MWAA_DAGS + "other/x.py")
    verdict = run_wait([want], [[foreign], [dag(want)]], 600)
    assert verdict.rows[0].state is State.collision


# --- dag.paused ---------------------------------------------------------------------------------

PAUSED_WORKFLOW = "environments/local/workflows/airflow_pipelines_virtualenv.yaml"


def configured_paused(repo: Path, write: Writer, value: str) -> tuple[Expected, Path]:
    path = write(PAUSED_WORKFLOW, f"""
        dag:
          paused: {value}
        """)
    return one(local_expected(repo), "airflow_pipelines_virtualenv"), path


def at(path: Path, line: int, column: int) -> Location:
    return Location(str(path.relative_to(path.parents[3])), line, column)


@pytest.mark.parametrize(("configured", "paused"), [("false", True), ("true", False)])
def test_a_dag_paused_otherwise_than_dag_paused_is_a_problem_at_that_setting(
        repo: Path, write: Writer, configured: str, paused: bool) -> None:
    want, overlay = configured_paused(repo, write, configured)
    verdict = Verdict("local", "mwaa", judge([want], [dag(want, paused=paused)], [], UPLOAD, {}),
                      UPLOAD, "abc")
    assert verdict.rows[0].state is State.pause_differs
    assert verdict.exit_code == ExitCode.PROBLEMS
    (problem,) = diagnostics(verdict)
    assert problem.code == "pause-differs" and problem.severity == "error"
    assert problem.location == at(overlay, 2, 11)
    assert "only when a DAG first appears" in problem.message
    assert problem.hint is not None and "--apply-pause" in problem.hint
    assert ("pause it once" if configured == "true" else "unpause it once") in problem.hint


@pytest.mark.parametrize(("configured", "paused"), [("false", False), ("true", True)])
def test_a_dag_paused_as_dag_paused_says_is_ok_without_a_warning(
        repo: Path, write: Writer, configured: str, paused: bool) -> None:
    want, _ = configured_paused(repo, write, configured)
    assert want.scheduled
    verdict = Verdict("local", "mwaa", judge([want], [dag(want, paused=paused)], [], UPLOAD, {}),
                      UPLOAD, "abc")
    assert verdict.exit_code == 0 and diagnostics(verdict) == []


def test_dag_paused_from_dag_defaults_is_located_in_environment_yaml(
        repo: Path, write: Writer) -> None:
    path = repo / "environments/local/environment.yaml"
    path.write_text(path.read_text() + "dagDefaults:\n  paused: false\n")
    line = len(path.read_text().splitlines())
    want = one(local_expected(repo), "airflow_pipelines")
    (row,) = judge([want], [dag(want, paused=True)], [], UPLOAD, {})
    assert row.state is State.pause_differs
    assert row.where == Location("environments/local/environment.yaml", line, 11)


def test_the_pause_state_is_not_judged_before_the_dag_was_parsed(
        repo: Path, write: Writer) -> None:
    want, _ = configured_paused(repo, write, "false")
    (row,) = judge([want], [dag(want, EARLIER, paused=True)], [], UPLOAD, {})
    assert row.state is State.not_parsed


class PauseApi:
    """``AirflowApi.set_paused`` as Airflow answers it: the DAG's new ``is_paused``."""

    def __init__(self, fail: MwaaFailure | None = None, applies: bool = True) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.fail = fail
        self.applies = applies

    def set_paused(self, dag_id: str, paused: bool) -> bool | None:
        self.calls.append((dag_id, paused))
        if self.fail is not None:
            raise self.fail
        return paused if self.applies else not paused


def differing(repo: Path, write: Writer) -> tuple[Expected, Verdict]:
    want, _ = configured_paused(repo, write, "false")
    ok = one(local_expected(repo), "airflow_pipelines")
    rows = judge([want, ok], [dag(want, paused=True), dag(ok)], [], UPLOAD, {})
    return want, Verdict("local", "mwaa", rows, UPLOAD, "abc")


def test_apply_pause_sets_only_the_differing_dags_and_then_they_are_ok(
        repo: Path, write: Writer) -> None:
    want, verdict = differing(repo, write)
    api = PauseApi()
    apply_pause(api, verdict, SilentProgress())  # type: ignore[arg-type]
    assert api.calls == [(want.dag_id, False)]
    assert verdict.exit_code == 0 and diagnostics(verdict) == []
    assert verdict.rows[0].paused is False
    assert verdict.notes == [f"note: {want.dag_id} unpaused by verify --apply-pause "
                             "(dag.paused)"]


@pytest.mark.parametrize("api", [
    PauseApi(fail=MwaaFailure("PATCH /dags/x is 70 characters", code="path-too-long")),
    PauseApi(applies=False),
])
def test_a_pause_that_could_not_be_applied_stays_a_problem_with_a_note(
        repo: Path, write: Writer, api: PauseApi) -> None:
    want, verdict = differing(repo, write)
    apply_pause(api, verdict, SilentProgress())  # type: ignore[arg-type]
    assert verdict.rows[0].state is State.pause_differs
    assert verdict.exit_code == ExitCode.PROBLEMS
    assert verdict.notes[0].startswith(f"note: {want.dag_id}")


class Rest:
    """What :class:`AirflowApi` sends through InvokeRestApi, answered as Airflow does."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, object]] = []

    def call(self, method: str, path: str, *, query: object = None, body: object = None) -> object:
        self.requests.append((method, path, body))
        assert isinstance(body, dict)
        return {"dag_id": path.rsplit("/", 1)[-1], "is_paused": body["is_paused"]}


@pytest.mark.parametrize("major", [2, 3])
def test_set_paused_patches_the_dag_and_refuses_a_path_over_the_limit(major: int) -> None:
    rest = Rest()
    api = AirflowApi(rest, major)  # type: ignore[arg-type]
    assert api.set_paused("ingest", True) is True
    assert rest.requests == [("PATCH", "/dags/ingest", {"is_paused": True})]
    longest = "d" * (PATH_MAX - len("/dags/"))
    assert api.set_paused(longest, False) is False
    with pytest.raises(MwaaFailure) as failure:
        api.set_paused(longest + "x", False)
    assert failure.value.code == "path-too-long" and len(rest.requests) == 2
