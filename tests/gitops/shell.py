"""Running the tools as a developer's shell would: the venv's bin on PATH, a private git
configuration, pre-commit's cache shared between runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MWAA = BIN / "mwaa-gitops"
CACHE = Path(os.environ.get("MWAA_GITOPS_CACHE", Path.home() / ".cache" / "mwaa-gitops"))

Run = Callable[..., subprocess.CompletedProcess[str]]


def tool_env(home: Path) -> dict[str, str]:
    """The environment a developer's shell would give the tools: the venv's bin first, git
    configured from a private file (no global hooks or templates), pre-commit's cache shared."""
    gitconfig = home / ".gitconfig"
    if not gitconfig.exists():
        gitconfig.parent.mkdir(parents=True, exist_ok=True)
        gitconfig.write_text("[user]\n\tname = Test\n\temail = test@example.com\n"
                             "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))}
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(CACHE / "pre-commit"),
        "PRE_COMMIT_COLOR": "never",
        # The scaffold's actionlint hook builds from actionlint's GitHub release, which the
        # test tiers may not reach; tests/gitops/test_workflows.py runs actionlint itself.
        "SKIP": "actionlint",
        "NO_COLOR": "1",
    })
    return env


def git(run: Run, repo: Path, *args: str) -> str:
    """A git command that must succeed; its stdout."""
    done = run("git", *args, cwd=repo)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
