"""``mwaa-gitops init``: a new config repository that validates, renders and carries the
hooks and workflows, without ever overwriting a file unasked."""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath

import yaml

from mwaa_gitops import __version__
from mwaa_gitops.commands.init import scaffold_files
from mwaa_gitops.distribution import requirement_from
from tests.gitops.shell import BIN, MWAA, ROOT, Run

LOCK = ROOT / "requirements-dev.lock"


def test_init_writes_layout_hooks_workflows_and_schemas(tmp_path: Path, run: Run) -> None:
    done = run(MWAA, "init", "new", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    repo = tmp_path / "new"
    for expected in (".pre-commit-config.yaml", ".gitignore", ".yamllint.yaml", "README.md",
                     ".github/workflows/pull-request.yml", ".github/workflows/sync.yml",
                     "environments/base/environment.yaml", "environments/local/environment.yaml",
                     "environments/base/workflows/airflow_pipelines.yaml",
                     "schemas/environment.schema.json", "schemas/workflow.schema.json",
                     ".gitattributes"):
        assert (repo / expected).is_file(), expected
        assert f"created {expected}" in done.stdout
    shipped = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "schemas").rglob("*.json"))
    copied = sorted(p.relative_to(repo).as_posix() for p in (repo / "schemas").rglob("*.json"))
    assert copied == shipped
    assert "@MWAA_GITOPS_" not in "".join(data.decode() for data in scaffold_files().values())
    assert "git init -b main" in done.stdout  # the scaffolded workflows run on main


