"""A folder standing in for a bucket (``file://path``): for the ``local`` environment and tests."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.targets.base import (
    RESERVED,
    PreconditionFailed,
    RemoteObject,
    Written,
    check_key,
    key_problem,
    md5_hex,
)


def open_url(location: str, url: str, *, root: Path, **_: Any) -> LocalTarget:
    """The folder ``location`` of ``root`` (the config repository), outside its
    ``environments/``."""
    relative = location.rstrip("/")
    problem = key_problem(relative, own=True)
    folder = (root / relative).resolve() if problem is None else root
    if problem is None and not folder.is_relative_to(root.resolve()):
        problem = "it leads out of the repository (through a link)"
    if problem is None and folder.is_relative_to((root / "environments").resolve()):
        problem = "it lies inside environments/"
    if problem is not None:
        raise SyncError(f"target '{url}' is not a folder of the repository: {problem}",
                        "write file://<folder>, relative to the repository, e.g. "
                        "file://.local-bucket")
    return LocalTarget(root / relative, url)


class TargetFull(SyncError):
    """The target has no room left (a full disk under a ``file://`` target)."""


# Room a folder target keeps for the lock and the manifest, so that a full disk can still be
# brought back by a sync of a smaller config (which must lock and record before it deletes).
RESERVE_BYTES = 64 * 1024


class LocalTarget:
    """A folder standing in for a bucket: atomic renames, no versions, no account needed.

    Objects are regular files; a symbolic link, FIFO or device found in the folder is never
    followed or opened: it lists as an object of its own (so a sync replaces or removes the
    entry itself), and its name is the only thing read.
    """

    serves_mwaa = False  # no MWAA environment reads a folder
    reads_ahead = False  # local reads are as fast as the check

    def __init__(self, root: Path, url: str | None = None) -> None:
        self.root = root
        self.url = url or f"file://{root}"
        self.bucket = str(root)
        self._scratch = root / RESERVED / "tmp"
        self._mode = 0o666 & ~_umask()

    def object_key(self, key: str) -> str:
        """A folder has no prefix: its keys are the keys."""
        return key

    def replay(self, answers: Mapping[tuple[str, str], Any]) -> None:
        """Nothing is read ahead for a folder: every call reads the folder itself."""

    def list(self) -> dict[str, RemoteObject]:
        found: dict[str, RemoteObject] = {}
        if not self.root.is_dir():
            return found
        with self._errors("list", "/"):
            for folder, dirs, files in os.walk(self.root):
                dirs.sort()
                # os.walk does not descend into linked folders; list them as entries instead.
                links = [d for d in dirs if Path(folder, d).is_symlink()]
                for name in sorted([*files, *links]):
                    path = Path(folder, name)
                    key = path.relative_to(self.root).as_posix()
                    if key.startswith(RESERVED + "tmp/"):
                        continue
                    data = _read_regular(path)
                    if data is None:  # not a regular file: fingerprint the entry, not its target
                        marker = f"special:{os.lstat(path).st_mode:o}".encode()
                        found[key] = RemoteObject(key, md5_hex(marker), 0)
                    else:
                        found[key] = RemoteObject(key, md5_hex(data), len(data))
        return found

    def read(self, key: str) -> tuple[bytes, str] | None:
        path = self._path(key)
        with self._errors("read", key):
            try:
                data = _read_regular(path)
            except FileNotFoundError:
                return None
        if data is None:
            raise SyncError(f"{self.url}/{key} is not a regular file (a link, FIFO or device)",
                            "remove it from the target folder")
        return data, md5_hex(data)

    def write(self, key: str, data: bytes, *, if_none_match: bool = False,
              if_match: str | None = None) -> Written:
        path = self._path(key)
        with self._errors("write", key):
            if not (if_none_match or if_match):
                self._replace(path, data)
                return Written(md5_hex(data), None)
            with self._exclusive():
                current = self.read(key)
                if if_none_match and current is not None:
                    raise PreconditionFailed(f"{key} already exists")
                if if_match and (current is None or current[1] != if_match):
                    raise PreconditionFailed(f"{key} changed since it was read")
                self._replace(path, data)
        return Written(md5_hex(data), None)

    def delete(self, keys: Sequence[str]) -> None:
        paths = [self._path(key) for key in keys]
        for key, path in zip(keys, paths, strict=True):
            with self._errors("delete", key):
                path.unlink(missing_ok=True)  # a link is removed itself, never its target
            # A bucket has no folders: drop the ones deletions leave empty.
            for parent in path.parents:
                if parent == self.root or not parent.is_relative_to(self.root):
                    break
                with contextlib.suppress(OSError):
                    parent.rmdir()

    def versioning(self) -> str | None:
        return None

    def _path(self, key: str) -> Path:
        """The file of ``key``; no folder on the way may be a link (it could lead anywhere)."""
        check_key(key, own=True)
        path = self.root / key
        for parent in list(path.relative_to(self.root).parents)[:-1]:
            if (self.root / parent).is_symlink():
                raise SyncError(f"refusing to touch '{key}': {self.url}/{parent.as_posix()} is "
                                "a symbolic link", "replace the link by a plain folder")
        return path

    def _replace(self, path: Path, data: bytes) -> None:
        try:
            self._replace_once(path, data)
        except OSError as exc:
            reserve = self._scratch / "reserve"
            if exc.errno != errno.ENOSPC or not reserve.exists():
                raise
            reserve.unlink()  # spend the reserve; it is put back once there is room again
            self._replace_once(path, data)
            return
        self._keep_reserve()

    def _keep_reserve(self) -> None:
        reserve = self._scratch / "reserve"
        if reserve.exists():
            return
        try:
            with reserve.open("wb") as handle:
                handle.write(bytes(RESERVE_BYTES))
        except OSError:
            reserve.unlink(missing_ok=True)  # no room yet: try again on the next write

    def _replace_once(self, path: Path, data: bytes) -> None:
        # Write beside the target and rename, so a killed run never leaves half a file.
        path.parent.mkdir(parents=True, exist_ok=True)
        self._scratch.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._scratch)
        try:
            # Readable like any rendered file (mkstemp creates 0600).
            os.fchmod(fd, self._mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        self._scratch.mkdir(parents=True, exist_ok=True)
        with (self._scratch / "cas.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # compare-and-swap across processes
            yield

    @contextlib.contextmanager
    def _errors(self, action: str, key: str) -> Iterator[None]:
        """A failing file system call (read-only, full, no permission) as a :class:`SyncError`."""
        try:
            yield
        except OSError as exc:
            where = self.url if key == "/" else f"{self.url}/{key}"
            reason = exc.strerror or str(exc)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise TargetFull(f"could not {action} {where}: {reason}",
                                 "free space there, or sync a smaller config (the folder keeps "
                                 "room for the lock and manifest, so that sync can run)") from None
            raise SyncError(f"could not {action} {where}: {reason}",
                            "check that the target folder is writable") from None


def _read_regular(path: Path) -> bytes | None:
    """The bytes of a regular file, or None for anything else; never follows a link and never
    blocks on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symbolic link
            return None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


@functools.cache
def _umask() -> int:
    # Read once, before upload threads start: setting it to read it is process-wide.
    current = os.umask(0)
    os.umask(current)
    return current
