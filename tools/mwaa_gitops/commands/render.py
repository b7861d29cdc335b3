"""``mwaa-gitops render``: write an environment's bucket tree to a local folder."""

from __future__ import annotations

import json
from pathlib import Path

from mwaa_gitops import pipeline
from mwaa_gitops.commands import EXIT_OK, guarded
from mwaa_gitops.diagnostics import ConfigError, Location
from mwaa_gitops.report import OutputFormat

# Lists what the last render wrote, so a re-render removes files that are no longer rendered
# without ever touching a folder that mwaa-gitops did not fill.
MARKER = ".mwaa-gitops-render.json"


def run(root: Path | None, env: str, out: Path, fmt: OutputFormat, *,
        discovery: bool = False) -> int:
    """Check ``env`` and write its rendered files under ``out`` (``discovery``: with the
    connection discovery DAG)."""

    def action() -> int:
        from mwaa_gitops.render import render_environment

        repo = pipeline.open_repository(root)
        environment = pipeline.checked_environment(repo, env)
        tree = render_environment(environment, discovery=discovery)
        write_tree(tree, out)
        if fmt is OutputFormat.json:
            print(json.dumps({"environment": env, "out": str(out), "files": sorted(tree)},
                             indent=2))
        else:
            print(f"rendered {len(tree)} files for '{env}' into {out}")
        return EXIT_OK

    return guarded(fmt, action)


def write_tree(tree: dict[str, bytes], out: Path) -> None:
    """Make ``out`` hold exactly ``tree`` (plus the marker); refuse foreign folders."""
    marker = out / MARKER
    previous: list[str] = []
    if out.exists():
        if not out.is_dir():
            raise ConfigError.at(Location(str(out)), "--out is a file, not a folder",
                                 code="usage")
        if marker.exists():
            previous = json.loads(marker.read_text())["files"]
        elif any(out.iterdir()):
            raise ConfigError.at(Location(str(out)), "--out folder is not empty and was not "
                                 "written by mwaa-gitops render",
                                 "choose an empty or new folder", code="usage")
    for stale in set(previous) - set(tree):
        (out / stale).unlink(missing_ok=True)
    for key, data in tree.items():
        target = out / key
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"files": sorted(tree)}, indent=2) + "\n")
