"""Where rendered files go: one module per kind of store (``s3``, ``folder``), one interface.

Every target speaks :class:`Target`, keyed by paths relative to the environment's prefix, so
plan, apply and verify never know which one they talk to; a target says itself whether it
serves an MWAA environment. Every target reports a content fingerprint (``etag``) per object:
S3's ETag, or the MD5 of the file for a folder, which is what S3 reports for a plain
single-part upload. A new kind of store is a module here and one line in :data:`SCHEMES`.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from mwaa_gitops.sync import SyncError

_CONTROL = re.compile("[\x00-\x1f\x7f]")
# Our own objects (manifest, lock) live under this folder of the environment's prefix.
RESERVED = ".mwaa-gitops/"
DEFAULT_JOBS = 16
DEFAULT_ATTEMPTS = 6
CONTENT_TYPES = {".yaml": "application/yaml", ".yml": "application/yaml", ".py": "text/x-python",
                 ".txt": "text/plain", ".sh": "text/x-shellscript", ".zip": "application/zip",
                 ".json": "application/json"}


@dataclass(frozen=True)
class RemoteObject:
    """One object found in the target."""

    key: str
    etag: str
    size: int


@dataclass(frozen=True)
class Written:
    """What the target reported after a write."""

    etag: str
    version_id: str | None


class PreconditionFailed(SyncError):
    """A conditional write lost: the object exists (or no longer has the expected etag)."""


class ConditionalWritesUnsupported(SyncError):
    """The server ignores or rejects If-None-Match / If-Match on writes."""


class Target(Protocol):
    """A bucket prefix or folder holding one environment's files."""

    url: str
    # An MWAA environment reads its DAGs from this target (so MWAA can be updated and asked).
    serves_mwaa: bool
    # Worth reading in a child process while the config is checked (see sync.observe).
    reads_ahead: bool
    # The bucket (or folder) as a command that fixes it names it.
    bucket: str

    def object_key(self, key: str) -> str:
        """The store-level key of a prefix-relative key: what MWAA's settings name."""
        ...

    def replay(self, answers: Mapping[tuple[str, str], Any]) -> None:
        """Answer the next ``list``/``read``/``versioning`` calls from ``answers`` read ahead
        by another process, once each."""
        ...

    def list(self) -> dict[str, RemoteObject]:
        """Every object under the prefix, keyed by prefix-relative path."""
        ...

    def read(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and etag, or None when it does not exist."""
        ...

    def write(self, key: str, data: bytes, *, if_none_match: bool = False,
              if_match: str | None = None) -> Written:
        """Store ``data`` at ``key``; conditional forms raise :class:`PreconditionFailed`."""
        ...

    def delete(self, keys: Sequence[str]) -> None:
        """Remove ``keys`` (missing ones are fine)."""
        ...

    def versioning(self) -> str | None:
        """``Enabled``/``Suspended``/``Disabled`` for a bucket; None when there are no versions."""
        ...


def md5_hex(data: bytes) -> str:
    """The fingerprint a plain S3 upload reports as its ETag."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def content_md5(data: bytes) -> str:
    """The Content-MD5 header: the server rejects a body that arrived damaged."""
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def content_type(key: str) -> str:
    """The Content-Type stored with an object (so the S3 console shows text as text)."""
    suffix = PurePosixPath(key).suffix
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def key_problem(key: str, *, own: bool = False) -> str | None:
    """Why ``key`` may not name an object under a prefix (None: it may).

    The one rule for every writer and deleter (sync, render --out, stored manifests and
    markers): a relative path of plain segments, no control characters, and outside
    ``.mwaa-gitops/`` unless ``own`` (our manifest and lock).
    """
    if not key:
        return "it is empty"
    if key.startswith("/"):
        return "it is an absolute path"
    if "\\" in key:
        return "it holds a backslash"
    if _CONTROL.search(key):
        return "it holds a control character (e.g. a newline)"
    if any(part in ("", ".", "..") for part in key.split("/")):
        return "it has an empty, '.' or '..' segment"
    if not own and (key + "/").startswith(RESERVED):
        return f"it lies in '{RESERVED}', which mwaa-gitops keeps for itself"
    return None


def folder_collision(keys: Collection[str]) -> tuple[str, str] | None:
    """A key that is also the folder of another key (a folder target cannot hold both, and
    MWAA would read neither as meant), with that other key; None when there is none."""
    folders: dict[str, str] = {}
    for key in keys:
        for parent in PurePosixPath(key).parents:
            folders.setdefault(parent.as_posix(), key)
    clash = next((key for key in sorted(keys) if key in folders), None)
    return (clash, folders[clash]) if clash is not None else None


def check_key(key: str, *, own: bool = False) -> None:
    """Refuse keys that could escape the prefix or collide with our own objects."""
    problem = key_problem(key, own=own)
    if problem is not None:
        raise SyncError(f"cannot sync a file named {key!r}: {problem}",
                        f"keys are relative paths without '..' and outside '{RESERVED}'")


Opener = Callable[..., Target]


def _open_folder(location: str, url: str, **settings: Any) -> Target:
    from mwaa_gitops.sync.targets.folder import open_folder

    return open_folder(location, url, **settings)


def _open_s3(location: str, url: str, **settings: Any) -> Target:
    from mwaa_gitops.sync.targets.s3 import open_bucket

    return open_bucket(location, url, **settings)


# Each kind of store by its URL scheme; its module is imported only when a URL names it.
SCHEMES: dict[str, Opener] = {"file": _open_folder, "s3": _open_s3}


def open_target(url: str, *, root: Path, endpoint_url: str | None = None,
                region: str | None = None, jobs: int = DEFAULT_JOBS,
                attempts: int = DEFAULT_ATTEMPTS) -> Target:
    """The target named by ``url``: ``s3://bucket[/prefix]`` or ``file://path``.

    A ``file://`` path is a folder of ``root`` (the config repository), outside its
    ``environments/``.
    """
    scheme, separator, location = url.partition("://")
    opener = SCHEMES.get(scheme) if separator else None
    if opener is None:
        raise SyncError(f"unsupported target '{url}'", "use s3://bucket/prefix or file://path")
    return opener(location, url, root=root, endpoint_url=endpoint_url, region=region,
                  jobs=jobs, attempts=attempts)
