"""The few git questions the tool asks: what changed between two revisions, and the config
files as they were at a revision (read straight from git's object store, no checkout)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

from mwaa_gitops.diagnostics import ConfigError, Location

# Blob modes of regular files; symlinks (120000) and submodules (160000) are not config files,
# but are exported as what a checkout would hold, so the repository check refuses them alike.
_FILE_MODES = ("100644", "100755")
_LINK_MODE = "120000"


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              check=False)
    except FileNotFoundError:
        raise ConfigError.at(Location(str(cwd)), "git is not installed",
                             "install git to compare revisions", code="usage") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise ConfigError.at(Location(str(cwd)), f"git {args[0]} failed: "
                             f"{message[-1] if message else f'exit {done.returncode}'}",
                             code="git")
    return done.stdout


def toplevel(path: Path) -> Path:
    """The root of the git work tree holding ``path``."""
    try:
        out = _git(path, "rev-parse", "--show-toplevel")
    except ConfigError:
        raise ConfigError.at(Location(str(path)), "not inside a git repository",
                             "comparing revisions needs the repository's git history",
                             code="usage") from None
    return Path(out.decode().strip()).resolve()


def commit(path: Path, rev: str) -> str | None:
    """The full commit id ``rev`` names, or None when this clone does not have it."""
    try:
        out = _git(path, "rev-parse", "--verify", "--quiet", "--end-of-options",
                   f"{rev}^{{commit}}")
    except ConfigError:
        return None
    return out.decode().strip() or None


def uncommitted(path: Path) -> list[str] | None:
    """Files under ``path`` whose work-tree state differs from HEAD (untracked ones included),
    relative to the work tree's root; None outside a git work tree."""
    try:
        out = _git(path, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".")
    except ConfigError:
        return None
    # Each entry is `XY path`; a rename adds its old path as a second NUL-separated field.
    entries = out.decode(errors="replace").split("\0")
    files, skip = [], False
    for entry in entries:
        if skip or not entry:
            skip = False
            continue
        files.append(entry[3:])
        skip = entry[0] in "RC"
    return files


def require_commit(path: Path, rev: str) -> str:
    """Like :func:`commit`, but an unknown revision is a usage error."""
    found = commit(path, rev)
    if found is None:
        raise ConfigError.at(Location(str(path)), f"unknown git revision '{rev}'",
                             "fetch it first; in GitHub Actions, check out with fetch-depth: 0",
                             code="usage")
    return found


def is_ancestor(path: Path, older: str, newer: str) -> bool | None:
    """Whether commit ``older`` is ``newer`` or one of its ancestors; None when this clone
    cannot tell: git missing, either commit absent (e.g. a shallow CI checkout), or a shallow
    clone whose cut-off history could hide the path between them."""
    first, second = commit(path, older), commit(path, newer)
    if first is None or second is None:
        return None
    if first == second:
        return True
    try:
        done = subprocess.run(["git", "merge-base", "--is-ancestor", first, second], cwd=path,
                              capture_output=True, check=False)
        shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=path,
                                 capture_output=True, text=True, check=False)
    except OSError:
        return None
    if done.returncode == 0:
        return True
    # Exit 1 is a definite "no" only when the whole history is here.
    if done.returncode == 1 and shallow.stdout.strip() == "false":
        return False
    return None


def changed_paths(path: Path, base: str, head: str | None = None) -> list[PurePosixPath]:
    """Files added, modified or deleted from ``base`` to ``head`` (default: the work tree),
    relative to the top of the work tree; a rename counts as a deletion plus an addition."""
    args = ["diff", "--name-only", "--no-renames", "-z", require_commit(path, base)]
    if head is not None:
        args.append(require_commit(path, head))
    out = _git(path, *args, "--")
    return [PurePosixPath(name) for name in out.decode().split("\0") if name]


def export(path: Path, rev: str, folder: PurePosixPath, dest: Path) -> int:
    """Write the regular files under ``folder`` (relative to the top of the work tree) as they
    are at ``rev`` into ``dest``, keeping their paths below ``folder``; returns the count."""
    top = toplevel(path)
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", require_commit(path, rev), "--",
                   folder.as_posix())
    entries: list[tuple[str, PurePosixPath]] = []
    modes: dict[PurePosixPath, str] = {}
    for record in listing.decode().split("\0"):
        if not record:
            continue
        meta, name = record.split("\t", 1)
        mode, kind, obj = meta.split()
        relative = PurePosixPath(name).relative_to(folder)
        if kind == "blob" and mode in (*_FILE_MODES, _LINK_MODE):
            entries.append((obj, relative))
            modes[relative] = mode
        elif kind == "commit":  # a submodule: checked out as a folder
            dest.joinpath(*relative.parts).mkdir(parents=True, exist_ok=True)
    if not entries:
        return 0
    blobs = _git(top, "cat-file", "--batch",
                 stdin="".join(f"{obj}\n" for obj, _ in entries).encode())
    offset = 0
    for _, relative in entries:
        header_end = blobs.index(b"\n", offset)
        size = int(blobs[offset:header_end].split()[2])
        start = header_end + 1
        target = dest.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if modes[relative] == _LINK_MODE:  # the blob is the link's text; never followed here
            target.symlink_to(os.fsdecode(blobs[start:start + size]))
        else:
            target.write_bytes(blobs[start:start + size])
        offset = start + size + 1  # each object is followed by a newline
    return len(entries)
