"""``mwaa-gitops envs``: the deployable environments, their chains and targets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mwaa_gitops.commands import EXIT_OK, guarded
from mwaa_gitops.config.environments import chain_of
from mwaa_gitops.render import pipeline
from mwaa_gitops.report import OutputFormat


def run(root: Path | None, fmt: OutputFormat) -> int:
    """Print environments (JSON: a list of objects, for CI matrices)."""

    def action() -> int:
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
        return EXIT_OK

    return guarded(fmt, action)


def describe(repo: Any, name: str) -> dict[str, Any]:
    """One environment's facts, from its merged settings (unchecked: listing must not fail)."""
    from mwaa_gitops.config.environments import build

    merged = build(repo, name)
    mwaa = merged.settings.plain().get("mwaa", {})
    return {
        "name": name,
        "chain": list(chain_of(repo, name)),
        "environmentName": mwaa.get("environmentName"),
        "region": mwaa.get("region"),
        "airflowVersion": mwaa.get("airflowVersion"),
        "target": mwaa.get("target"),
        "workflows": len(merged.workflows),
    }
