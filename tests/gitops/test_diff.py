"""``mwaa-gitops diff``: an environment rendered at two revisions, compared file by file."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from mwaa_gitops.cli import app
from tests.gitops.conftest import History
from tests.gitops.shell import Run, git

runner = CliRunner()


def diff(h: History, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["diff", "--repo", str(h.repo), *args])
    return result.exit_code, result.stdout, result.stderr


def test_diff_between_two_revisions_shows_the_changed_line(commits: History) -> None:
    code, out, err = diff(commits, "--env", "dev", "--base", commits.environments,
                          "--head", commits.dev_change)
    assert code == 0, out + err
    assert "--- a/dags/openmetadata/airflow_pipelines.yaml\n" \
           "+++ b/dags/openmetadata/airflow_pipelines.yaml\n" in out
    assert "-  loggerLevel: INFO\n+  loggerLevel: DEBUG\n" in out
    assert re.search(r"dev: 1 changed, 0 added, 0 removed, \d+ unchanged\n$", out)


def test_diff_reads_revisions_not_the_work_tree(history: History) -> None:
    dev = history.repo / "environments" / "dev" / "environment.yaml"
    dev.write_text("not: [valid\n")  # the work tree is broken; the revisions are not
    code, out, _ = diff(history, "--env", "prod", "--base", history.environments,
                        "--head", history.dev_change)
    assert code == 0
    assert out.startswith("prod: no change to the rendered files")


def test_diff_json_lists_files_by_kind(commits: History) -> None:
    code, out, _ = diff(commits, "--env", "prod", "--base", commits.scaffold,
                        "--head", commits.dev_change, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["changed"] == data["removed"] == []
    assert "dags/openmetadata/airflow_pipelines.py" in data["added"]
    assert data["base"] == commits.scaffold[:12]


def test_diff_against_a_base_that_does_not_render_shows_everything_added(
        history: History, run: Run) -> None:
    dev = history.repo / "environments" / "dev" / "environment.yaml"
    good = dev.read_text()
    dev.write_text(good.replace("eu-west-1", "eu-west"))
    git(run, history.repo, "commit", "--quiet", "-am", "broken region")
    dev.write_text(good)  # the fix, not committed yet: diff against the broken commit
    code, out, err = diff(history, "--env", "dev", "--base", "HEAD")
    assert code == 0
    assert "note: at " in err
    assert "environments/dev/environment.yaml:4:11: " in err
    assert re.search(r"dev: 0 changed, [1-9]\d* added, 0 removed, 0 unchanged", out)


def test_diff_with_an_unknown_revision_is_a_usage_error(history: History) -> None:
    code, _, err = diff(history, "--env", "dev", "--base", "no-such-rev")
    assert code == 2
    assert "unknown git revision 'no-such-rev'" in err


def test_diff_of_a_head_that_does_not_render_reports_where(history: History) -> None:
    dev = history.repo / "environments" / "dev" / "environment.yaml"
    dev.write_text(dev.read_text().replace("eu-west-1", "eu-west"))
    code, _, err = diff(history, "--env", "dev", "--base", history.environments)
    assert code == 1
    assert err.startswith("environments/dev/environment.yaml:4:11: ")


def test_diff_exit_code_is_1_when_rendered_files_differ_and_0_when_not(
        commits: History) -> None:
    changed = diff(commits, "--env", "dev", "--base", commits.environments, "--head",
                   commits.dev_change, "--exit-code")
    assert changed[0] == 1
    assert "dev: 1 changed" in changed[1]
    same = diff(commits, "--env", "prod", "--base", commits.environments, "--head",
                commits.dev_change, "--exit-code")
    assert same[0] == 0


def test_diff_shows_a_new_dag_by_its_settings_not_its_python(commits: History) -> None:
    code, out, _ = diff(commits, "--env", "prod", "--base", commits.scaffold,
                        "--head", commits.dev_change)
    assert code == 0
    section = out.split("+ dags/openmetadata/airflow_pipelines.py ", 1)[1].split("\n+ ", 1)[0]
    assert "(rendered DAG code, by its settings; --code shows the Python)" in section
    assert "    + DAG_ID = 'openmetadata_airflow_pipelines'\n" in section
    assert "import " not in section and len(section.splitlines()) < 40


def test_diff_code_shows_the_rendered_python_line_by_line(commits: History) -> None:
    code, out, _ = diff(commits, "--env", "prod", "--base", commits.scaffold,
                        "--head", commits.dev_change, "--code")
    assert code == 0
    assert "+++ b/dags/openmetadata/airflow_pipelines.py\n" in out
    assert "+from __future__ import annotations\n" in out
