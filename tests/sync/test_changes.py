"""What a change does to one file: a diff for configs, the settings for rendered DAG code."""

from __future__ import annotations

from mwaa_gitops.sync.changes import describe, settings_change

DAG = b'''# Rendered by mwaa-gitops from dags/python_workflow.py for Airflow 2.
"""A DAG."""

from pathlib import Path

DAG_ID = "openmetadata_usage"
SCHEDULE = "@daily"
TAGS = ["openmetadata", "dev"]
CONFIG = Path(__file__).with_suffix(".yaml")


def run() -> None:
    pass
'''


def test_a_changed_setting_shows_its_old_and_new_value_and_nothing_else() -> None:
    after = DAG.replace(b'"@daily"', b'"30 3 * * *"')
    assert settings_change(DAG, after) == ["~ SCHEDULE: '@daily' → '30 3 * * *'"]


def test_a_changed_list_setting_shows_the_items_that_came_and_went() -> None:
    after = DAG.replace(b'["openmetadata", "dev"]', b'["openmetadata", "usage"]')
    assert settings_change(DAG, after) == ["~ TAGS:", "    - 'dev'", "    + 'usage'"]


def test_a_new_dag_lists_its_template_and_settings() -> None:
    assert settings_change(None, DAG) == [
        "+ Rendered by mwaa-gitops from dags/python_workflow.py for Airflow 2.",
        "+ DAG_ID = 'openmetadata_usage'", "+ SCHEDULE = '@daily'",
        "+ TAGS = ['openmetadata', 'dev']"]


def test_a_change_of_the_template_code_is_one_line_not_the_python() -> None:
    after = DAG.replace(b"    pass", b"    print('ran')")
    assert settings_change(DAG, after) == [
        "~ the template's code changed (a new mwaa-gitops release; `diff --code` shows it)"]


def test_a_computed_assignment_is_code_not_a_setting() -> None:
    after = DAG.replace(b'.with_suffix(".yaml")', b'.with_suffix(".yml")')
    assert settings_change(DAG, after) == [
        "~ the template's code changed (a new mwaa-gitops release; `diff --code` shows it)"]


def test_a_bucket_copy_that_is_not_python_is_replaced_whole_and_never_run() -> None:
    broken = b"# Rendered by mwaa-gitops\nimport os; os._exit(3) ((("
    assert settings_change(broken, DAG) == [
        "~ not Python on one side: the whole file is replaced"]


def test_a_config_change_is_a_unified_diff() -> None:
    change = describe("dags/x.yaml", b"a: 1\nb: 2\n", b"a: 1\nb: 3\n")
    assert change.kind == "diff"
    assert change.lines[:2] == ("--- a/dags/x.yaml", "+++ b/dags/x.yaml")
    assert "-b: 2" in change.lines and "+b: 3" in change.lines


def test_python_that_mwaa_gitops_did_not_render_is_diffed_line_by_line() -> None:
    change = describe("dags/helper.py", b"X = 1\n", b"X = 2\n")
    assert change.kind == "diff" and "+X = 2" in change.lines


def test_a_long_diff_is_cut_with_a_count_of_what_was_left_out() -> None:
    after = "".join(f"line {i}\n" for i in range(500)).encode()
    change = describe("requirements.txt", None, after)
    assert len(change.lines) == 201
    assert change.lines[-1] == "… 303 more diff lines"
