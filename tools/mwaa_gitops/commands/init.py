"""``mwaa-gitops init DIR``: a new config repository, for teams that install the tool from a
package: example environments, the schemas, pre-commit hooks and GitHub workflows."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path, PurePosixPath

from mwaa_gitops import __version__
from mwaa_gitops.commands import EXIT_OK, guarded
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location, display_path
from mwaa_gitops.report import OutputFormat

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:
    from importlib.abc import Traversable

# Template files are stored as ``dot-name``: packaging tools skip dotfiles in package data.
DOT_PREFIX = "dot-"
VERSION_TOKEN = "@MWAA_GITOPS_VERSION@"
SCHEMA_SUFFIX = ".json"


def run(target: Path, force: bool, fmt: OutputFormat) -> int:
    """Write the scaffold into ``target``; existing files are kept unless ``force``."""

    def action() -> int:
        files = scaffold_files()
        if target.exists() and not target.is_dir():
            raise ConfigError.at(Location(display_path(target)), "exists and is not a folder",
                                 code="usage")
        existing = sorted(p for p in files if (target / p).exists())
        if existing and not force:
            raise ConfigError([
                Diagnostic(Location(display_path(target / p)), "already exists; not overwritten",
                           "pass --force to overwrite the scaffold's files", code="exists")
                for p in existing
            ])
        for relative, data in files.items():
            path = target.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        written = [str(p) for p in files]
        if fmt is OutputFormat.json:
            print(json.dumps({"directory": str(target), "files": written,
                              "overwritten": [str(p) for p in existing]}, indent=2))
        else:
            shown = display_path(target)
            for relative in files:
                print(f"{'overwrote' if relative in existing else 'created'} {relative}")
            sys.stdout.write(
                f"\nA config repository is ready in {shown}. Next:\n"
                f"  cd {shown} && git init\n"
                "  pip install -r requirements-gitops.txt && pre-commit install\n"
                "  mwaa-gitops validate && mwaa-gitops sync --env local\n")
        return EXIT_OK

    return guarded(fmt, action)


def scaffold_files() -> dict[PurePosixPath, bytes]:
    """Every file ``init`` writes, by path in the new repository."""
    data = resources.files("mwaa_gitops") / "data"
    files: dict[PurePosixPath, bytes] = {}
    for relative, item in _walk(data / "scaffold", PurePosixPath()):
        name = PurePosixPath(*(p.replace(DOT_PREFIX, ".", 1) if p.startswith(DOT_PREFIX) else p
                               for p in relative.parts))
        files[name] = item.read_bytes().replace(VERSION_TOKEN.encode(), __version__.encode())
    for relative, item in _walk(data / "schemas", PurePosixPath("schemas")):
        if relative.suffix == SCHEMA_SUFFIX:
            files[relative] = item.read_bytes()
    return dict(sorted(files.items()))


def _walk(folder: Traversable, prefix: PurePosixPath) -> list[tuple[PurePosixPath, Traversable]]:
    out: list[tuple[PurePosixPath, Traversable]] = []
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            out.extend(_walk(item, prefix / item.name))
        else:
            out.append((prefix / item.name, item))
    return out
