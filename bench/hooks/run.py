"""Benchmark: the mwaa-gitops commit hooks on a typical one-file commit.

Run from the repository root::

    .venv/bin/python -m bench.hooks.run [--rounds 7]

A git repository holding a copy of the example ``environments/`` gets one staged edit (dev's
pipelines schedule), as a developer's commit would. Two ways of running the mwaa-gitops checks
on it are timed, alternating round by round so that both see the same machine load:

- ``before``: the three hooks as they were, ``hook validate FILE``, ``hook render`` and
  ``hook secrets FILE``, one process each, each parsed by the Typer app;
- ``after``: ``mwaa-gitops hook all FILE``, one process that loads and checks the repository
  once, started by the console script's plain-invocation path (no Typer app).

Each is timed twice: the hook processes alone (what the mwaa-gitops hooks cost: wall and CPU
seconds), and the whole ``pre-commit run`` with a configuration holding just those hooks (what
the developer waits). Medians go to stdout and to ``bench/hooks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EDITED = "environments/dev/workflows/airflow_pipelines.yaml"
TARGET_SECONDS = 1.0

# The command line as it was before: every invocation goes through the Typer app.
TYPER_APP = "import sys\nfrom mwaa_gitops.cli import app\nsys.argv[0] = 'mwaa-gitops'\napp()\n"
BEFORE = """\
repos:
  - repo: local
    hooks:
      - {id: mwaa-gitops-validate, name: validate, entry: mwaa-gitops-typer hook validate,
         language: system, files: ^environments/, require_serial: true}
      - {id: mwaa-gitops-render, name: render, entry: mwaa-gitops-typer hook render,
         language: system, always_run: true, pass_filenames: false}
      - {id: mwaa-gitops-secrets, name: secrets, entry: mwaa-gitops-typer hook secrets,
         language: system, files: ^environments/.*\\.ya?ml$}
"""
AFTER = """\
repos:
  - repo: local
    hooks:
      - {id: mwaa-gitops, name: mwaa-gitops, entry: mwaa-gitops hook all, language: system,
         files: ^environments/, always_run: true, require_serial: true}
"""


READING = """\
Reading it:
- `hook all` is one single-threaded process, so on an otherwise idle machine its wall time is
  its CPU time; the wall column above is inflated by whatever else ran (the load average). The
  CPU column and the after/before ratios, taken in alternating rounds, are what carry over.
- Before, each of the three hooks started Python, built the Typer app (whose parameter
  conversion goes through pydantic) and loaded and checked the repository again; `render`
  checked every environment, `validate` the touched ones once more, and a plaintext secret in a
  layer was printed by both `validate` and `secrets`, under three summary lines.
- After, the console script runs a plain hook invocation without building the Typer app, and
  `hook all` loads and checks everything once; what remains is mostly importing jsonschema and
  PyYAML, then checking and rendering the example environments in memory.
- `pre-commit run` adds pre-commit's own start-up and git stash handling to either way.
"""


def prepare(folder: Path) -> dict[str, str]:
    """The repository with one staged edit; returns the environment to run tools in."""
    shutil.copytree(ROOT / "environments", folder / "environments")
    shutil.copytree(ROOT / "locks", folder / "locks")
    (folder / "before.yaml").write_text(BEFORE)
    (folder / "after.yaml").write_text(AFTER)
    tools = folder.parent / f"{folder.name}-bin"
    tools.mkdir()
    typer_app = tools / "mwaa-gitops-typer"
    typer_app.write_text(f"#!{sys.executable}\n{TYPER_APP}")
    typer_app.chmod(0o755)
    path = os.pathsep.join([str(tools), str(BIN), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path,
           "PRE_COMMIT_HOME": str(folder / ".pre-commit-home"), "NO_COLOR": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "--quiet", "-b", "main"], ["add", "."],
                 ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit",
                  "--quiet", "-m", "examples"]):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True)
    edited = folder / EDITED
    edited.write_text(edited.read_text().replace('"@hourly"', '"@daily"'))
    subprocess.run(["git", "add", EDITED], cwd=folder, env=env, check=True)
    return env


def timed(commands: list[list[str]], folder: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, of the processes started) of ``commands``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for command in commands:
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    cli = str(BIN / "mwaa-gitops")
    pre_commit = str(BIN / "pre-commit")
    ways = {
        "before": [["mwaa-gitops-typer", "hook", "validate", EDITED],
                   ["mwaa-gitops-typer", "hook", "render"],
                   ["mwaa-gitops-typer", "hook", "secrets", EDITED]],
        "after": [[cli, "hook", "all", EDITED]],
    }
    hooks: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
    pre: dict[str, list[float]] = {way: [] for way in ways}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "repo"
        folder.mkdir()
        env = prepare(folder)
        timed(ways["after"], folder, env)  # warm the file cache once
        for _ in range(args.rounds):
            for way, commands in ways.items():
                hooks[way].append(timed(commands, folder, env))
                pre[way].append(timed([[pre_commit, "run", "--config", f"{way}.yaml"]],
                                      folder, env)[0])
    wall = {way: statistics.median(w for w, _ in runs) for way, runs in hooks.items()}
    cpu = {way: statistics.median(c for _, c in runs) for way, runs in hooks.items()}
    pre_med = {way: statistics.median(runs) for way, runs in pre.items()}
    met = "met" if wall["after"] < TARGET_SECONDS else "NOT met"
    lines = [
        f"one-file commit ({EDITED}), {args.rounds} alternating rounds, medians;",
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end",
        "                                          wall      CPU   pre-commit run",
        f"before: hook validate + render + secrets  {wall['before']:5.2f} s  "
        f"{cpu['before']:5.2f} s  {pre_med['before']:5.2f} s",
        f"after:  hook all                          {wall['after']:5.2f} s  "
        f"{cpu['after']:5.2f} s  {pre_med['after']:5.2f} s",
        f"after / before                            {wall['after'] / wall['before']:5.2f}x   "
        f"{cpu['after'] / cpu['before']:5.2f}x   {pre_med['after'] / pre_med['before']:5.2f}x",
        f"hook all under {TARGET_SECONDS:.0f} s wall: {met}; CPU under {TARGET_SECONDS:.0f} s: "
        f"{'met' if cpu['after'] < TARGET_SECONDS else 'NOT met'}",
        "per round, wall s: " + "; ".join(
            f"{way} {', '.join(f'{w:.2f}' for w, _ in runs)}" for way, runs in hooks.items()),
    ]
    text = "\n".join(lines)
    print(text)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    (ROOT / "bench" / "hooks" / "RESULTS.md").write_text(
        f"# commit hook benchmark\n\n`.venv/bin/python -m bench.hooks.run` on {platform.system()}"
        f", {stamp}:\n\n```\n{text}\n```\n\n{READING}")


if __name__ == "__main__":
    main()
