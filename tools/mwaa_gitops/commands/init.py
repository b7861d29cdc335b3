"""``mwaa-gitops init DIR``: a new config repository, for teams that install the tool from a
package: example environments, the schemas, pre-commit hooks and GitHub workflows."""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path, PurePosixPath

from mwaa_gitops import __version__
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location, display_path
from mwaa_gitops.distribution import Requirement, running_requirement
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.report import OutputFormat

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:
    from importlib.abc import Traversable

# Template files are stored as ``dot-name``: packaging tools skip dotfiles in package data.
DOT_PREFIX = "dot-"
REQUIREMENT_TOKEN = "@MWAA_GITOPS_REQUIREMENT@"
# The same requirement as a quoted YAML (JSON) string: the commit hooks install it themselves.
QUOTED_REQUIREMENT_TOKEN = "@MWAA_GITOPS_REQUIREMENT_JSON@"
SCHEMA_SUFFIX = ".json"
REQUIREMENTS = PurePosixPath("requirements-gitops.txt")
HOOKS_CONFIG = PurePosixPath(".pre-commit-config.yaml")
SETTINGS = "environments"  # the user's: written when missing, never overwritten
LOCKS = "locks"  # the user's too: `mwaa-gitops lock` rewrites them, init only seeds them
# The mwaa-gitops line of a requirements file: the name (any spelling pip accepts), then a
# version, URL, extra or marker.
TOOL_LINE = re.compile(r"^\s*mwaa[-_.]gitops\s*(?=$|[\[=@;<>~!\s])", re.IGNORECASE)


def run(target: Path, force: bool, fmt: OutputFormat, requirement: str | None = None) -> int:
    """Write the scaffold into ``target``; existing files are kept unless ``force``, which
    refreshes the tool's copies (schemas, hooks, CI workflows) and still keeps every existing
    file under ``environments/``: the user's settings.

    ``requirement`` is how the new repository installs mwaa-gitops (its line in
    ``requirements-gitops.txt``); by default the one that installs the mwaa-gitops running
    now. Given for a repository that has that file already, only that line is updated.
    """
    chosen = (running_requirement() if requirement is None
              else Requirement(_checked_requirement(requirement)))
    if target.exists() and not target.is_dir():
        raise ConfigError.at(Location(display_path(target)), "exists and is not a folder",
                             code="usage")
    if requirement is not None and not force and (target / REQUIREMENTS).is_file():
        return _update_requirement(target / REQUIREMENTS, chosen.line, fmt)
    files = scaffold_files(chosen.line)
    existing = sorted(p for p in files if (target / p).exists() or (target / p).is_symlink())
    # The user's settings: --force refreshes the tool's copies around them, never them.
    kept = [p for p in existing if p.parts[0] in (SETTINGS, LOCKS) and force]
    files = {p: data for p, data in files.items() if p not in kept}
    existing = [p for p in existing if p not in kept]
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
    warning = _local_only_warning(target, chosen)
    if fmt is OutputFormat.json:
        print(json.dumps({"directory": str(target), "files": written,
                          "overwritten": [str(p) for p in existing],
                          "kept": [str(p) for p in kept],
                          "requirement": chosen.line,
                          "warnings": [warning] if warning else []}, indent=2))
    else:
        shown = display_path(target)
        for relative in files:
            print(f"{'overwrote' if relative in existing else 'created'} {relative}")
        for relative in kept:
            print(f"kept {relative} (your settings: init never overwrites {SETTINGS}/)")
        if warning:
            sys.stderr.write(warning + "\n")
        # The scaffolded workflows run on `main`; plain `git init` may name it `master`.
        sys.stdout.write(
            f"\nA config repository is ready in {shown}. Next:\n"
            f"  cd {shown} && git init -b main\n"
            "  pip install -r requirements-gitops.txt && pre-commit install\n"
            "  mwaa-gitops validate && mwaa-gitops sync --env local\n"
            "  mwaa-gitops lock    # after adding a workflow whose connector needs a new lock\n")
    return ExitCode.OK


