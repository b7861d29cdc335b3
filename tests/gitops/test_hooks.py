"""The pre-commit hooks: a real ``git commit`` in a repository made by ``init`` is refused for a
broken overlay and accepted once it is fixed; each hook entry point checks what it should."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from tests.conftest import Writer
from tests.gitops.conftest import History
from tests.gitops.shell import ROOT, Run, git

runner = CliRunner()

DEV = """\
# The dev environment: only what differs from base.
extends: base
mwaa:
  environmentName: openmetadata-dev
  region: {region}
  target: s3://example-mwaa-dev/openmetadata
"""


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_commit_is_refused_for_a_broken_overlay_and_accepted_once_fixed(scaffold: Path,
                                                                          run: Run) -> None:
    installed = run("pre-commit", "install", cwd=scaffold)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    dev = scaffold / "environments" / "dev" / "environment.yaml"
    dev.parent.mkdir()
    dev.write_text(DEV.format(region="eu-west"))
    git(run, scaffold, "add", "environments/dev/environment.yaml")

    refused = run("git", "commit", "-m", "add dev", cwd=scaffold)
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert "environments/dev/environment.yaml:5:11: mwaa.region: region is an AWS region " \
           "name such as eu-west-1 (got 'eu-west')" in output
    assert "Traceback" not in output
    assert git(run, scaffold, "rev-list", "--count", "HEAD") == "1"

    dev.write_text(DEV.format(region="eu-west-1"))
    git(run, scaffold, "add", "environments/dev/environment.yaml")
    accepted = run("git", "commit", "-m", "add dev", cwd=scaffold)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert re.search(r"mwaa-gitops validate, render, secrets\.+Passed", accepted.stderr)
    assert git(run, scaffold, "rev-list", "--count", "HEAD") == "2"
    assert git(run, scaffold, "status", "--porcelain") == ""  # no hook modified a file


def test_commit_is_refused_for_a_plaintext_password(scaffold: Path, run: Run) -> None:
    assert run("pre-commit", "install", cwd=scaffold).returncode == 0
    base = scaffold / "environments" / "base" / "environment.yaml"
    base.write_text(base.read_text().replace(
        "jwtToken: secret:/openmetadata/ingestion-bot/jwt-token", "jwtToken: eyJhbGciOi.abc"))
    git(run, scaffold, "add", "-u")
    refused = run("git", "commit", "-m", "inline token", cwd=scaffold)
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1
    assert re.search(r"mwaa-gitops validate, render, secrets\.+Failed", output)
    leak = ("environments/base/environment.yaml:17:17: openmetadata.server.securityConfig."
            "jwtToken: plaintext secret")
    assert output.count(leak) == 1  # validated and checked for secrets, printed once


def test_validate_hook_checks_only_environments_whose_chain_has_a_touched_layer(
        repo: Path, write: Writer) -> None:
    write("environments/prod/workflows/airflow_pipelines_ecs.yaml", "dag:\n  retries: many\n")
    touched_dev = repo / "environments" / "dev" / "environment.yaml"
    code, out, _ = invoke("hook", "validate", "--repo", repo, touched_dev)
    assert (code, out) == (0, "ok: 1 environment, 8 workflows valid\n")

    touched_base = repo / "environments" / "base" / "environment.yaml"
    code, _, err = invoke("hook", "validate", "--repo", repo, touched_base)
    assert code == 1
    assert err.startswith("environments/prod/workflows/airflow_pipelines_ecs.yaml:2:12: ")


def test_validate_hook_ignores_files_outside_environments(repo: Path) -> None:
    (repo / "README.md").write_text("# notes\n")
    assert invoke("hook", "validate", "--repo", repo, repo / "README.md") == (0, "", "")


def test_validate_hook_reports_a_file_in_a_folder_that_is_not_a_layer(repo: Path,
                                                                      write: Writer) -> None:
    stray = write("environments/staging/workflows/airflow_pipelines.yaml", "dag: {}\n")
    code, _, err = invoke("hook", "validate", "--repo", repo, stray)
    assert code == 1
    assert err == ("environments/staging/workflows/airflow_pipelines.yaml:1:1: 'staging' is "
                   "not an environment: environments/staging/environment.yaml is missing, so "
                   "this file is never read (add environment.yaml (e.g. 'extends: base'), or "
                   "move the file into a layer)\n")


def test_render_hook_passes_for_the_example_repository() -> None:
    code, out, _ = invoke("hook", "render", "--repo", ROOT)
    assert code == 0
    assert out.startswith("ok: 3 environments render (")


def test_render_hook_reports_an_environment_that_no_longer_renders(repo: Path,
                                                                   write: Writer) -> None:
    write("environments/local/environment.yaml",
          "extends: base\nmwaa:\n  environmentName: openmetadata-local\n  target: ftp://x\n")
    code, _, err = invoke("hook", "render", "--repo", repo)
    assert code == 1
    assert err.startswith("environments/local/environment.yaml:4:11: ")


@pytest.mark.parametrize("value", ["hunter2", "${{ secrets.DB }}"])
def test_secrets_hook_flags_a_plaintext_password(tmp_path: Path, value: str) -> None:
    config = tmp_path / "workflow.yaml"
    config.write_text(f"source:\n  serviceConnection:\n    config:\n      password: '{value}'\n")
    code, _, err = invoke("hook", "secrets", config)
    assert code == 1
    assert ":4:17: " in err


def test_secrets_hook_accepts_references(tmp_path: Path) -> None:
    config = tmp_path / "workflow.yaml"
    config.write_text("password: secret:/openmetadata/db\ntoken: ${var:OM_TOKEN}\n")
    assert invoke("hook", "secrets", config)[0] == 0


def test_secrets_hook_counts_unreadable_files_as_problems_not_secrets(tmp_path: Path) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text("Resources:\n  Topic:\n    Properties:\n      Name: !Ref Name\n")
    manifests = tmp_path / "deploy.yaml"
    manifests.write_text("kind: A\n---\nkind: B\n")
    code, _, err = invoke("hook", "secrets", template, manifests)
    assert code == 1
    assert err.splitlines()[-1] == "2 problem(s): 2 file(s) that could not be checked"

    leaked = tmp_path / "workflow.yaml"
    leaked.write_text("password: hunter2\n")
    _, _, err = invoke("hook", "secrets", template, leaked)
    assert err.splitlines()[-1] == \
        "2 problem(s): 1 plaintext secret(s), 1 file(s) that could not be checked"
    _, _, err = invoke("hook", "secrets", leaked)
    assert err.splitlines()[-1] == "1 plaintext secret(s)"


def test_offered_hooks_scope_secrets_to_environments_and_always_render() -> None:
    offered = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    local = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert offered["mwaa-gitops-secrets"]["files"] == "^environments/"
    # A deletion-only commit passes no file names, and must still be rendered.
    assert offered["mwaa-gitops-render"]["always_run"] is True
    assert "files" not in offered["mwaa-gitops-render"]
    for hooks in (offered, local):
        assert hooks["mwaa-gitops"]["always_run"] is True
        assert hooks["mwaa-gitops"]["entry"] == "mwaa-gitops hook all"


def test_hooks_manifest_is_valid_and_every_entry_runs(run: Run) -> None:
    manifest = ROOT / ".pre-commit-hooks.yaml"
    checked = run("pre-commit", "validate-manifest", manifest, cwd=ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    hooks = yaml.safe_load(manifest.read_text())
    assert {h["id"] for h in hooks} >= {"mwaa-gitops", "mwaa-gitops-validate",
                                        "mwaa-gitops-render", "mwaa-gitops-lint",
                                        "mwaa-gitops-secrets"}
    for hook in hooks:
        assert hook["language"] == "python"  # pre-commit installs the tool from this repository
        program, *args = hook["entry"].split()
        assert program == "mwaa-gitops"
        assert invoke(*args, "--help")[0] == 0, hook["id"]


def test_commit_that_only_deletes_a_file_is_still_checked(history: History, run: Run) -> None:
    assert run("pre-commit", "install", cwd=history.repo).returncode == 0
    git(run, history.repo, "rm", "--quiet", "environments/base/workflows/airflow_pipelines.yaml")
    refused = run("git", "commit", "-m", "drop the base workflow", cwd=history.repo)
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    # dev's overlay of the deleted workflow now overlays nothing
    assert re.search(r"mwaa-gitops validate, render, secrets\.+Failed", output)
    assert "overlays nothing: no layer below 'dev' (base) has a workflow 'airflow_pipelines'" \
        in output


def test_hook_all_prints_each_problem_once_under_one_summary(repo: Path, write: Writer) -> None:
    overlay = write("environments/dev/workflows/airflow_pipelines.yaml", """
        dag:
          dagId: openmetadata_airflow_pipelines_ecs
        workflowConfig:
          openMetadataServerConfig:
            securityConfig:
              jwtToken: eyJhbGciOi.abc
        """)
    code, out, err = invoke("hook", "all", "--repo", repo, overlay)
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert len(lines) == len(set(lines)) == 3
    assert "dag id 'openmetadata_airflow_pipelines_ecs' is used by workflows" in lines[0]
    assert "jwtToken: plaintext secret" in lines[1]
    assert lines[2] == "2 problems in 1 file(s)"


def test_hook_all_passes_for_the_example_repository() -> None:
    assert invoke("hook", "all", "--repo", ROOT) == (
        0, "ok: 3 environments valid, rendered (50 files), no plaintext secrets\n", "")


def test_hook_entry_points_skip_the_typer_app_and_answer_as_it_does(run: Run) -> None:
    probe = ("import sys; from mwaa_gitops.commands.hook import from_argv; "
             "code = from_argv(sys.argv[1:]); "
             "print('pydantic' in sys.modules, 'typer.main' in sys.modules, file=sys.stderr); "
             "sys.exit(code)")
    for args in (["hook", "all", "--repo", str(ROOT)], ["hook", "render", f"--repo={ROOT}"],
                 ["hook", "validate", "--format", "json", "--repo", str(ROOT)]):
        fast = run(sys.executable, "-c", probe, *args, cwd=ROOT)
        assert fast.stderr.splitlines()[-1] == "False False", args
        assert (fast.returncode, fast.stdout) == invoke(*args)[:2], args


@pytest.mark.parametrize("args", [["hook", "render", "a.yaml"], ["hook", "secrets", "--repo", "."],
                                  ["hook", "all", "--help"], ["hook", "all", "--format", "xml"],
                                  ["hook", "lint"], ["validate"]])
def test_hook_invocations_that_are_not_plain_are_left_to_the_typer_app(args: list[str]) -> None:
    from mwaa_gitops.commands.hook import from_argv

    assert from_argv(args) is None


def test_scaffold_yaml_is_lf_in_the_repository_and_in_a_crlf_checkout(scaffold: Path,
                                                                      run: Run) -> None:
    local = scaffold / "environments" / "local" / "environment.yaml"
    local.write_bytes(local.read_bytes().replace(b"\n", b"\r\n") + b"# edited on Windows\r\n")
    git(run, scaffold, "add", "-u")
    assert "\r" not in git(run, scaffold, "show", ":environments/local/environment.yaml")
    git(run, scaffold, "commit", "--quiet", "--no-verify", "-m", "edit")
    clone = scaffold.parent / "windows"
    git(run, scaffold.parent, "-c", "core.autocrlf=true", "clone", "--quiet", str(scaffold),
        str(clone))
    for path in clone.rglob("*.y*ml"):
        assert b"\r" not in path.read_bytes(), path
    linted = run("yamllint", "--strict", "environments", cwd=clone)
    assert linted.returncode == 0, linted.stdout


def test_offered_hook_is_installed_by_pre_commit_and_runs_without_a_venv_on_path(
        scaffold: Path, run: Run) -> None:
    pre_commit = Path(sys.executable).with_name("pre-commit")
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if Path(p).resolve() != Path(sys.executable).parent.resolve())
    done = run(pre_commit, "try-repo", ROOT, "mwaa-gitops", "--all-files", cwd=scaffold,
               extra_env={"PATH": path}, timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"mwaa-gitops validate, render, secrets\.+Passed", output)
