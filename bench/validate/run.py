"""Benchmark: `validate` and `render --all` of a generated repository, beside their floors.

Generates a repository (base + N environments, each overlaying half of the shared workflows;
the shared workflows mix the kinds of ``kinds.py`` with the Airflow connector's examples from
``environments/base``), then times, as users run them and interleaved run by run:

* ``mwaa-gitops validate`` (merges, checks and renders every environment in memory) and
  ``mwaa-gitops render --all`` (the same, then writes the files), wall time and peak memory;
* the naive floor: ``floor.py`` loads every file with libyaml and validates each complete
  workflow once with jsonschema (no merge, provenance, rules or render);
* the same floor with the compiled validator jsonschema-rs;
* ``check-jsonschema`` over the rendered configs, installed in a throwaway virtualenv (not a
  dependency of the project) under ``--tools``.

Medians of ``--repeat`` runs per size; then a cProfile of one in-process pass of the largest
size, by stage.

    python bench/validate/run.py [--sizes 100 1000 10000] [--environments 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT)]
from bench.throwaway import TOOLS, tool_bin  # noqa: E402
from kinds import DAG, KINDS, OVERLAYS  # noqa: E402

ENV_NAMES = ["dev", "staging", "prod", "local", "qa", "perf", "sandbox", "dr"]
AIRFLOW = ("airflow_pipelines.yaml", "airflow_pipelines_ecs.yaml")
CHECK_JSONSCHEMA = "check-jsonschema==0.37.2"


def generate(target: Path, workflows: int, environments: int) -> int:
    """Write the repository; returns the number of merged workflows across environments."""
    shutil.copytree(ROOT / "environments" / "base", target / "environments" / "base")
    shutil.copytree(ROOT / "locks", target / "locks")
    base_wf = target / "environments" / "base" / "workflows"
    airflow = [(base_wf / name).read_text() for name in AIRFLOW]
    kinds = [*AIRFLOW, *KINDS]
    shared = workflows // environments  # each environment sees every shared workflow
    names = []
    for i in range(shared):
        kind = kinds[i % len(kinds)]
        name = f"{kind.removesuffix('.yaml')}_{i:05d}"
        if kind in AIRFLOW:
            text = airflow[AIRFLOW.index(kind)]
            text = text.replace("dagId: openmetadata_airflow_pipelines", f"dagId: {name}")
            text = text.replace("dagId: openmetadata_airflow_pipelines_ecs", f"dagId: {name}")
            text = text.replace("serviceName: mwaa_airflow", f"serviceName: mwaa_airflow_{i:05d}")
        else:
            text = DAG.format(minute=i % 60, kind=kind) + KINDS[kind].format(n=i)
        (base_wf / f"{name}.yaml").write_text(text)
        names.append((name, kind))
    for e in range(environments):
        env = ENV_NAMES[e]
        folder = target / "environments" / env
        (folder / "workflows").mkdir(parents=True)
        (folder / "environment.yaml").write_text(
            f"extends: base\nmwaa:\n  environmentName: om-{env}\n"
            f"  target: file://bucket-{env}\nopenmetadata:\n  server:\n"
            f"    hostPort: https://om-{env}.example.com/api\n"
            f"dagDefaults:\n  tags: !append [{env}]\n")
        for i in range(0, shared, 2):
            name, kind = names[i]
            overlay = (f"source:\n  serviceConnection:\n    config:\n"
                       f"      hostPort: https://{env}-mwaa.example.com\n"
                       "workflowConfig:\n  loggerLevel: DEBUG\n") if kind in AIRFLOW \
                else OVERLAYS[kind].format(env=env, n=i)
            (folder / "workflows" / f"{name}.yaml").write_text(
                f"dag:\n  schedule: \"{i % 60} * * * *\"\n  retries: {e + 1}\n" + overlay)
    return len(list(base_wf.glob("*.yaml"))) * environments


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def memory(self) -> float:
        return statistics.median(self.peak_mib)


def measured(args: list[str], cwd: Path, timing: Timing) -> str:
    """Run ``args``; record wall time and the child's own peak resident memory."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    assert child.stdout is not None
    output = child.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(child.pid, 0)
    timing.seconds.append(time.perf_counter() - start)
    timing.peak_mib.append(usage.ru_maxrss / 1024)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} … failed:\n{output[-3000:]}")
    return output


