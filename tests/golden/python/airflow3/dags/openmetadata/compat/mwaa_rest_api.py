# Rendered by mwaa-gitops from dags/mwaa_rest_api_compat.py.
# Do not edit: it is the same for every environment.
"""Makes openmetadata-ingestion's Airflow connector complete through MWAA's ``InvokeRestApi``.

The connector's ``RestAPI`` connection with ``mwaaConfig`` reads Airflow's REST API through
``MWAAClient`` (``metadata/ingestion/source/pipeline/airflow/api/mwaa.py``), which
``AirflowApiClient`` (``api/client.py``) hands every call to. ``InvokeRestApi`` takes a ``Path``
of at most 64 characters and the query apart, in ``QueryParameters``; the client, as read in
releases 1.12.14.2, 1.13.6.3 and 2.0.7.0, does not fit that. Each adaptation below replaces one
client method, names the releases it applies to, and is off where upstream fixed it:

* ``query-in-path``: the runs of a DAG are asked with ``?order_by=...&limit=...`` inside
  ``Path``; the query goes to ``QueryParameters``.
* ``long-paths``: ``/dags/<id>/dagRuns`` and ``/dags/<id>/dagRuns/<run id>/taskInstances``
  pass 64 characters for long DAG ids and for every generated run id (``scheduled__...``,
  ``manual__...``); they become Airflow's batch endpoints ``POST /dags/~/dagRuns/list`` and
  ``POST /dags/~/dagRuns/~/taskInstances/list`` (REST API v1 of Airflow 2 and v2 of Airflow 3,
  same answers). ``/dags/<id>/tasks`` has no batch form: for a DAG id too long for it, the
  tasks come from the DAG's own file (``fileloc``), parsed with the worker's Airflow, as
  Airflow's task runner parses it; where that file is not (an ECS task), from the task
  instances of its runs, without edges.
* ``schedule``: the client reads ``schedule_interval``, which API v2 (Airflow 3) no longer
  returns; the schedule is read from ``timetable_summary`` there (a timedelta schedule of
  API v1 comes out as Airflow writes it too).
* ``url-layout``: behind MWAA the client assumes API v1, so the pipelines' source URLs take
  Airflow 2's layout; the Airflow major is asked from ``GET /version``.
* ``pagination``: pages advance by ``limit`` instead of by the rows returned, which skips
  rows when the server caps a page (OpenMetadata issue 31372); fixed in 1.13.6.3 and 2.0.7.0.

Rendered beside the DAGs by mwaa-gitops; the runner of each workflow loads it by path and calls
:func:`adapt` with the workflow config (an ECS task's command loads it from its environment). Only the standard library is imported at module level,
so Airflow's DAG processor can import the file harmlessly.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from urllib.parse import parse_qsl, unquote

PATH_MAX = 64  # RestApiPath's length limit in MWAA's service model
# Whether the DAGs' files are on this machine, at their fileloc (on MWAA's workers); an ECS
# task's bootstrap sets it false: whatever is at that path there is not the DAG.
DAG_FILES = True
PAGE = 100  # rows per batch page, Airflow's default page size

# Adaptation → the first release of each line that no longer needs it (none: every release
# read so far needs it).
FIXED_IN: dict[str, tuple[tuple[int, ...], ...]] = {
    "query-in-path": (),
    "long-paths": (),
    "schedule": (),
    "url-layout": (),
    "pagination": ((1, 13, 6, 3), (2, 0, 7, 0)),
}

RUNS = re.compile(r"/dags/(?P<dag>[^/]+)/dagRuns")
TASK_INSTANCES = re.compile(r"/dags/(?P<dag>[^/]+)/dagRuns/(?P<run>[^/]+)/taskInstances")
TASKS = re.compile(r"/dags/(?P<dag>[^/]+)/tasks")


def release(version: str) -> tuple[int, ...]:
    """``"1.12.14.2"`` → ``(1, 12, 14, 2)``; a pre-release tail (``.dev0``, ``rc1``) is dropped."""
    numbers = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
        if digits.group() != part:
            break
    return tuple(numbers)


def applies(name: str, version: tuple[int, ...]) -> bool:
    """Whether adaptation ``name`` is needed by ingestion release ``version``.

    A line with a fixed release needs it below that release; a line older than every fixed
    line needs it; a line newer than every fixed one does not.
    """
    fixed = FIXED_IN[name]
    if not fixed:
        return True
    for first in fixed:
        if version[:2] == first[:2]:
            return version < first
    return version[:2] < min(first[:2] for first in fixed)


def installed_release() -> tuple[int, ...]:
    """The release of the openmetadata-ingestion this process imports."""
    return release(importlib.metadata.version("openmetadata-ingestion"))


def uses_mwaa(config: object) -> bool:
    """Whether a workflow config's source is the Airflow connector behind ``mwaaConfig``."""
    if not isinstance(config, dict):
        return False
    source = config.get("source")
    if not isinstance(source, dict) or str(source.get("type", "")).lower() != "airflow":
        return False
    connection = ((source.get("serviceConnection") or {}).get("config") or {}).get("connection")
    auth = connection.get("authConfig") if isinstance(connection, dict) else None
    return isinstance(auth, dict) and "mwaaConfig" in auth


