"""``mwaa-gitops render``: write an environment's bucket tree to a local folder."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mwaa_gitops import pipeline
from mwaa_gitops.commands import EXIT_OK, guarded
from mwaa_gitops.diagnostics import ConfigError, Location
from mwaa_gitops.report import OutputFormat

# Lists what the last render wrote, so a re-render removes files that are no longer rendered
# without ever touching a folder that mwaa-gitops did not fill.
MARKER = ".mwaa-gitops-render.json"


def run(root: Path | None, env: str | None, out: Path, fmt: OutputFormat, *,
        discovery: bool = False) -> int:
    """Check ``env`` (None: every deployable environment) and write its rendered files under
    ``out`` (or ``out/<env>/`` for all); ``discovery`` adds the connection discovery DAG."""

    def action() -> int:
        from mwaa_gitops.render import render_environment

        repo = pipeline.open_repository(root)
        names = [env] if env is not None else pipeline.deployable(repo)
        # Check everything before writing anything: one bad environment stops them all.
        written = {}
        for checked in pipeline.rendered(repo, names):
            environment = checked.environment
            tree = render_environment(environment, discovery=True) if discovery else checked.files
            write_tree(tree, out if env is not None else out / environment.name)
            written[environment.name] = sorted(tree)
        if fmt is OutputFormat.json:
            print(json.dumps({"out": str(out), "environments": written}, indent=2))
        else:
            for name, files in written.items():
                where = out if env is not None else out / name
                print(f"rendered {len(files)} files for '{name}' into {where}")
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
    for folder in sorted({(out / key).parent for key in tree}):
        folder.mkdir(parents=True, exist_ok=True)
    # File creation dominates large renders and releases the GIL: write several at once.
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda item: _write_if_changed(out / item[0], item[1]), tree.items()))
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"files": sorted(tree)}, indent=2) + "\n")


def _write_if_changed(target: Path, data: bytes) -> None:
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)