def _local_only_warning(target: Path, chosen: Requirement) -> str | None:
    if chosen.local_only is None:
        return None
    path = target / REQUIREMENTS
    line = _tool_line(path.read_text().splitlines()) if path.is_file() else None
    where = f"{display_path(path)}:{(line or 0) + 1}:1"
    return (f"{where}: warning: '{chosen.line}' installs mwaa-gitops from {chosen.local_only}; "
            f"CI and other machines cannot install it (run 'mwaa-gitops init --requirement SPEC "
            f"{display_path(target)}' with a wheel URL, a git URL or mwaa-gitops==X from your "
            "package index)")


def _tool_line(lines: list[str]) -> int | None:
    """The 0-based index of the mwaa-gitops requirement among ``lines``."""
    return next((i for i, line in enumerate(lines) if TOOL_LINE.match(line)), None)


def _update_requirement(path: Path, spec: str, fmt: OutputFormat) -> int:
    """Replace the mwaa-gitops line of an existing ``requirements-gitops.txt`` with ``spec``."""
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    index = _tool_line(lines)
    if index is None:
        raise ConfigError.at(Location(display_path(path)), "has no mwaa-gitops requirement "
                             "line to update", f"add the line {spec!r} yourself, or pass "
                             "--force to write the whole scaffold again", code="no-requirement")
    old = lines[index].rstrip("\r\n")
    ending = lines[index][len(old):]
    lines[index] = spec + ending
    if old != spec:
        path.write_text("".join(lines))
        _update_hook_requirement(path.parent / HOOKS_CONFIG, old, spec)
    if fmt is OutputFormat.json:
        print(json.dumps({"file": str(path), "line": index + 1, "old": old, "requirement": spec,
                          "changed": old != spec}, indent=2))
    else:
        where = f"{display_path(path)}:{index + 1}"
        print(f"updated {where}: {spec}" if old != spec else f"unchanged {where}: {spec}")
    return ExitCode.OK


def _update_hook_requirement(path: Path, old: str, spec: str) -> None:
    """Pin the self-installing commit hooks to the same mwaa-gitops as requirements-gitops.txt
    (where the hooks still name the old requirement)."""
    if not path.is_file():
        return
    text = path.read_text()
    quoted_old = json.dumps(old.strip())
    if quoted_old in text:
        path.write_text(text.replace(quoted_old, json.dumps(spec)))


def _checked_requirement(requirement: str) -> str:
    spec = requirement.strip()
    # One line of a requirements file; anything else would change other lines' meaning.
    if not spec or "\n" in spec or "\r" in spec or spec.startswith("#"):
        raise ConfigError.at(Location("--requirement"), f"must be one requirement line, got "
                             f"{requirement!r}", "e.g. 'mwaa-gitops==1.2.0', 'mwaa-gitops @ "
                             "https://host/mwaa_gitops-1.2.0-py3-none-any.whl'", code="usage")
    if not TOOL_LINE.match(spec):
        raise ConfigError.at(Location("--requirement"), f"must install mwaa-gitops, got "
                             f"{requirement!r}", "start it with 'mwaa-gitops', e.g. "
                             "'mwaa-gitops==1.2.0' or 'mwaa-gitops @ URL'", code="usage")
    return spec


def scaffold_files(requirement: str | None = None) -> dict[PurePosixPath, bytes]:
    """Every file ``init`` writes, by path in the new repository; ``requirement`` (default:
    the running version, from an index) is how its CI and hooks install mwaa-gitops."""
    spec = (requirement or f"mwaa-gitops=={__version__}").encode()
    data = resources.files("mwaa_gitops") / "data"
    files: dict[PurePosixPath, bytes] = {}
    for relative, item in _walk(data / "scaffold", PurePosixPath()):
        name = PurePosixPath(*(p.replace(DOT_PREFIX, ".", 1) if p.startswith(DOT_PREFIX) else p
                               for p in relative.parts))
        files[name] = (item.read_bytes()
                       .replace(QUOTED_REQUIREMENT_TOKEN.encode(), json.dumps(spec.decode())
                                .encode())
                       .replace(REQUIREMENT_TOKEN.encode(), spec))
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