def test_the_wheel_in_a_fresh_virtualenv_inits_validates_renders_and_commits_through_hooks(
        tmp_path: Path, run: Run, tool_wheel: Path) -> None:
    uv = str(BIN / "uv")

    def venv(name: str, *install: str | Path) -> Path:
        made = run(uv, "venv", "--quiet", "--python", BIN / "python", tmp_path / name,
                   cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        python = tmp_path / name / "bin" / "python"
        done = run(uv, "pip", "install", "--quiet", "--python", python, "-c", LOCK, *install,
                   cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return python.parent

    first = venv("first", tool_wheel)
    done = run(first / "mwaa-gitops", "init", "config", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    config = tmp_path / "config"
    requirements = config / "requirements-gitops.txt"
    assert f"mwaa-gitops @ {tool_wheel.as_uri()}" in requirements.read_text().splitlines()
    assert "installs mwaa-gitops from a path on this machine" in done.stderr

    second = venv("second", "-r", requirements)
    validated = run(second / "mwaa-gitops", "validate", cwd=config)
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout == "ok: 1 environment, 1 workflow valid\n"
    rendered = run(second / "mwaa-gitops", "render", "--env", "local", "--out", "out",
                   cwd=config)
    assert rendered.returncode == 0, rendered.stderr
    assert (config / "out" / "requirements.txt").is_file()

    # A commit from a shell where neither virtualenv is on PATH: the hooks install the tool.
    bare = ":".join(p for p in os.environ.get("PATH", "").split(":")
                    if Path(p).resolve() != BIN.resolve())
    for args in (("init", "--quiet", "-b", "main"), ("add", "."),):
        assert run("git", *args, cwd=config).returncode == 0
    assert run(second / "pre-commit", "install", cwd=config).returncode == 0
    committed = run("git", "commit", "-m", "scaffold", cwd=config, extra_env={"PATH": bare})
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert "mwaa-gitops validate, render, secrets" in committed.stderr


def test_init_requirement_follows_how_the_running_tool_was_installed() -> None:
    assert requirement_from(None, "1.2.0").line == "mwaa-gitops==1.2.0"
    wheel = "https://artifacts.example.com/mwaa_gitops-1.2.0-py3-none-any.whl"
    from_url = requirement_from({"url": wheel, "archive_info": {}}, "1.2.0")
    assert (from_url.line, from_url.local_only) == (f"mwaa-gitops @ {wheel}", None)
    vcs = requirement_from({"url": "https://git.example.com/mwaa-gitops.git", "vcs_info": {
        "vcs": "git", "commit_id": "0123abcd", "requested_revision": "v1.2.0"}}, "1.2.0")
    assert vcs.line == "mwaa-gitops @ git+https://git.example.com/mwaa-gitops.git@0123abcd"
    folder = requirement_from({"url": "file:///src/mwaa-gitops",
                               "dir_info": {"editable": True}}, "1.2.0")
    assert folder.line == "mwaa-gitops @ file:///src/mwaa-gitops"
    assert folder.local_only is not None


def test_init_requirement_on_an_existing_repository_updates_only_that_line(
        tmp_path: Path, run: Run) -> None:
    assert run(MWAA, "init", "config", cwd=tmp_path).returncode == 0
    repo = tmp_path / "config"
    (repo / "environments" / "base" / "environment.yaml").write_text("# ours\n")
    before = (repo / "requirements-gitops.txt").read_text().splitlines()
    spec = "mwaa-gitops @ git+https://git.example.com/mwaa-gitops.git@v1.2.0"
    done = run(MWAA, "init", "config", "--requirement", spec, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = (repo / "requirements-gitops.txt").read_text().splitlines()
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert len(changed) == 1 and after[changed[0]] == spec
    assert done.stdout == f"updated config/requirements-gitops.txt:{changed[0] + 1}: {spec}\n"
    assert (repo / "environments" / "base" / "environment.yaml").read_text() == "# ours\n"


def test_init_requirement_refuses_a_requirements_file_without_the_tool(
        tmp_path: Path, run: Run) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "requirements-gitops.txt").write_text("pre-commit>=3.7\n")
    done = run(MWAA, "init", "config", "--requirement", "mwaa-gitops==1.2.0", cwd=tmp_path)
    assert done.returncode == 1
    assert "config/requirements-gitops.txt:1:1: has no mwaa-gitops requirement line to " \
           "update" in done.stderr


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
    # Every tool at an exact version, as the development lock has it.
    lock = (ROOT / "requirements-dev.lock").read_text()
    assert requirements[0] == spec and len(requirements) == 3
    for line in requirements[1:]:
        pin, marker = (part.strip() for part in line.split(";"))
        assert f"{pin} ; {marker.replace('_version', '_full_version')}" in lock.replace(
            "'", '"'), line


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


def test_init_force_refreshes_the_tools_copies_and_keeps_the_users_settings(
        tmp_path: Path, run: Run) -> None:
    assert run(MWAA, "init", "existing", cwd=tmp_path).returncode == 0
    repo = tmp_path / "existing"
    base = repo / "environments" / "base" / "environment.yaml"
    ours = base.read_text() + "ecs:\n  cluster: ours\n"
    base.write_text(ours)
    schema = repo / "schemas" / "workflow.schema.json"
    schema.write_text("{}\n")
    done = run(MWAA, "init", "--force", repo, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "kept environments/base/environment.yaml" in done.stdout
    assert "overwrote schemas/workflow.schema.json" in done.stdout
    assert base.read_text() == ours
    assert schema.read_text() != "{}\n"


def test_validate_warns_when_the_repositorys_schemas_are_another_tools(
        tmp_path: Path, run: Run) -> None:
    assert run(MWAA, "init", "new", cwd=tmp_path).returncode == 0
    repo = tmp_path / "new"
    (repo / "schemas" / "workflow.schema.json").write_text("{}\n")
    done = run(MWAA, "validate", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "schemas/workflow.schema.json:1:1: warning: the repository's copy of " \
           "workflow.schema.json is not the installed mwaa-gitops" in done.stdout + done.stderr
    assert "mwaa-gitops init --force" in done.stdout + done.stderr
    assert run(MWAA, "init", "--force", repo, cwd=tmp_path).returncode == 0
    again = run(MWAA, "validate", cwd=repo)
    assert "stale" not in again.stdout + again.stderr and "copy of" not in again.stderr


def test_init_into_a_file_is_a_usage_error(tmp_path: Path, run: Run) -> None:
    (tmp_path / "afile").write_text("")
    done = run(MWAA, "init", "afile", cwd=tmp_path)
    assert done.returncode == 2
    assert "error: afile: exists and is not a folder" in done.stderr


def test_init_layer_files_name_the_overlay_schemas_editors_check_them_against() -> None:
    layers = {path: data.decode() for path, data in scaffold_files().items()
              if path.parts[0] == "environments"}
    assert layers
    for path, text in layers.items():
        kind = "environment" if path.name == "environment.yaml" else "workflow"
        assert f"schemas/{kind}.overlay.schema.json\n" in text.splitlines(keepends=True)[0], path


def test_init_requirement_pins_the_commit_hooks_to_the_same_tool(tmp_path: Path,
                                                                 run: Run) -> None:
    assert run(MWAA, "init", "config", cwd=tmp_path).returncode == 0
    spec = 'mwaa-gitops @ git+https://git.example.com/mwaa-gitops.git@v1.2.0 ; os_name != "nt"'
    assert run(MWAA, "init", "config", "--requirement", spec, cwd=tmp_path).returncode == 0
    config = yaml.safe_load((tmp_path / "config" / ".pre-commit-config.yaml").read_text())
    (hook,) = [h for repo in config["repos"] for h in repo["hooks"] if h["id"] == "mwaa-gitops"]
    assert hook["additional_dependencies"] == [spec]


def test_a_tool_installed_from_a_local_git_clone_gets_a_url_old_pip_accepts() -> None:
    local = requirement_from({"url": "file:///src/mwaa-gitops", "vcs_info": {
        "vcs": "git", "commit_id": "0123abcd"}}, "1.2.0")
    # pip 23.2 (Python 3.11's and 3.12's) rejects git+file:///…, a VCS URL without a host.
    assert local.line == "mwaa-gitops @ git+file://localhost/src/mwaa-gitops@0123abcd"
    assert local.local_only is not None


def test_a_new_repository_gets_the_lock_its_example_workflow_installs() -> None:
    files = scaffold_files()
    seeded = sorted(str(p) for p in files if p.parts[0] == "locks")
    assert seeded == ["locks/airflow-3.3.1/openmetadata-ingestion-2.0.7.0.txt"]
    # The example repository's own lock of the same set, as `mwaa-gitops lock` wrote it.
    assert files[PurePosixPath(seeded[0])] == (ROOT / seeded[0]).read_bytes()
