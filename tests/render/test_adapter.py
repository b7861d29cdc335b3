"""The adapter of the Airflow connector to InvokeRestApi, on the real client of each ingestion line.

``dags/mwaa_rest_api_compat.py`` is loaded into an openmetadata-ingestion venv of each supported
line, the way the rendered runner loads it, and the connector's own ``MWAAClient`` and
``AirflowApiClient`` are driven through an ``InvokeRestApi`` that refuses what botocore's model
refuses (``adapter_driver.py``). Without the adapter, the same calls show the defects it exists
for, so a release that fixes one makes its test fail and the adaptation is keyed off there.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.venvs import ensure_venv, find_python, openmetadata_python

DAGS = Path(__file__).resolve().parents[2] / "dags"
ADAPTER = DAGS / "mwaa_rest_api_compat.py"
DRIVER = Path(__file__).with_name("adapter_driver.py")
LONG_DAG = "reporting_" + "x" * 110
DAG_IDS = ["a_etl", "b_report", "c_cleanup", "d_export", LONG_DAG]
# Line → the release its venv holds.
RELEASES = {"1.12": "1.12.14.2", "1.13": "1.13.6.3", "2.0": "2.0.7.0"}


def adapter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mwaa_rest_api_compat", ADAPTER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ingestion_python(line: str) -> Path:
    if line == "2.0":  # no test lock for 2.0 yet: the release alone, from the index
        # dbt-core>=1.12 needs network while building (as in tests/support/openmetadata.in).
        return ensure_venv("openmetadata-2.0", [f"openmetadata-ingestion=={RELEASES[line]}",
                                                "dbt-core<1.12"],
                           find_python("3.11"))
    return openmetadata_python(line)


def drive(line: str, adapt: bool, tmp_path: Path) -> dict[str, Any]:
    output = tmp_path / f"{line}-{adapt}.json"
    request = {"adapter": str(ADAPTER), "adapt": adapt, "output": str(output)}
    done = subprocess.run([str(ingestion_python(line)), "-I", str(DRIVER)],
                          input=json.dumps(request), capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(output.read_text())
    return result


@pytest.mark.parametrize(("version", "needed"), [
    ("1.12.14.2", True), ("1.12.0.0", True), ("1.13.6.2", True), ("1.13.6.3", False),
    ("1.13.7.0.dev0", False), ("2.0.6.1", True), ("2.0.7.0", False), ("2.1.0.0", False),
    ("1.11.5.0", True)])
def test_pagination_is_adapted_only_below_the_first_release_of_a_line_that_fixed_it(
        version: str, needed: bool) -> None:
    module = adapter()
    assert module.applies("pagination", module.release(version)) is needed
    # Not fixed in any release read: needed by every one.
    assert module.applies("long-paths", module.release(version))


def test_only_workflows_reading_airflow_through_mwaa_are_adapted() -> None:
    module = adapter()
    mwaa = {"source": {"type": "Airflow", "serviceConnection": {"config": {
        "connection": {"type": "RestAPI", "authConfig": {"mwaaConfig": {"x": 1}}}}}}}
    backend = {"source": {"type": "airflow", "serviceConnection": {"config": {
        "connection": {"type": "Backend"}}}}}
    assert module.uses_mwaa(mwaa)
    assert not module.uses_mwaa(backend)
    assert not module.uses_mwaa({"source": {"type": "postgres"}})
    assert module.adapt(backend) == []


def test_a_query_inside_path_moves_to_query_parameters() -> None:
    split = adapter().split_query
    assert split("/dags/a/dagRuns?order_by=-start_date&limit=10", None) == (
        "/dags/a/dagRuns", {"order_by": "-start_date", "limit": "10"})
    assert split("/dags", {"limit": "5"}) == ("/dags", {"limit": "5"})


@pytest.mark.parametrize(("dag", "schedule"), [
    ({"timetable_summary": "0 0 * * *"}, "0 0 * * *"),  # API v2
    ({"timetable_summary": None}, None),
    ({"schedule_interval": {"__type": "CronExpression", "value": "@hourly"}}, "@hourly"),
    ({"schedule_interval": {"__type": "TimeDelta", "days": 1, "seconds": 0}}, "1 day, 0:00:00"),
    ({"schedule_interval": None}, None)])
def test_schedule_is_read_from_either_api_version(dag: dict[str, Any],
                                                  schedule: str | None) -> None:
    assert adapter().schedule_of(dag) == schedule


@pytest.mark.openmetadata
@pytest.mark.parametrize("line", sorted(RELEASES))
def test_adapted_client_reads_every_dag_run_and_task_status_within_invoke_rest_api_limits(
        line: str, tmp_path: Path) -> None:
    result = drive(line, True, tmp_path)
    assert set(result["applied"]) == {"query-in-path", "long-paths", "schedule", "url-layout"} | (
        {"pagination"} if line == "1.12" else set())
    assert result["dag_ids"] == DAG_IDS
    assert result["runs"] == ["scheduled__2024-01-01T00:00:00+00:00"]
    assert result["task_instances"] == {"extract": "success", "load": "failed"}
    # Without the DAG's file: the tasks its runs hold, without edges.
    assert result["tasks"] == {"extract": [[], "PythonOperator"], "load": [[], "BashOperator"]}
    assert result["schedule"] == "0 0 * * *"
    assert result["api_version"] == "v2"
    for call in result["calls"]:
        assert len(call["Path"]) <= 64 and "?" not in call["Path"], call


@pytest.mark.openmetadata
@pytest.mark.parametrize("line", sorted(RELEASES))
def test_without_the_adapter_the_real_client_loses_what_the_adapter_restores(
        line: str, tmp_path: Path) -> None:
    result = drive(line, False, tmp_path)
    assert result["applied"] == []
    # Each adaptation's defect, in the release as published.
    assert result["runs"] == [] and result["task_instances"] == {}  # long paths refused
    assert "ValidationException" in result["tasks"]
    assert result["schedule"] is None  # schedule_interval only
    assert result["api_version"] == "v1"  # Airflow 2's URL layout
    if line == "1.12":  # offset += limit: past the first capped page, everything is skipped
        assert result["dag_ids"] == DAG_IDS[:2]
    else:
        assert result["dag_ids"] == DAG_IDS
    assert any(len(call["Path"]) > 64 or "?" in call["Path"] for call in result["calls"])
