"""What every target shares: object records, errors and the rules for keys."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePosixPath

from mwaa_gitops.sync import SyncError

_CONTROL = re.compile("[\x00-\x1f\x7f]")
# Our own objects (manifest, lock) live under this folder of the environment's prefix.
RESERVED = ".mwaa-gitops/"
# Our own state (manifest, lock, verify result) is read only up to this size: a manifest of
# 100,000 objects is a few MiB; anything larger is refused before it is held or parsed.
STATE_MAX = 32 * 1024 * 1024


def state_too_large(key: str, size: int, where: str) -> SyncError:
    """The error for a state object over :data:`STATE_MAX`."""
    return SyncError(f"{where} is {size} bytes, more than the {STATE_MAX} an mwaa-gitops state "
                     "file can be; it was not read", "it is written only by mwaa-gitops: "
                     "restore an earlier version of it, or remove it")
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
