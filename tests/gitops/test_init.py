"""``mwaa-gitops init``: a new config repository that validates, renders and carries the
hooks and workflows, without ever overwriting a file unasked."""

from __future__ import annotations

import json
from pathlib import Path

from mwaa_gitops import __version__
from mwaa_gitops.commands.init import scaffold_files
from tests.gitops.shell import MWAA, ROOT, Run


def test_init_writes_layout_hooks_workflows_and_schemas(tmp_path: Path, run: Run) -> None:
    done = run(MWAA, "init", "new", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    repo = tmp_path / "new"
    for expected in (".pre-commit-config.yaml", ".gitignore", ".yamllint.yaml", "README.md",
                     ".github/workflows/pull-request.yml", ".github/workflows/sync.yml",
                     "environments/base/environment.yaml", "environments/local/environment.yaml",
                     "environments/base/workflows/airflow_pipelines.yaml",
                     "schemas/environment.schema.json", "schemas/workflow.schema.json"):
        assert (repo / expected).is_file(), expected
        assert f"created {expected}" in done.stdout
    shipped = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "schemas").rglob("*.json"))
    copied = sorted(p.relative_to(repo).as_posix() for p in (repo / "schemas").rglob("*.json"))
    assert copied == shipped
    assert f"\nmwaa-gitops=={__version__}\n" in (repo / "requirements-gitops.txt").read_text()
    assert "@MWAA_GITOPS_" not in "".join(data.decode() for data in scaffold_files().values())


def test_init_requirement_points_at_a_wheel_with_a_comment_on_the_choices(
        tmp_path: Path, run: Run) -> None:
    spec = "mwaa-gitops @ https://artifacts.example.com/mwaa_gitops-9.9.9-py3-none-any.whl"
    done = run(MWAA, "init", "new", "--requirement", spec, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "new" / "requirements-gitops.txt").read_text().splitlines()
    assert spec in lines
    assert f"mwaa-gitops=={__version__}" not in lines
    comment = "\n".join(line for line in lines if line.startswith("#"))
    for way in ("git+https://", ".whl", "--index-url", "--requirement SPEC"):
        assert way in comment, way
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements == [spec, "pre-commit>=3.7", "yamllint>=1.35"]


def test_init_requirement_must_be_one_line(tmp_path: Path, run: Run) -> None:
    done = run(MWAA, "init", "new", "--requirement", "mwaa-gitops\n--index-url http://x",
               cwd=tmp_path)
    assert done.returncode == 2
    assert "error: --requirement: must be one requirement line" in done.stderr
    assert not (tmp_path / "new").exists()


def test_init_scaffold_validates_and_renders(tmp_path: Path, run: Run) -> None:
    assert run(MWAA, "init", "new", cwd=tmp_path).returncode == 0
    repo = tmp_path / "new"
    done = run(MWAA, "validate", cwd=repo)
    assert done.returncode == 0, done.stderr
    envs = json.loads(run(MWAA, "envs", "--format", "json", cwd=repo).stdout)
    assert [e["name"] for e in envs] == ["local"]
    rendered = run(MWAA, "render", "--env", "local", "--out", tmp_path / "out", cwd=repo)
    assert rendered.returncode == 0, rendered.stderr
    assert (tmp_path / "out" / "dags").is_dir()


def test_init_refuses_to_overwrite_and_changes_nothing(tmp_path: Path, run: Run) -> None:
    repo = tmp_path / "existing"
    (repo / "environments" / "base").mkdir(parents=True)
    mine = repo / "environments" / "base" / "environment.yaml"
    mine.write_text("# ours\n")
    done = run(MWAA, "init", repo, cwd=tmp_path)
    assert done.returncode == 1
    assert "environments/base/environment.yaml:1:1: already exists; not overwritten " \
           "(pass --force" in done.stderr
    assert mine.read_text() == "# ours\n"
    assert not (repo / ".pre-commit-config.yaml").exists()  # all or nothing


def test_init_force_overwrites_the_scaffold_files(tmp_path: Path, run: Run) -> None:
    repo = tmp_path / "existing"
    (repo / "environments" / "base").mkdir(parents=True)
    (repo / "environments" / "base" / "environment.yaml").write_text("# ours\n")
    done = run(MWAA, "init", "--force", repo, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "overwrote environments/base/environment.yaml" in done.stdout
    assert "abstract: true" in (repo / "environments" / "base" / "environment.yaml").read_text()


def test_init_into_a_file_is_a_usage_error(tmp_path: Path, run: Run) -> None:
    (tmp_path / "afile").write_text("")
    done = run(MWAA, "init", "afile", cwd=tmp_path)
    assert done.returncode == 2
    assert "error: afile: exists and is not a folder" in done.stderr
