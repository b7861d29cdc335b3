"""Where rendered files go: one module per kind of store (``s3``, ``folder``), one interface.

Every target speaks :class:`Target`, keyed by paths relative to the environment's prefix, so
plan, apply and verify never know which one they talk to; a target says itself whether it
serves an MWAA environment. Every target reports a content fingerprint (``etag``) per object:
S3's ETag, or the MD5 of the file for a folder, which is what S3 reports for a plain
single-part upload. A new kind of store is a module here named after its URL scheme, with an
``open_url(location, url, **settings)``: ``open_target`` finds it by that name.

Part of the sync layer: may import the ground modules and ``sync``'s own base modules.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.targets.base import (
    CONTENT_TYPES,
    DEFAULT_ATTEMPTS,
    DEFAULT_JOBS,
    RESERVED,
    ConditionalWritesUnsupported,
    PreconditionFailed,
    RemoteObject,
    Written,
    check_key,
    content_md5,
    content_type,
    folder_collision,
    key_problem,
    md5_hex,
)

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_ATTEMPTS",
    "DEFAULT_JOBS",
    "RESERVED",
    "ConditionalWritesUnsupported",
    "PreconditionFailed",
    "RemoteObject",
    "Target",
    "Written",
    "check_key",
    "content_md5",
    "content_type",
    "folder_collision",
    "key_problem",
    "md5_hex",
    "open_target",
]

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


# A URL scheme names the module of its kind of store: s3:// is ``s3.py``, file:// ``file.py``.
_SCHEME = re.compile(r"[a-z][a-z0-9]*")


def open_target(url: str, *, root: Path, endpoint_url: str | None = None,
                region: str | None = None, jobs: int = DEFAULT_JOBS,
                attempts: int = DEFAULT_ATTEMPTS) -> Target:
    """The target named by ``url``: ``s3://bucket[/prefix]`` or ``file://path``.

    A ``file://`` path is a folder of ``root`` (the config repository), outside its
    ``environments/``.
    """
    scheme, separator, location = url.partition("://")
    opener = _opener(scheme) if separator else None
    if opener is None:
        raise SyncError(f"unsupported target '{url}'", "use s3://bucket/prefix or file://path")
    return opener(location, url, root=root, endpoint_url=endpoint_url, region=region,
                  jobs=jobs, attempts=attempts)


def _opener(scheme: str) -> Callable[..., Target] | None:
    """``open_url`` of the module named after ``scheme``; None when no such store exists."""
    if not _SCHEME.fullmatch(scheme) or scheme == "base":
        return None
    try:
        module = importlib.import_module(f"{__name__}.{scheme}")
    except ModuleNotFoundError:
        return None
    opener: Callable[..., Target] | None = getattr(module, "open_url", None)
    return opener
