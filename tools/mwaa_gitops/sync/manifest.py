"""The ownership manifest: which objects of a target this repository wrote, and as what.

It lives in the target itself (``.mwaa-gitops/manifest.json`` under the environment's prefix)
so that every checkout and CI runner sees the same record. Only keys listed here are ever
deleted. Each entry keeps the SHA-256 of the bytes we rendered (content identity, independent
of how the server computes ETags) and the etag the server returned when we wrote them (so a
listing alone tells whether the object is still what we wrote).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from mwaa_gitops import __version__
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.targets import RESERVED, Target, key_problem

MANIFEST_KEY = RESERVED + "manifest.json"
FORMAT = "mwaa-gitops/manifest"
VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Entry:
    """One owned object. ``etag`` is None while a write is in flight (intent manifest)."""

    sha256: str
    size: int
    etag: str | None = None
    version_id: str | None = None


@dataclass(frozen=True)
class Manifest:
    """What a sync left in the target (or, with ``complete=False``, is about to leave)."""

    environment: str
    objects: dict[str, Entry] = field(default_factory=dict)
    commit: str | None = None
    complete: bool = True
    updated: str | None = None
    tool: str = f"mwaa-gitops {__version__}"
    # Object versions MWAA was last pointed at (requirements, plugins, startup script).
    mwaa_applied: dict[str, str] = field(default_factory=dict)
    # Environment files uploaded (or about to be) whose UpdateEnvironment has not been made
    # yet: recorded before their upload, cleared once MWAA accepted the update, so a run that
    # stops in between leaves the update to the next run.
    mwaa_pending: tuple[str, ...] = ()

    def with_objects(self, objects: dict[str, Entry], **changes: Any) -> Manifest:
        """A copy holding ``objects`` (and other field ``changes``), stamped with the time."""
        return replace(self, objects=dict(sorted(objects.items())), updated=_now(), **changes)

    def to_json(self) -> bytes:
        """The stored form: stable key order, one object per line for readable diffs."""
        document = {
            "format": FORMAT,
            "version": VERSION,
            "environment": self.environment,
            "commit": self.commit,
            "complete": self.complete,
            "updated": self.updated,
            "tool": self.tool,
            "mwaa": {"applied": dict(sorted(self.mwaa_applied.items())),
                     **({"pending": sorted(self.mwaa_pending)} if self.mwaa_pending else {})},
            "objects": {key: _entry_json(entry) for key, entry in sorted(self.objects.items())},
        }
        return (json.dumps(document, indent=1) + "\n").encode()


def parse(data: bytes, where: str) -> Manifest:
    """A stored manifest; anything unreadable stops the sync (we must not guess ownership)."""
    hint = ("it is written only by mwaa-gitops; restore an earlier version of it, or remove it "
            "to start over (nothing will be deleted then)")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise SyncError(f"{where} is not a readable manifest (not JSON: {exc})", hint) from None
    try:
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("not an mwaa-gitops manifest")
        if document.get("version") != VERSION:
            raise SyncError(f"{where} has manifest version {_shown(document.get('version'))}; "
                            f"this mwaa-gitops reads version {VERSION}", "upgrade mwaa-gitops")
        objects = {_owned_key(key): _entry(key, value)
                   for key, value in _field(document, "objects", dict).items()}
        applied = _field(_field(document, "mwaa", dict, {}), "applied", dict, {})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in applied.items()):
            raise ValueError("'mwaa.applied' must map keys to version ids")
        pending = _field(_field(document, "mwaa", dict, {}), "pending", list, [])
        if not all(isinstance(k, str) for k in pending):
            raise ValueError("'mwaa.pending' must list keys")
        return Manifest(environment=_field(document, "environment", str), objects=objects,
                        commit=_field(document, "commit", (str, type(None)), None),
                        complete=_field(document, "complete", bool),
                        updated=_field(document, "updated", (str, type(None)), None),
                        tool=_field(document, "tool", str, ""), mwaa_applied=dict(applied),
                        mwaa_pending=tuple(sorted(set(pending))))
    except SyncError:
        raise
    except ValueError as exc:
        raise SyncError(f"{where} is not a readable manifest ({exc})", hint) from None


_MISSING = object()


def _field(document: dict[str, Any], name: str, kind: type | tuple[type, ...],
           default: Any = _MISSING) -> Any:
    """``document[name]``, which must be of ``kind`` (JSON has no "false" that means false)."""
    value = document.get(name, default)
    if value is _MISSING:
        raise ValueError(f"'{name}' is missing")
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValueError(f"'{name}' is {_shown(value)}, not of the expected type")
    return value


def _owned_key(key: str) -> str:
    # An owned key is deleted when no longer rendered: it must be a key sync may touch at all
    # (never our own lock or manifest).
    problem = key_problem(key)
    if problem is not None:
        raise ValueError(f"object key {key!r} is not one sync may own: {problem}")
    return key


def _entry(key: str, value: Any) -> Entry:
    if not isinstance(value, dict):
        raise ValueError(f"entry of {key!r} is not an object")
    sha256 = _field(value, "sha256", str)
    size = _field(value, "size", int)
    if not _SHA256.fullmatch(sha256) or size < 0:
        raise ValueError(f"entry of {key!r} has an invalid sha256 or size")
    return Entry(sha256=sha256, size=size, etag=_field(value, "etag", (str, type(None)), None),
                 version_id=_field(value, "version", (str, type(None)), None))


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def load(target: Target) -> Manifest | None:
    """The manifest stored in ``target``, or None before the first sync."""
    found = target.read(MANIFEST_KEY)
    if found is None:
        return None
    return parse(found[0], f"{target.url}/{MANIFEST_KEY}")


def save(target: Target, manifest: Manifest) -> None:
    """Store ``manifest`` in ``target``."""
    target.write(MANIFEST_KEY, manifest.to_json())


def sha256_hex(data: bytes) -> str:
    """The content identity recorded for each owned object."""
    return hashlib.sha256(data).hexdigest()


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {"sha256": entry.sha256, "size": entry.size, "etag": entry.etag,
            "version": entry.version_id}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