def adapt(config: object) -> list[str]:
    """Apply the adaptations the installed release needs when ``config`` reads Airflow through
    MWAA; the names of those applied (none for any other workflow)."""
    if not uses_mwaa(config):
        return []
    return adapt_release(installed_release())


def adapt_release(version: tuple[int, ...]) -> list[str]:
    """Apply the adaptations ``version`` needs to the imported connector; their names."""
    from metadata.ingestion.source.pipeline.airflow.api import client, mwaa

    mwaa_client, api_client = mwaa.MWAAClient, client.AirflowApiClient
    applied = [name for name in FIXED_IN if applies(name, version)]
    if getattr(mwaa_client, "_mwaa_gitops_adapted", None) is not None:
        return list(mwaa_client._mwaa_gitops_adapted)  # once per process
    if "query-in-path" in applied or "long-paths" in applied:
        mwaa_client._invoke_rest_api = _invoke(mwaa_client._invoke_rest_api, set(applied))
    if "long-paths" in applied:
        mwaa_client.build_dag_details = _remembering_files(mwaa_client.build_dag_details)
    if "schedule" in applied:
        mwaa_client.build_dag_details = _with_schedule(mwaa_client.build_dag_details)
    if "url-layout" in applied:
        api_client.api_version = property(_api_version(api_client.api_version.fget))
    if "pagination" in applied:
        mwaa_client._paginate = _paginate_by_rows
    mwaa_client._mwaa_gitops_adapted = tuple(applied)
    return applied


def split_query(path: str, query: dict | None) -> tuple[str, dict | None]:
    """A path with ``?query`` → the bare path and the query as ``QueryParameters``."""
    bare, mark, text = path.partition("?")
    if not mark:
        return path, query
    merged = dict(parse_qsl(text, keep_blank_values=True))
    merged.update(query or {})
    return bare, merged


def _invoke(original, adaptations):
    """``MWAAClient._invoke_rest_api`` with paths that ``InvokeRestApi`` takes."""

    def invoke(self, path, method="GET", body=None, query=None):
        if "query-in-path" in adaptations:
            path, query = split_query(path, query)
        if len(path) <= PATH_MAX or "long-paths" not in adaptations or method != "GET":
            return original(self, path, method, body, query)
        query = dict(query or {})
        page = {"page_offset": int(query.get("offset", 0)),
                "page_limit": int(query.get("limit", PAGE))}
        found = TASK_INSTANCES.fullmatch(path)
        if found:
            return post(self, "/dags/~/dagRuns/~/taskInstances/list", {
                "dag_ids": [unquote(found["dag"])], "dag_run_ids": [unquote(found["run"])],
                **page})
        found = RUNS.fullmatch(path)
        if found:
            request = {"dag_ids": [unquote(found["dag"])], **page}
            if query.get("order_by"):
                request["order_by"] = query["order_by"]
            return post(self, "/dags/~/dagRuns/list", request)
        found = TASKS.fullmatch(path)
        if found:
            dag_id = unquote(found["dag"])
            fileloc = getattr(self, "_mwaa_gitops_files", {}).get(dag_id)
            if DAG_FILES and fileloc and os.path.isfile(fileloc):
                return tasks_from_file(fileloc, dag_id)
            return tasks_from_instances(self, dag_id)
        return original(self, path, method, body, query)  # MWAA refuses it, as before

    return invoke


def post(client, path: str, body: dict) -> dict:
    """``POST path`` with a JSON object ``body`` through ``InvokeRestApi``: Airflow's answer.

    The client's own ``_invoke_rest_api`` sends a dict body as a JSON *string* (a document
    that is a string), which Airflow's batch endpoints refuse; ``Body`` takes the object.
    """
    answer = client._mwaa_client.invoke_rest_api(
        Name=client.environment_name, Path=path, Method="POST", Body=body)
    return answer.get("RestApiResponse") or {}


