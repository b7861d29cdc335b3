"""``mwaa-gitops envs``: the deployable environments, their chains and targets."""

from __future__ import annotations

import json
from pathlib import Path

from mwaa_gitops.config.environments import describe
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.render import pipeline
from mwaa_gitops.report import OutputFormat


def run(root: Path | None, fmt: OutputFormat) -> int:
    """Print environments (JSON: a list of objects, for CI matrices)."""
    repo = pipeline.open_repository(root)
    rows = [describe(repo, name) for name in pipeline.deployable(repo)]
    if fmt is not OutputFormat.json:  # github: the log shows the table
        layers = [n for n in repo.layer_names() if n not in {r["name"] for r in rows}]
        width = max([len(r["name"]) for r in rows] + [11])
        print(f"{'environment':<{width}}  {'chain':<20} {'airflow':<8} target")
        for r in rows:
            print(f"{r['name']:<{width}}  {' → '.join(r['chain']):<20} "
                  f"{r['airflowVersion'] or '?':<8} {r['target'] or '?'}")
        if layers:
            print(f"abstract layers: {', '.join(layers)}")
    else:
        print(json.dumps(rows, indent=2))
    return ExitCode.OK
