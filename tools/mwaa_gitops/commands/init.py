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
REQUIREMENT_TOKEN = "@MWAA_GITOPS_REQUIREMENT@"
SCHEMA_SUFFIX = ".json"


def default_requirement() -> str:
    """The requirement that installs the mwaa-gitops running now."""
    return f"mwaa-gitops=={__version__}"


def run(target: Path, force: bool, fmt: OutputFormat, requirement: str | None = None) -> int:
    """Write the scaffold into ``target``; existing files are kept unless ``force``.

    ``requirement`` is how the new repository installs mwaa-gitops (its line in
    ``requirements-gitops.txt``); by default the version running now.
    """

    def action() -> int:
        files = scaffold_files(_checked_requirement(requirement))
        if target.exists() and not target.is_dir():
            raise ConfigError.at(Location(display_path(target)), "exists and is not a folder",
                                 code="usage")
        existing = sorted(p for p in files if (target / p).exists() or (target / p).is_symlink())
        if existing and not force:
            raise ConfigError([
                Diagnostic(Location(display_path(target / p)), "already exists; not overwritten",
                           "pass --force to overwrite the scaffold's files", code="exists")
                for p in existing
            ])
        linked = next((target / folder for relative in files
                       for folder in list(relative.parents)[:-1]
                       if (target / folder).is_symlink()), None)
        if linked is not None:  # writing through it would write outside the new repository
            raise ConfigError.at(Location(display_path(linked)), "is a symbolic link; not "
                                 "written through", "replace it by a plain folder", code="usage")
        for relative, data in files.items():
            path = target.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():
                path.unlink()  # --force replaces the link itself, never the file it points to
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


def _checked_requirement(requirement: str | None) -> str:
    if requirement is None:
        return default_requirement()
    spec = requirement.strip()
    # One line of a requirements file; anything else would change other lines' meaning.
    if not spec or "\n" in spec or "\r" in spec or spec.startswith("#"):
        raise ConfigError.at(Location("--requirement"), f"must be one requirement line, got "
                             f"{requirement!r}", "e.g. 'mwaa-gitops==1.2.0', 'mwaa-gitops @ "
                             "https://host/mwaa_gitops-1.2.0-py3-none-any.whl'", code="usage")
    return spec


def scaffold_files(requirement: str | None = None) -> dict[PurePosixPath, bytes]:
    """Every file ``init`` writes, by path in the new repository; ``requirement`` (default:
    :func:`default_requirement`) is how its CI and hooks install mwaa-gitops."""
    spec = (requirement or default_requirement()).encode()
    data = resources.files("mwaa_gitops") / "data"
    files: dict[PurePosixPath, bytes] = {}
    for relative, item in _walk(data / "scaffold", PurePosixPath()):
        name = PurePosixPath(*(p.replace(DOT_PREFIX, ".", 1) if p.startswith(DOT_PREFIX) else p
                               for p in relative.parts))
        files[name] = item.read_bytes().replace(REQUIREMENT_TOKEN.encode(), spec)
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
