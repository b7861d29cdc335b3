"""Benchmark: `validate` and `envs` over an `extends` chain, 100 layers deep against 800.

Generates a repository whose one deployable environment (the example `local`) extends a chain
of abstract layers, each setting one `dagDefaults` value, down to the example `base` with its
eight workflows. Every layer is validated (an abstract one by the rules), so a merge that
started over from the root for each layer would cost the square of the depth; each layer is
merged onto its parent's fold once, so the cost should grow with the depth. Reports medians of
``--repeat`` runs and the 800/100 ratio of each command (8.0 is linear; 64 quadratic), and the
ratio beyond start-up (``--help``'s time subtracted).

    python bench/validate/chain.py [--depths 100 800] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOL = [sys.executable, "-m", "mwaa_gitops"]


def generate(target: Path, depth: int) -> None:
    """``base`` → ``layer0000`` → … → ``layer<depth-1>`` → ``leaf`` (the example ``local``)."""
    shutil.copytree(ROOT / "environments" / "base", target / "environments" / "base")
    parent = "base"
    for index in range(depth):
        name = f"layer{index:04d}"
        folder = target / "environments" / name
        folder.mkdir(parents=True)
        (folder / "environment.yaml").write_text(
            f"extends: {parent}\nabstract: true\ndagDefaults:\n  retries: {index % 5}\n")
        parent = name
    leaf = target / "environments" / "leaf"
    leaf.mkdir()
    text = (ROOT / "environments" / "local" / "environment.yaml").read_text()
    (leaf / "environment.yaml").write_text(text.replace("extends: base", f"extends: {parent}"))


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([*TOOL, *args], check=True, capture_output=True, cwd=ROOT / "tools")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--depths", type=int, nargs=2, default=[100, 800])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        repos = {}
        for depth in options.depths:
            repos[depth] = Path(scratch) / f"chain{depth}"
            generate(repos[depth], depth)
        start = statistics.median(timed(["--help"]) for _ in range(options.repeat))
        print(f"start-up (--help): {start:.2f} s")
        for command in ("validate", "envs"):
            medians = {depth: statistics.median(
                timed([command, "--repo", str(repo)]) for _ in range(options.repeat))
                for depth, repo in repos.items()}
            low, high = options.depths
            beyond = (medians[high] - start) / max(medians[low] - start, 1e-3)
            print(f"{command:9} " + "  ".join(f"{d} layers {t:6.2f} s" for d, t in
                                                medians.items())
                  + f"   ratio {medians[high] / medians[low]:.1f}"
                  + f" (beyond start-up {beyond:.1f}; {high // low} is linear)")


if __name__ == "__main__":
    main()
