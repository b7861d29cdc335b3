"""How a task virtualenv's requirement set is locked: one algorithm for the vendored locks
(``scripts/generate_requirements.py``) and for the repository's own (``mwaa-gitops lock``, which
takes the vendored pins where they exist and resolves any other set through
:mod:`mwaa_gitops.facts.resolver`, whose cache keeps the answer).

A lock is the resolution of ``openmetadata-ingestion[extras]==V`` together with
``apache-airflow==<MWAA release>`` (so every package Airflow needs stays at a version Airflow
accepts: the venv sees MWAA's Airflow through the system site packages) and the packages V imports
without declaring them, for the release's Python on linux x86_64, preferring the versions MWAA's
image has; then without apache-airflow and without every package the image has at the locked
version. What the lock adds must come as wheels, except the source releases known to build from
the index alone: a source-only pick is resolved again with that package restricted to wheels.
"""

from __future__ import annotations

import re

from mwaa_gitops.facts import mwaa_releases, requirements_data, resolver
from mwaa_gitops.facts.requirements_data import (
    PACKAGE,
    SDIST_BUILDS,
    WHEELS_ONLY,
    undeclared,
)

MAX_ROUNDS = 8
NO_WHEELS = re.compile(r"Because ([A-Za-z0-9._-]+)==\S+ has no usable wheels")


class LockFailed(RuntimeError):
    """The resolver kept picking source-only packages, or failed for another reason."""


def lock_options(wheels_only: tuple[str, ...], index_state: tuple[str, ...]) -> tuple[str, ...]:
    """The index state, and wheels only for the packages whose source build is not known to
    need only the index."""
    options = list(index_state)
    for name in wheels_only:
        options += ["--only-binary", name]
    return tuple(options)


def wheels_check_options(index_state: tuple[str, ...]) -> tuple[str, ...]:
    """Every locked package a wheel, except the source releases that build from the index."""
    options = ["--no-deps", "--only-binary", ":all:", *index_state]
    for name in SDIST_BUILDS:
        options += ["--no-binary", name]
    return tuple(options)


def suffix(extras: tuple[str, ...]) -> str:
    return f"[{','.join(extras)}]" if extras else ""


def resolve_lock(airflow: str, version: str, extras: tuple[str, ...], *,
                 index_state: tuple[str, ...] = ()) -> tuple[tuple[str, ...] | None, str | None]:
    """The pins (``name==version``, sorted) of one combination, or the resolver's reason why
    nothing resolves. ``index_state``: ``uv pip compile`` options that fix the index's state
    (``--exclude-newer``). Raises :class:`resolver.ResolverUnavailable` when the index or uv
    cannot be used."""
    resolved, reason = _resolve(airflow, version, extras, index_state=index_state)
    if resolved is None:
        return None, reason
    installed = mwaa_releases.installed_packages(airflow)
    return tuple(pin for pin in resolved if installed.get(pin.split("==")[0]) !=
                 pin.split("==")[1]), None


def _resolve(airflow: str, version: str, extras: tuple[str, ...], *,
             index_state: tuple[str, ...] = (), prefer: tuple[str, ...] = ()
             ) -> tuple[tuple[str, ...] | None, str | None]:
    """Every pin of the resolution but apache-airflow (the image's packages at the image's
    versions included), once what it adds beyond the image comes as wheels; ``prefer``: more
    versions to keep where they fit."""
    release = mwaa_releases.release(airflow)
    installed = mwaa_releases.installed_packages(airflow)
    wanted = [f"{PACKAGE}{suffix(extras)}=={version}", f"apache-airflow=={airflow}",
              *undeclared(version)]
    preferences = "".join(f"{name}=={pin}\n" for name, pin in sorted(installed.items())) + \
        "".join(f"{pin}\n" for pin in prefer)
    wheels_only: tuple[str, ...] = WHEELS_ONLY
    for _ in range(MAX_ROUNDS):
        result = resolver.resolve("\n".join(wanted) + "\n", [], release.python,
                                  preferences=preferences,
                                  options=lock_options(wheels_only, index_state))
        if not result.ok:
            return None, result.message
        pins = sorted((mwaa_releases.normalize(name), pin) for name, pin in result.pins.items())
        every = tuple(f"{name}=={pin}" for name, pin in pins if name != "apache-airflow")
        kept = tuple(f"{name}=={pin}" for name, pin in pins
                     if name != "apache-airflow" and installed.get(name) != pin)
        wheels = resolver.resolve("".join(f"{line}\n" for line in kept), [], release.python,
                                  options=wheels_check_options(index_state))
        if wheels.ok:
            return every, None
        source_only = NO_WHEELS.search(wheels.message)
        if source_only is None:
            raise LockFailed(f"{airflow}/{version}{suffix(extras)}: {wheels.message}")
        wheels_only = (*wheels_only, mwaa_releases.normalize(source_only[1]))
    raise LockFailed(f"{airflow}/{version}{suffix(extras)}: still source-only packages after "
                     f"{MAX_ROUNDS} rounds: {wheels_only}")


def lock_text(airflow: str, version: str, extras: tuple[str, ...], pins: tuple[str, ...],
              by: str) -> bytes:
    """A lock file: its header, then one pin a line."""
    python = mwaa_releases.release(airflow).python
    header = [f"# The task virtualenv of {PACKAGE}{suffix(extras)}=={version} on MWAA's Airflow "
              f"{airflow} (Python {python}, linux x86_64), installed over the image's "
              "packages.", f"# Generated by {by}: edit the script, not this file."]
    return ("\n".join([*header, *pins]) + "\n").encode("utf-8")


def hashed_lock(airflow: str, ingestion: str, extras: tuple[str, ...]
                ) -> tuple[str | None, str | None]:
    """The task virtualenv's lock of that combination as requirements with their hashes
    (``uv pip compile --generate-hashes`` text), or the resolver's reason why none resolves.

    Every package of the resolution is pinned, those MWAA's image has at the locked version
    too: pip checks hashes of whatever it installs, so a package the image should have and
    does not (or has at another version) is installed as locked, never left to chance. Where
    this mwaa-gitops vendors the combination (the set its own tests install), its pins are
    preferred, so the lock agrees with it. Raises :class:`resolver.ResolverUnavailable` (or
    :class:`LockFailed`) when the index or uv cannot be used."""
    vendored = requirements_data.venv_lock(airflow, ingestion, extras)
    if vendored is not None and vendored.unresolvable is not None:
        return None, vendored.unresolvable
    pins, reason = _resolve(airflow, ingestion, extras,
                            prefer=vendored.pins if vendored is not None else ())
    if pins is None:
        return None, reason
    if not pins:
        return "", None
    return resolver.hashes(pins, mwaa_releases.release(airflow).python), None


def known_unresolvable(airflow: str, ingestion: str, extras: tuple[str, ...]) -> str | None:
    """The resolver's reason why that task virtualenv does not resolve, when this mwaa-gitops
    measured it (for a release it does not vendor, the vendored release of its line stands for
    it); None when it resolves or is not measured. Offline."""
    vendored = ingestion if requirements_data.is_vendored(ingestion) else \
        requirements_data.vendored_of_line(ingestion)
    lock = requirements_data.venv_lock(airflow, vendored, extras) if vendored else None
    return lock.unresolvable if lock is not None else None
