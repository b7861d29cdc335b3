"""``mwaa-gitops render``: write an environment's bucket tree to a local folder."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from mwaa_gitops.check.targets import REPOSITORY_FOLDERS
from mwaa_gitops.diagnostics import ConfigError, Location
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.render import pipeline
from mwaa_gitops.report import OutputFormat
from mwaa_gitops.sync.targets import folder_collision, key_problem

# Lists what the last render wrote, so a re-render removes files that are no longer rendered
# without ever touching a folder that mwaa-gitops did not fill.
MARKER = ".mwaa-gitops-render.json"


def run(root: Path | None, env: str | None, out: Path, fmt: OutputFormat, *,
        discovery: bool = False) -> int:
    """Check ``env`` (None: every deployable environment) and write its rendered files under
    ``out`` (or ``out/<env>/`` for all); ``discovery`` adds the connection discovery DAG."""
    from mwaa_gitops.render import render_environment

    repo = pipeline.open_repository(root)
    _outside_repository_folders(repo.root, out)
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
    return ExitCode.OK


def _outside_repository_folders(root: Path, out: Path) -> None:
    """Refuse an ``--out`` inside the repository's ``environments/`` or ``.git/`` (links and
    ``..`` resolved): a render there would mix rendered files into the configuration or the
    repository's history."""
    resolved = out.resolve()
    for name in REPOSITORY_FOLDERS:
        if resolved.is_relative_to((root / name).resolve()):
            raise ConfigError.at(Location(str(out)), f"--out lies inside the repository's "
                                 f"{name}/ folder; nothing was written", "render into a "
                                 "folder of its own, e.g. --out build/", code="render-path")


def write_tree(tree: dict[str, bytes], out: Path) -> None:
    """Make ``out`` hold exactly ``tree`` (plus the marker); refuse foreign folders.

    Every key written and every stale key removed passes the sync key check, and no link
    under ``out`` is followed: nothing outside ``out`` is ever touched.
    """
    marker = out / MARKER
    previous: list[str] = []
    for key in tree:
        _check(out, key, "a rendered file")
    clash = folder_collision(tree)
    if clash is not None:
        raise ConfigError.at(Location(str(out)), f"rendered file '{clash[0]}' is also the "
                             f"folder of '{clash[1]}'", "give mwaa.requirementsPath, pluginsPath "
                             "and startupScriptPath names outside mwaa.dagsPrefix's folders",
                             code="render-path")
    if out.exists():
        if not out.is_dir():
            raise ConfigError.at(Location(str(out)), "--out is a file, not a folder",
                                 code="usage")
        if marker.is_symlink() or marker.exists():
            previous = _previous(out, marker)
        elif any(out.iterdir()):
            raise ConfigError.at(Location(str(out)), "--out folder is not empty and was not "
                                 "written by mwaa-gitops render",
                                 "choose an empty or new folder", code="usage")
    try:
        for stale in sorted(set(previous) - set(tree)):
            (out / stale).unlink(missing_ok=True)  # a link is removed itself, not its target
        for folder in sorted({(out / key).parent for key in tree}):
            folder.mkdir(parents=True, exist_ok=True)
        # One thread: eight wrote 2,032 files no faster (bench/validate/RESULTS.md).
        for key, data in tree.items():
            _write_if_changed(out / key, data)
        marker.unlink(missing_ok=True)
        marker.write_text(json.dumps({"files": sorted(tree)}, indent=2) + "\n")
    except OSError as exc:
        raise ConfigError.at(Location(str(out)), f"cannot write the rendered files: "
                             f"{exc.strerror or exc} ({exc.filename})", "check that --out is "
                             "writable and that no rendered file has the name of a folder of "
                             "others (mwaa.requirementsPath inside mwaa.dagsPrefix?)",
                             code="render-write") from None


def _check(out: Path, key: str, what: str, where: Location | None = None) -> None:
    """Refuse a key that could lead outside ``out``, or through a link inside it."""
    problem = key_problem(key) or (f"it would replace the render marker {MARKER}"
                                   if key == MARKER else None)
    if problem is None:
        for parent in list(PurePosixPath(key).parents)[:-1]:
            if (out / parent).is_symlink():
                problem = f"{out / parent} is a symbolic link"
                break
    if problem is not None:
        raise ConfigError.at(where or Location(str(out)),
                             f"refusing to write {what} named {key!r}: {problem}",
                             "render paths are relative paths inside --out", code="render-path")


def _previous(out: Path, marker: Path) -> list[str]:
    """The files the last render listed in its marker, each checked like a rendered key."""
    where = Location(str(marker))
    try:
        if marker.is_symlink() or not marker.is_file():
            raise ValueError("it is not a regular file")
        document = json.loads(marker.read_bytes())
        files = document.get("files") if isinstance(document, dict) else None
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise ValueError("'files' must be a list of file names")
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError.at(where, f"unreadable render marker: {exc}",
                             "delete the --out folder and render again",
                             code="render-marker") from None
    for key in files:
        _check(out, key, "(as stale) a file", where)
    return files


def _write_if_changed(target: Path, data: bytes) -> None:
    if target.is_symlink():
        target.unlink()  # replace the link itself, never write through it
    elif target.exists() and target.read_bytes() == data:
        return
    target.write_bytes(data)
