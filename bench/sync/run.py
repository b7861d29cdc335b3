"""Benchmark: ``mwaa-gitops sync`` against ``aws s3 sync`` on the same local S3 server.

Run from the repository root::

    .venv/bin/python -m bench.sync.run [--files 2000]

One SeaweedFS (127.0.0.1, temporary folder) behind the counting proxy of the test suite; each
tool gets its own bucket. Three steps, as a CI job sees them:

1. first sync into an empty bucket;
2. a fresh clone (every file gets a new mtime, no content changes) synced again;
3. a fresh clone with one workflow's schedule edited to a string of the same length.

For each step: wall time of the command, PUT requests that reached the server, and whether the
bucket then holds exactly the rendered files. ``aws s3 sync`` syncs a folder holding the same
rendered tree (rendering is not counted against it); ``mwaa-gitops sync`` validates, renders and
syncs from the config repository. Results go to stdout and to ``bench/sync/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.throwaway import tool_bin
from tests.support.s3server import FaultProxy, SeaweedFS, credentials_env, seaweedfs

from mwaa_gitops.render import pipeline, render_environment

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).with_name("RESULTS.md")
PREFIX = "openmetadata"
TEMPLATE = ROOT / "environments/base/workflows/airflow_pipelines.yaml"
STEPS = ("first sync", "fresh clone, no change", "fresh clone, one same-length edit")
AWSCLI = "awscli==1.46.3"  # in a throwaway virtualenv: not a dependency of the project
PROFILE = "## Where the time goes"  # written by hand from a profile: kept across runs


@dataclass
class Row:
    tool: str
    step: str
    seconds: float  # the sync command alone
    render: float   # producing the folder it syncs (aws s3 sync only; mwaa-gitops renders inside)
    puts: int
    correct: bool
    cpu: float = 0.0  # user + system CPU seconds of the sync command and its children

    @property
    def total(self) -> float:
        return self.seconds + self.render


def workflow(index: int) -> str:
    """A copy of the example workflow with its own dag id, service and schedule."""
    text = TEMPLATE.read_text()
    text = text.replace("dagId: openmetadata_airflow_pipelines", f"dagId: bench_{index:04d}")
    text = text.replace("serviceName: mwaa_airflow", f"serviceName: bench_{index:04d}")
    return re.sub(r'schedule: "[^"]*"', f'schedule: "{index % 60:02d} */6 * * *"', text)


def make_repository(path: Path, endpoint: str, bucket: str, files: int) -> dict[str, bytes]:
    """A git config repository whose ``bench`` environment renders about ``files`` files."""
    shutil.copytree(ROOT / "environments", path / "environments")
    shutil.copytree(ROOT / "locks", path / "locks")
    env = path / "environments/bench"
    (env / "workflows").mkdir(parents=True)
    (env / "environment.yaml").write_text(
        f"extends: base\nmwaa:\n  environmentName: openmetadata-bench\n"
        f"  target: s3://{bucket}/{PREFIX}\n  endpointUrl: {endpoint}\n")
    fixed = len(render(path))
    (env / "workflows/bench_0000.yaml").write_text(workflow(0))
    per_workflow = len(render(path)) - fixed
    for index in range(1, (files - fixed) // per_workflow):
        (env / f"workflows/bench_{index:04d}.yaml").write_text(workflow(index))
    git(path, "init", "-q")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "bench")
    return render(path)


def render(repo: Path) -> dict[str, bytes]:
    repository = pipeline.open_repository(repo)
    return render_environment(pipeline.checked_environment(repository, "bench"))


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
                    *args], cwd=repo, check=True)


def clone(source: Path, dest: Path) -> Path:
    git(source.parent, "clone", "-q", str(source), str(dest))
    return dest


def edit_one_schedule(repo: Path) -> None:
    """Change one cron minute, keeping every rendered file the same length."""
    path = repo / "environments/bench/workflows/bench_0007.yaml"
    path.write_text(path.read_text().replace('schedule: "07 */6 * * *"',
                                             'schedule: "08 */6 * * *"'))
    git(repo, "commit", "-q", "-am", "one schedule")


def bucket_matches(server: SeaweedFS, bucket: str, tree: dict[str, bytes]) -> bool:
    client = server.client()
    found: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                  Prefix=PREFIX + "/"):
        for item in page.get("Contents", []):
            key = item["Key"][len(PREFIX) + 1:]
            if not key.startswith(".mwaa-gitops/"):
                found[key] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found == tree


def compile_bytecode() -> None:
    """Both tools start from compiled bytecode, as a pip install leaves them: without it (an
    editable install, PYTHONDONTWRITEBYTECODE) every run compiles its modules from source."""
    package = Path(pipeline.__file__).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0",
                    sysconfig.get_paths()["purelib"], str(package)],
                   capture_output=True, check=False)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    seconds, out, _ = timed_cpu(command, env)
    return seconds, out


def cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed_cpu(command: list[str], env: dict[str, str]) -> tuple[float, str, float]:
    """Wall seconds, stdout and CPU seconds (less swayed than wall time by a busy machine)."""
    cpu = cpu_seconds()
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    cpu = cpu_seconds() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, done.stdout, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="rendered files to sync")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of the no-change step, each on its own fresh clone (medians)")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    aws = tool_bin(AWSCLI) / "aws"
    compile_bytecode()
    env = {**os.environ, **credentials_env(), "CI": "true"}
    env.pop("MWAA_GITOPS_COMMIT", None)
    rows: list[Row] = []
    buckets = {"mwaa-gitops sync": "bench-mwaa-gitops", "aws s3 sync": "bench-awscli",
               "aws s3 sync --size-only": "bench-awscli-size-only"}
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as scratch_name:
        scratch = Path(scratch_name)
        with seaweedfs(scratch / "seaweedfs") as server:
            proxy = FaultProxy(server.s3_port).start()
            for name in buckets.values():
                server.create_bucket(name)
            origin = scratch / "origin"
            tree = make_repository(origin, proxy.endpoint, buckets["mwaa-gitops sync"],
                                   args.files)
            total = sum(len(v) for v in tree.values())
            print(f"{len(tree)} rendered files, {total / 1e6:.1f} MB", flush=True)
            no_change = [clone(origin, scratch / f"checkout-1-{n}") for n in range(args.repeat)]
            edited = clone(origin, scratch / "checkout-2")
            edit_one_schedule(edited)
            steps = [(0, clone(origin, scratch / "checkout-0")),
                     *((1, checkout) for checkout in no_change), (2, edited)]
            trees = [tree, tree, render(edited)]
            assert len(trees[2]) == len(tree) and trees[2] != tree

            # Tools take turns at each step, so background work of the server hits both alike.
            for run, (step, checkout) in enumerate(steps):
                for tool, bucket in buckets.items():
                    proxy.reset()
                    if tool == "mwaa-gitops sync":
                        rendering = 0.0
                        seconds, out, cpu = timed_cpu(
                            [str(bin_dir / "mwaa-gitops"), "sync", "--env", "bench", "--repo",
                             str(checkout), "--no-update-mwaa", "--format", "json"], env)
                        json.loads(out)
                    else:
                        # A fresh checkout renders into a new folder: new files, new mtimes.
                        folder = scratch / f"{bucket}-{run}"
                        rendering, _ = timed([str(bin_dir / "mwaa-gitops"), "render", "--env",
                                              "bench", "--repo", str(checkout), "--out",
                                              str(folder)], env)
                        command = [str(aws), "s3", "sync", str(folder),
                                   f"s3://{bucket}/{PREFIX}", "--endpoint-url", proxy.endpoint,
                                   "--no-progress", "--only-show-errors",
                                   "--exclude", ".mwaa-gitops-render.json"]
                        if tool.endswith("--size-only"):
                            command.append("--size-only")
                        seconds, _, cpu = timed_cpu(command, env)
                    rows.append(Row(tool, STEPS[step], seconds, rendering,
                                    len(proxy.requests("PUT")),
                                    bucket_matches(server, bucket, trees[step]), cpu))
                    print(rows[-1], flush=True)
            proxy.stop()
    report = render_report(rows, len(tree), total)
    print(report)
    kept = RESULTS.read_text().partition(PROFILE)[2] if RESULTS.exists() else ""
    RESULTS.write_text(report + (f"\n{PROFILE}{kept}" if kept else ""))


def render_report(rows: list[Row], files: int, total: int) -> str:
    versions = {
        "SeaweedFS": subprocess.run([str(Path(sys.executable).with_name("weed")), "version"],
                                    capture_output=True, text=True, check=False
                                    ).stdout.split()[2:3],
        "aws-cli": subprocess.run([str(tool_bin(AWSCLI) / "aws"), "--version"],
                                  capture_output=True, text=True, check=False
                                  ).stdout.split()[:1],
    }
    lines = [
        "# Sync benchmark: `mwaa-gitops sync` vs `aws s3 sync`",
        "",
        f"{files} rendered files ({total / 1e6:.1f} MB) of one environment, synced to a local "
        "SeaweedFS S3 server through a request-counting proxy (`python -m bench.sync.run`). "
        "PUTs are the requests that reached the server (for mwaa-gitops they include its lock "
        "and manifest writes). \"Correct\" means the bucket then held exactly the rendered "
        "files. `mwaa-gitops sync` validates and renders the repository itself; `aws s3 sync` "
        "needs the rendered files in a folder, made by `mwaa-gitops render` in each fresh "
        "checkout (its own column, and part of the total). Both tools start from compiled "
        "bytecode, as a pip install leaves them (the bench runs `compileall` over the project's "
        "environment first).",
        "",
        f"Python {platform.python_version()}, "
        + ", ".join(f"{k} {' '.join(v)}" for k, v in versions.items()) + ".",
        "",
        "Each step's tools take turns; the no-change step ran "
        f"{max(len(v) for v in by_step(rows).values())} times (a fresh clone each time), its "
        "figures are medians.",
        "",
        "| step | tool | sync (s) | render (s) | total (s) | PUTs | correct |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    merged = {key: median_row(group) for key, group in by_step(rows).items()}
    for step in STEPS:
        for (row_step, _), row in merged.items():
            if row_step != step:
                continue
            render_cell = f"{row.render:.2f}" if row.render else "(inside)"
            lines.append(f"| {step} | `{row.tool}` | {row.seconds:.2f} | {render_cell} | "
                         f"{row.total:.2f} | {row.puts} | {'yes' if row.correct else '**no**'} |")
    lines += ["", "Ratios, `aws s3 sync` ÷ `mwaa-gitops sync` (time: aws alone / render + aws):",
              ""]
    for step in STEPS:
        ours = merged[(step, "mwaa-gitops sync")]
        theirs = merged[(step, "aws s3 sync")]
        put_ratio = (f"{theirs.puts / ours.puts:.0f}x" if ours.puts
                     else f"{theirs.puts} vs 0")
        lines.append(f"- {step}: time {theirs.seconds / ours.seconds:.2f}x / "
                     f"{theirs.total / ours.total:.2f}x, PUTs {put_ratio}")
    ours = merged[(STEPS[1], "mwaa-gitops sync")]
    floor = merged[(STEPS[1], "aws s3 sync --size-only")]
    lines += ["", f"No-change sync against the listing-only floor: `mwaa-gitops sync` (render "
              f"included) takes {ours.seconds / floor.seconds:.2f}x the time of `aws s3 sync "
              f"--size-only` alone, {ours.seconds / floor.total:.2f}x of it with its render."]
    groups = by_step(rows)
    rounds = [a.seconds / b.seconds for a, b in zip(groups[(STEPS[1], ours.tool)],
                                                    groups[(STEPS[1], floor.tool)], strict=True)]
    lines += ["", f"Per round (the two ran back to back on the same clone's turn): "
              f"{', '.join(f'{r:.2f}x' for r in rounds)}; median {statistics.median(rounds):.2f}x. "
              f"CPU seconds (user + system, medians): {ours.cpu:.2f} s against {floor.cpu:.2f} "
              f"s, {ours.cpu / floor.cpu:.2f}x; the sync's include its child process, which "
              "runs beside the config work on the second core."]
    return "\n".join(lines) + "\n"


def by_step(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.step, row.tool), []).append(row)
    return groups


def median_row(rows: list[Row]) -> Row:
    return Row(rows[0].tool, rows[0].step, statistics.median(r.seconds for r in rows),
               statistics.median(r.render for r in rows), max(r.puts for r in rows),
               all(r.correct for r in rows), statistics.median(r.cpu for r in rows))


if __name__ == "__main__":
    main()
