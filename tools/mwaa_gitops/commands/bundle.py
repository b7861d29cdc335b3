"""``mwaa-gitops bundle``: write the wheel bundle of each private-network environment into the
config repository (``locks/wheels/<cpXY>-manylinux_x86_64/``), from the package index through
the user cache, so that render, plan and sync need no index."""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

from mwaa_gitops.config.model import environment_from
from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.facts import wheel_bundle
from mwaa_gitops.render import bundle, pipeline
from mwaa_gitops.render.dags import lock_pins
from mwaa_gitops.report import OutputFormat


def run(root: Path | None, names: list[str], fmt: OutputFormat) -> int:
    """Fill the bundle of ``names`` (every deployable environment when empty); with every
    environment, also remove the wheels no environment installs any more."""
    repo = pipeline.open_repository(root)
    chosen = names or pipeline.deployable(repo)
    result = pipeline.check(repo, chosen)
    # What it writes is what validate asks for: only errors of another kind stop it (the
    # custom constraints' warning, say, does not).
    blocking = [d for d in result.diagnostics.sorted()
                if d.severity == "error" and d.code != "missing-wheels"]
    if blocking:
        raise ConfigError(blocking)
    summary: dict[str, dict[str, object]] = {}
    kept: set[Path] = set()
    for name in chosen:
        environment = environment_from(result.environments[name])
        if environment.mwaa.private_network is None:
            continue
        folder = bundle.repository_folder(repo.root, environment)
        python = bundle.python(environment)
        added = size = 0
        pins = lock_pins(environment)
        for pin in pins:
            try:
                cached = wheel_bundle.fetch(pin, python)
            except wheel_bundle.BundleUnavailable as exc:
                raise ConfigError.at(environment.mwaa.private_network, str(exc),
                                     "reach the package index (or a mirror of it) and run "
                                     "again", code="missing-wheels") from exc
            target = folder / cached.name
            if not target.exists() or not filecmp.cmp(cached, target, shallow=False):
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(cached, target)
                added += 1
            kept.add(target)
            size += target.stat().st_size
        summary[name] = {"folder": repo.display(folder), "wheels": len(pins), "bytes": size,
                         "added": added}
    removed = [] if names else _prune(repo.root / bundle.REPOSITORY_FOLDER, kept)
    if fmt is OutputFormat.json:
        print(json.dumps({"environments": summary,
                          "removed": [repo.display(p) for p in removed]}, indent=2))
        return ExitCode.OK
    if not summary:
        print("no environment sets mwaa.privateNetwork: nothing to bundle")
    for name, item in summary.items():
        print(f"'{name}': {item['wheels']} wheels, {_megabytes(int(str(item['bytes'])))} in "
              f"{item['folder']}/ ({item['added']} added)")
    for path in removed:
        print(f"removed {repo.display(path)} (no environment installs it)")
    return ExitCode.OK


def _prune(root: Path, kept: set[Path]) -> list[Path]:
    if not root.is_dir():
        return []
    stale = sorted(p for p in root.glob("*/*.whl") if p not in kept)
    for path in stale:
        path.unlink()
    return stale


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"