def profile(repo: Path) -> dict[str, float]:
    """Seconds per stage in one in-process validate of every environment (cProfile)."""
    from mwaa_gitops import check, render
    from mwaa_gitops.check import rules, schemas
    from mwaa_gitops.config import load, model, overlay
    from mwaa_gitops.config.repository import Repository
    from mwaa_gitops.render import configs, dags, pipeline

    profiler = cProfile.Profile()
    profiler.enable()
    result = pipeline.check(Repository(repo), keep=False)
    profiler.disable()
    assert result.ok, result.diagnostics.sorted()[:3]
    stats = pstats.Stats(profiler, stream=io.StringIO()).stats  # type: ignore[attr-defined]

    def cumulative(module: object, func: str) -> float:
        filename = getattr(module, "__file__", "")
        return sum(v[3] for k, v in stats.items() if k[0] == filename and k[2] == func)

    stages: dict[str, Callable[[], float]] = {
        "load (YAML → nodes)": lambda: cumulative(load, "load_file"),
        "merge (overlays)": lambda: cumulative(overlay, "merge_layers"),
        "check: schemas": lambda: cumulative(schemas, "iter_errors"),
        "check: domain rules": lambda: sum(cumulative(rules, r.__name__) for r in rules.RULES),
        "check (all)": lambda: cumulative(check, "check_environment"),
        "typed view (model)": lambda: cumulative(model, "environment_from"),
        "render: configs (YAML)": lambda: cumulative(configs, "render_configs"),
        "render: DAG files": lambda: cumulative(dags, "render_dags"),
        "render (all)": lambda: cumulative(render, "render_environment"),
    }
    out = {label: get() for label, get in stages.items()}
    out["total"] = sum(v[2] for v in stats.values())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--environments", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check-jsonschema-max", type=int, default=1000,
                        help="largest size to run check-jsonschema at (about 90 ms a file)")
    parser.add_argument("--tools", type=Path, default=TOOLS,
                        help="where the throwaway virtualenvs of the compared tools go")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    cli = str(bin_dir / "mwaa-gitops")
    floor = [sys.executable, str(Path(__file__).with_name("floor.py"))]
    check_jsonschema = str(tool_bin(CHECK_JSONSCHEMA, args.tools) / "check-jsonschema")
    schema = sorted((ROOT / "schemas" / "openmetadata").glob("*/workflow.schema.json"),
                    key=lambda p: tuple(int(x) for x in p.parent.name.split(".")))[-1]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"schema {schema.relative_to(ROOT)}; medians of {args.repeat} runs\n")
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for size in args.sizes:
            repo = Path(tmp) / str(size)
            merged = generate(repo, size, args.environments)
            files = len(list((repo / "environments").rglob("*.yaml")))
            runs = {name: Timing() for name in ("help", "validate", "render", "naive",
                                                "compiled", "check-jsonschema")}
            measured([cli, "validate"], repo, Timing())  # bytecode written, caches warm
            for _ in range(args.repeat):
                measured([cli, "--help"], repo, runs["help"])
                out = measured([cli, "validate"], repo, runs["validate"])
                assert "valid" in out and "problem" not in out, out
                shutil.rmtree(repo / "out", ignore_errors=True)
                measured([cli, "render", "--all", "--out", str(repo / "out")], repo,
                         runs["render"])
                out = measured([*floor, str(repo), "--engine", "jsonschema"], repo, runs["naive"])
                assert out.startswith(f"{merged} workflows validated, {merged} valid"), out
                measured([*floor, str(repo), "--engine", "jsonschema-rs"], repo,
                         runs["compiled"])
                if size > args.check_jsonschema_max:
                    continue
                configs = sorted(str(p) for p in (repo / "out").glob("*/dags/openmetadata/*.yaml"))
                # The OpenMetadata model's patterns are Python's (pydantic writes `(?u)`).
                measured([check_jsonschema, "--regex-variant", "python", "--schemafile",
                          str(schema), *configs], repo, runs["check-jsonschema"])
            rows.append((size, files, merged, runs))
            print(report_size(size, files, merged, runs, args.environments), flush=True)
        largest = Path(tmp) / str(args.sizes[-1])
        stages = profile(largest)
    print(report_flatness(rows))
    print(f"\nwhere the time goes (one in-process validate, {rows[-1][2]:,} merged workflows, "
          "cProfile, cumulative):")
    for label, seconds in stages.items():
        if label != "total":
            print(f"  {label:<26} {seconds:6.2f} s  {seconds / stages['total']:5.0%}")


def report_size(size: int, files: int, merged: int, runs: dict[str, Timing],
                environments: int) -> str:
    v = runs["validate"].median
    lines = [f"repository: {files:,} YAML files, {merged:,} merged workflows in {environments} "
             "environments",
             f"  mwaa-gitops --help            {runs['help'].median:7.2f} s",
             f"  mwaa-gitops validate          {v:7.2f} s  {runs['validate'].memory:6.0f} MiB peak"
             f"  {v / merged * 1000:6.3f} ms per workflow",
             f"  mwaa-gitops render --all      {runs['render'].median:7.2f} s  "
             f"{runs['render'].memory:6.0f} MiB peak"]
    for key, label in (("naive", "naive floor (libyaml + jsonschema)"),
                       ("compiled", "compiled floor (libyaml + jsonschema-rs)"),
                       ("check-jsonschema", "check-jsonschema, rendered configs")):
        if not runs[key].seconds:
            continue
        t = runs[key].median
        lines.append(f"  {label:<42} {t:7.2f} s  validate is {v / t:5.2f}x of it")
    return "\n".join(lines) + "\n"


def report_flatness(rows: list[tuple[int, int, int, dict[str, Timing]]]) -> str:
    lines = ["per merged workflow (validate, incl. start-up):"]
    for _, _, merged, runs in rows:
        lines.append(f"  {merged:>7,} workflows  {runs['validate'].median / merged * 1000:6.3f} ms")
    if len(rows) > 1:
        (_, _, m0, r0), (_, _, m1, r1) = rows[-2], rows[-1]
        marginal = (r1["validate"].median - r0["validate"].median) / (m1 - m0) * 1000
        lines.append(f"  marginal cost between the two largest sizes: {marginal:.3f} ms per "
                     "workflow")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