def _remembering_files(original):
    """``build_dag_details`` that keeps each DAG's file for tasks read from it."""

    def build_dag_details(self, dag_data):
        files = self.__dict__.setdefault("_mwaa_gitops_files", {})
        if isinstance(dag_data, dict) and dag_data.get("dag_id"):
            files[dag_data["dag_id"]] = dag_data.get("fileloc") or dag_data.get("file_loc")
        return original(self, dag_data)

    return build_dag_details


def tasks_from_file(fileloc: str, dag_id: str) -> dict:
    """The ``GET /dags/{dag_id}/tasks`` answer, from the DAG's file parsed by this Airflow."""
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3.1 and later
    except ImportError:
        from airflow.models.dagbag import DagBag
    try:
        bag = DagBag(dag_folder=fileloc, include_examples=False, safe_mode=False)
    except TypeError:  # Airflow 3 has no include_examples
        bag = DagBag(dag_folder=fileloc, safe_mode=False)
    dag = bag.dags.get(dag_id)
    if dag is None:
        raise LookupError(f"{fileloc} defines no DAG {dag_id!r}: {bag.import_errors}")

    def iso(value):
        return value.isoformat() if value is not None else None

    tasks = [{
        "task_id": task.task_id,
        "downstream_task_ids": sorted(task.downstream_task_ids),
        "owner": task.owner,
        "doc_md": task.doc_md,
        "start_date": iso(task.start_date),
        "end_date": iso(task.end_date),
        "class_ref": {"class_name": task.task_type,
                      "module_path": type(task).__module__},
    } for task in sorted(dag.tasks, key=lambda task: task.task_id)]
    return {"tasks": tasks, "total_entries": len(tasks)}


def tasks_from_instances(client, dag_id: str) -> dict:
    """The tasks of a DAG whose file is not on this machine (an ECS task): those its runs
    hold instances of, with their operator, but without edges, which only the DAG's file or
    ``/dags/<id>/tasks`` (out of reach within 64 characters) state."""
    classes: dict = {}
    rows = 0
    while True:
        answer = post(client, "/dags/~/dagRuns/~/taskInstances/list", {
            "dag_ids": [dag_id], "page_offset": rows, "page_limit": PAGE})
        page = answer.get("task_instances") or []
        rows += len(page)
        for instance in page:
            classes.setdefault(instance["task_id"], instance.get("operator"))
        if len(page) < PAGE:
            break
    tasks = [{"task_id": task_id, "downstream_task_ids": [],
              "class_ref": {"class_name": operator} if operator else None}
             for task_id, operator in sorted(classes.items())]
    return {"tasks": tasks, "total_entries": len(tasks)}


def schedule_of(dag_data: dict) -> str | None:
    """A DAG's schedule as Airflow states it: the cron expression or preset of a cron
    schedule, the ``timedelta`` text of an interval, ``None`` when there is none."""
    if "schedule_interval" not in dag_data and "timetable_summary" in dag_data:
        summary = dag_data.get("timetable_summary")  # API v2 (Airflow 3)
        return summary if summary and summary != "None" else None
    schedule = dag_data.get("schedule_interval")
    if isinstance(schedule, dict) and schedule.get("__type") == "TimeDelta":
        from datetime import timedelta

        return str(timedelta(days=schedule.get("days", 0), seconds=schedule.get("seconds", 0),
                             microseconds=schedule.get("microseconds", 0)))
    if isinstance(schedule, dict):
        return schedule.get("value")
    return schedule


def _with_schedule(original):
    """``build_dag_details`` that reads the schedule of both API versions."""

    def build_dag_details(self, dag_data):
        details = original(self, dag_data)
        if isinstance(dag_data, dict):
            details.schedule_interval = schedule_of(dag_data)
        return details

    return build_dag_details


def _api_version(original):
    """``AirflowApiClient.api_version`` that asks MWAA's Airflow its major instead of
    assuming API v1."""

    def api_version(self):
        if self.mwaa_client is None or self._detected_version:
            return original(self)
        answer = self.mwaa_client._invoke_rest_api("/version")
        major = str(answer.get("version", "")).partition(".")[0]
        self._detected_version = "v2" if major.isdigit() and int(major) >= 3 else "v1"
        return self._detected_version

    return api_version


def _paginate_by_rows(self, path, key, limit=PAGE):
    """``MWAAClient._paginate`` that moves on by the rows each page returned."""
    rows = []
    while True:
        answer = self._invoke_rest_api(path, query={"limit": str(limit),
                                                    "offset": str(len(rows))})
        page = answer.get(key) if isinstance(answer, dict) else None
        if not page:
            break
        rows.extend(page)
        total = answer.get("total_entries")
        if (total is not None and len(rows) >= total) or (total is None and len(page) < limit):
            break
    return rows
