"""Benchmark: validate + render a generated repository of many workflows.

Generates a repository (base + N environments, each overlaying half of the shared workflows
and adding a few of its own), then times the commands exactly as users run them
(`mwaa-gitops validate`, then `mwaa-gitops render --all`) and profiles
one in-process pass to show where the time goes (load / merge / check / render).

    python bench/validate/run.py [--workflows 1000] [--environments 4]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_NAMES = ["dev", "staging", "prod", "local", "qa", "perf", "sandbox", "dr"]


def generate(target: Path, workflows: int, environments: int) -> int:
    """Write the repository; returns the number of merged workflows across environments."""
    shutil.copytree(ROOT / "environments" / "base", target / "environments" / "base")
    base_wf = target / "environments" / "base" / "workflows"
    template = (base_wf / "airflow_pipelines.yaml").read_text()
    ecs_template = (base_wf / "airflow_pipelines_ecs.yaml").read_text()
    shared = workflows // environments  # each environment sees every shared workflow
    for i in range(shared):
        text = ecs_template if i % 3 == 0 else template
        text = text.replace("openmetadata_airflow_pipelines", f"om_pipelines_{i:04d}")
        text = text.replace("serviceName: mwaa_airflow", f"serviceName: mwaa_airflow_{i:04d}")
        (base_wf / f"pipelines_{i:04d}.yaml").write_text(text)
    for e in range(environments):
        name = ENV_NAMES[e]
        folder = target / "environments" / name
        (folder / "workflows").mkdir(parents=True)
        (folder / "environment.yaml").write_text(
            f"extends: base\nmwaa:\n  environmentName: om-{name}\n"
            f"  target: file://bucket-{name}\nopenmetadata:\n  server:\n"
            f"    hostPort: https://om-{name}.example.com/api\n"
            f"dagDefaults:\n  tags: !append [{name}]\n")
        for i in range(0, shared, 2):
            (folder / "workflows" / f"pipelines_{i:04d}.yaml").write_text(
                f"dag:\n  schedule: \"{i % 60} * * * *\"\n  retries: {e + 1}\n"
                "source:\n  serviceConnection:\n    config:\n"
                f"      hostPort: https://{name}-mwaa.example.com\n"
                "workflowConfig:\n  loggerLevel: DEBUG\n")
    # The example workflows live in base too: count everything each environment merges.
    return len(list(base_wf.glob("*.yaml"))) * environments


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def profile(repo: Path, names: list[str]) -> dict[str, float]:
    """Seconds spent per stage in one in-process validate + render of every environment."""
    from mwaa_gitops import check, environments, load, overlay, render
    from mwaa_gitops.model import environment_from
    from mwaa_gitops.repository import Repository

    profiler = cProfile.Profile()
    profiler.enable()
    r = Repository(repo)
    for name in names:
        merged = environments.build(r, name)
        check.check_environment(merged)
        render.render_environment(environment_from(merged))
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    stages = {
        "load (YAML → nodes)": (load.__file__, "load_file"),
        "merge (overlays)": (overlay.__file__, "merge_layers"),
        "check (schemas + rules)": (check.__file__, "check_environment"),
        "render (files)": (render.__file__, "render_environment"),
    }
    out: dict[str, float] = {}
    for label, (filename, func) in stages.items():
        out[label] = sum(v[3] for k, v in stats.stats.items()  # type: ignore[attr-defined]
                         if k[0] == filename and k[2] == func)
    out["total"] = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=1000)
    parser.add_argument("--environments", type=int, default=4)
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("mwaa-gitops"))
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        merged = generate(repo, args.workflows, args.environments)
        names = ENV_NAMES[: args.environments]
        files = len(list((repo / "environments").rglob("*.yaml")))
        help_s = timed([cli, "--help"], repo)
        validate_s = timed([cli, "validate"], repo)
        render_s = timed([cli, "render", "--all", "--out", str(repo / "out")], repo)
        stages = profile(repo, names)
    total = render_s  # render --all merges and checks every environment, then renders it
    print(f"repository: {files} YAML files, {merged} merged workflows in "
          f"{args.environments} environments")
    print(f"mwaa-gitops --help                 {help_s:6.2f} s")
    print(f"mwaa-gitops validate (all envs)    {validate_s:6.2f} s")
    print(f"mwaa-gitops render --all           {render_s:6.2f} s  (validates, then renders)")
    print(f"validate + render, one command     {total:6.2f} s  (target < 3 s: "
          f"{'met' if total < 3 else 'NOT met'}; {total / 3:.2f}x of the budget)")
    print(f"validate then render --all         {validate_s + render_s:6.2f} s  (as two commands)")
    print(f"--help / validate                  {help_s / validate_s:6.2f}x")
    print(f"per merged workflow (validate)     {validate_s / merged * 1000:6.2f} ms")
    print("where the time goes (one in-process validate + render pass, cProfile):")
    for label, seconds in stages.items():
        if label != "total":
            print(f"  {label:<28} {seconds:6.2f} s  {seconds / stages['total']:5.0%}")


if __name__ == "__main__":
    main()
