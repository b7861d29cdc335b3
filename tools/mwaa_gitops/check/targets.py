"""Targets that cannot collide: each environment's bucket place against the others' and the
repository's own folders.

Two environments whose targets are one place would take each other's manifest; one whose target
lies inside another's DAG folder would have its DAGs parsed (and run) by the other's MWAA. A
``file://`` target inside ``.git/`` or ``environments/`` would write into the repository's own
history or configuration. Places are compared normalised: the scheme, the endpoint, the bucket
and the prefix by whole segments (``s3://b/team`` is not inside ``s3://b/team-a``; a trailing
``/`` changes nothing), a ``file://`` folder resolved against the repository (``..``, links).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import Diagnostic, Location

# Folders of the repository no target may write into.
REPOSITORY_FOLDERS = (".git", "environments")
HINT = "give each environment a target of its own, outside the others' DAG folders"


@dataclass(frozen=True)
class Place:
    """Where one environment syncs: its ``mwaa.target`` node, DAG prefix and S3 endpoint."""

    environment: str
    target: Node
    dags_prefix: str
    endpoint: str | None

    def parts(self, root: Path) -> tuple[str, ...]:
        """The target as comparable segments: scheme, store, then the path's segments."""
        scheme, _, location = str(self.target.value).partition("://")
        if scheme == "file":
            resolved = (root / location).resolve() if location.strip("/") else root.resolve()
            return ("file", "", *resolved.parts)
        bucket, _, prefix = location.partition("/")
        store = (self.endpoint or "").rstrip("/").lower()
        return (scheme.lower(), store, bucket, *(p for p in prefix.split("/") if p))

    def dag_folder(self, root: Path) -> tuple[str, ...]:
        return (*self.parts(root), *(p for p in self.dags_prefix.split("/") if p))


def place_of(environment: str, settings: Node) -> Place | None:
    """The place an environment's merged settings name (None: no usable target)."""
    target = settings.get("mwaa", "target")
    if target is None or not isinstance(target.value, str) or "://" not in target.value:
        return None
    prefix = settings.get("mwaa", "dagsPrefix")
    endpoint = settings.get("mwaa", "endpointUrl")
    return Place(environment, target,
                 prefix.value if prefix is not None and isinstance(prefix.value, str)
                 else "dags",
                 endpoint.value if endpoint is not None and isinstance(endpoint.value, str)
                 else None)


def inside_repository_folders(place: Place, root: Path) -> Iterator[Diagnostic]:
    """A ``file://`` target inside ``.git/`` or ``environments/``."""
    parts = place.parts(root)
    if parts[0] != "file":
        return
    folder = Path(*parts[2:])
    for name in REPOSITORY_FOLDERS:
        if folder.is_relative_to((root / name).resolve()):
            yield Diagnostic(place.target.location, f"target '{place.target.value}' of "
                             f"environment '{place.environment}' lies inside the repository's "
                             f"{name}/ folder, which sync would write into",
                             "write file://<folder> outside .git/ and environments/, e.g. "
                             "file://.local-bucket", "target-overlap", subject="mwaa.target")


def overlapping_targets(places: Iterable[Place], root: Path) -> Iterator[Diagnostic]:
    """Each environment whose target is another's, or lies inside another's DAG folder; at
    the inner one (the one to move), once per place that set it, whichever environments
    share it."""
    seen: list[Place] = []
    reported: set[Location] = set()
    for place in places:
        for other in seen:
            found = _overlap(place, other, root) or _overlap(other, place, root)
            if found is None:
                continue
            inner, outer, problem = found
            if inner.target.location in reported:
                continue
            reported.add(inner.target.location)
            inherited = inner.target.location == outer.target.location
            also = (f"both take it from {inner.target.location}" if inherited
                    else f"'{outer.environment}' sets it at {outer.target.location}")
            yield Diagnostic(inner.target.location, f"target '{inner.target.value}' of "
                             f"environment '{inner.environment}' {problem} of environment "
                             f"'{outer.environment}' ({also})",
                             "set mwaa.target in each environment's own environment.yaml"
                             if inherited else HINT, "target-overlap", subject="mwaa.target")
        seen.append(place)


def _overlap(inner: Place, outer: Place, root: Path) -> tuple[Place, Place, str] | None:
    """How ``inner`` lies in ``outer``'s place (None: it does not)."""
    if inner.parts(root) == outer.parts(root):
        return inner, outer, "is the target"
    if _within(inner.parts(root), outer.dag_folder(root)):
        return inner, outer, f"lies inside the DAG folder ({outer.dags_prefix}/)"
    return None


def _within(inner: tuple[str, ...], outer: tuple[str, ...]) -> bool:
    return len(inner) >= len(outer) and inner[:len(outer)] == outer
