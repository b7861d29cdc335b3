"""Keys that cannot collide: MWAA settings naming rendered keys, names equal but for case."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import Diagnostic
from mwaa_gitops.render import pipeline

LOCAL = "environments/local/environment.yaml"
USAGE = "environments/base/workflows/redshift_usage.yaml"


def problems(repo: Path, *names: str) -> list[Diagnostic]:
    return pipeline.check(Repository(repo), list(names) or None).diagnostics.sorted()


def set_mwaa(repo: Path, **settings: str) -> None:
    path = repo / LOCAL
    lines = "".join(f"  {key}: {value}\n" for key, value in settings.items())
    path.write_text(path.read_text().replace("mwaa:\n", "mwaa:\n" + lines))


@pytest.mark.parametrize(("setting", "key", "says"), [
    ("requirementsPath", "dags/openmetadata/redshift_metadata.py",
     "is also the bucket key of the DAG of workflow 'redshift_metadata', which it would replace"),
    ("requirementsPath", "dags/openmetadata/redshift_usage.yaml",
     "the config of workflow 'redshift_usage'"),
    ("pluginsPath", "dags/openmetadata/compat.zip", None),
    ("requirementsPath", "dags/openmetadata/Redshift_Metadata.py", "differs only in letter case"),
    ("startupScriptPath", "dags/openmetadata/redshift_usage.yaml/run.sh", "which is a file"),
    ("requirementsPath", "plugins.zip/requirements.txt", "the key of mwaa.pluginsPath"),
], ids=["requirements-replaces-a-dag", "requirements-replaces-a-config", "distinct-key",
        "case-only", "under-a-file", "two-settings"])
def test_an_mwaa_key_equal_to_a_rendered_one_is_refused_at_the_setting(
        repo: Path, setting: str, key: str, says: str | None) -> None:
    set_mwaa(repo, **{setting: key})
    found = [d for d in problems(repo, "local") if d.code == "key-collision"]
    if says is None:
        assert found == []
        return
    (problem,) = found
    assert str(problem.location) == f"{LOCAL}:5:{len(setting) + 5}"
    assert problem.subject == f"mwaa.{setting}" and says in problem.message


def test_workflow_files_equal_but_for_case_are_refused_once(repo: Path) -> None:
    text = (repo / USAGE).read_text().replace("openmetadata_redshift_usage",
                                              "openmetadata_redshift_usage_copy")
    text = text.replace("/tmp/openmetadata_redshift_usage", "/tmp/copy_usage")
    text = text.replace("redshift_warehouse", "other_warehouse")
    (repo / "environments/dev/workflows/Redshift_Usage.yaml").write_text(text)
    found = [d for d in problems(repo, "dev") if d.code == "case-collision"]
    assert [d.location.path for d in found] == ["environments/dev/workflows/Redshift_Usage.yaml"]
    assert "'Redshift_Usage' and 'redshift_usage'" in found[0].message \
        or "'redshift_usage' and 'Redshift_Usage'" in found[0].message


def test_dag_ids_equal_but_for_case_are_refused_at_the_later_layer(repo: Path) -> None:
    path = repo / "environments/dev/workflows/redshift_usage.yaml"
    path.write_text(path.read_text() + "dag:\n  dagId: OpenMetadata_Redshift_Metadata\n")
    found = [d for d in problems(repo, "dev") if d.code == "case-collision"]
    assert len(found) == 1 and found[0].location.path.startswith("environments/dev/")
    assert "'openmetadata_redshift_metadata' and 'OpenMetadata_Redshift_Metadata'" in \
        found[0].message


def test_environments_sharing_an_inherited_target_are_told_once_where_it_is_set(
        repo: Path) -> None:
    for name in ("dev", "prod"):
        path = repo / f"environments/{name}/environment.yaml"
        lines = [line for line in path.read_text().splitlines(keepends=True)
                 if not line.startswith("  target:")]
        path.write_text("".join(lines))
    base = repo / "environments/base/environment.yaml"
    base.write_text(base.read_text().replace("mwaa:\n", "mwaa:\n  target: s3://shared\n", 1))
    found = [d for d in problems(repo) if d.code == "target-overlap"]
    assert [str(d.location) for d in found] == ["environments/base/environment.yaml:5:11"]
    assert "both take it from" in found[0].message
    assert found[0].hint == "set mwaa.target in each environment's own environment.yaml"


def test_a_folder_target_reached_through_a_link_is_the_same_target(repo: Path) -> None:
    (repo / ".local-bucket").mkdir()
    (repo / "alias").symlink_to(repo / ".local-bucket", target_is_directory=True)
    twin = repo / "environments/twin"
    twin.mkdir()
    (twin / "environment.yaml").write_text("extends: local\nmwaa:\n  target: file://alias\n")
    found = [d for d in problems(repo, "local", "twin") if d.code == "target-overlap"]
    assert [str(d.location) for d in found] == ["environments/twin/environment.yaml:3:11"]
    assert "is the target of environment 'local'" in found[0].message
