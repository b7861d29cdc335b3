"""The wheel bundle of a private-network environment (``mwaa.privateNetwork: true``).

Every package a task virtualenv installs travels through the bucket, under the DAGs folder:
``<dagsPrefix>/openmetadata/wheels/<cpXY>-manylinux_x86_64/<wheel>``, one wheel per pin of the
environment's locks, with an ``.airflowignore`` that keeps Airflow from opening the wheels (it
opens every zip file of the DAGs folder, and a wheel is one). The virtualenv DAGs install with
``--no-index --find-links`` on that folder. The wheels are read from the config repository
(``locks/wheels/<cpXY>-manylinux_x86_64/``, written by ``mwaa-gitops bundle``): rendering stays
offline and deterministic.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from mwaa_gitops.config.model import Environment
from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.facts import mwaa_releases, wheel_bundle
from mwaa_gitops.render.configs import BUNDLE_FOLDER, OPENMETADATA_FOLDER

__all__ = ["BUNDLE_FOLDER"]  # beside the DAGs, in the bucket

REPOSITORY_FOLDER = "locks/wheels"  # in the config repository
IGNORE_FILE = ".airflowignore"
# Every file of the bundle folder, in the .airflowignore syntax Airflow uses by default:
# regular expressions on Airflow 2, glob patterns on Airflow 3.
IGNORE_ALL = {2: ".*\n", 3: "*\n"}


def python(env: Environment) -> str:
    return mwaa_releases.release(env.mwaa.airflow_version).python


def repository_folder(root: Path, env: Environment) -> Path:
    """Where the config repository keeps the wheels of ``env``'s Python."""
    return root / REPOSITORY_FOLDER / wheel_bundle.folder_name(python(env))


def with_bundle_hashes(env: Environment, lines: tuple[str, ...]) -> tuple[str, ...]:
    """A lock's requirement lines, each also accepting the sha256 of its wheel in the bundle.

    A wheel downloaded from the index already has its hash in the lock; one built from a source
    release (a package that publishes no wheel) has a hash of its own, which pip in
    hash-checking mode must be told. The wheel is the config repository's, committed with it.
    """
    if env.mwaa.private_network is None or env.root is None:
        return lines
    folder = repository_folder(env.root, env)
    files = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    extended = []
    for line in lines:
        name = wheel_bundle.wheel_for(line.split()[0], files, python(env))
        added = ""
        if name is not None:
            path = folder / name
            info = path.stat()
            digest = _sha256(path, info.st_mtime_ns, info.st_size)
            added = "" if f"--hash=sha256:{digest}" in line else f" --hash=sha256:{digest}"
        extended.append(line + added)
    return tuple(extended)


@cache
def _sha256(path: Path, mtime: int, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wheels_setting(env: Environment) -> str | None:
    """The bundle's folder relative to the DAG files (the virtualenv DAGs' ``WHEELS``): None
    when the environment's workers reach a package index."""
    if env.mwaa.private_network is None:
        return None
    return f"{BUNDLE_FOLDER}/{wheel_bundle.folder_name(python(env))}"


def missing(env: Environment, pins: tuple[str, ...]) -> list[str]:
    """The pins the repository has no wheel for."""
    assert env.root is not None
    folder = repository_folder(env.root, env)
    files = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    return [pin for pin in pins if wheel_bundle.wheel_for(pin, files, python(env)) is None]


def render_bundle(env: Environment, pins: tuple[str, ...]) -> dict[str, bytes]:
    """The wheels of ``pins`` (the environment's locks: ``render.dags.lock_pins``) and the
    bundle's ``.airflowignore``, keyed as in the bucket; nothing when the environment reaches
    an index or runs no task virtualenv."""
    where = env.mwaa.private_network
    if where is None or not pins:
        return {}
    command = f"mwaa-gitops bundle --env {env.name}"
    if env.root is None:
        raise ConfigError.at(where, "a private-network environment renders its wheel bundle "
                             "from a config repository", "render it from the config repository "
                             "(mwaa-gitops render --repo DIR)", code="missing-wheels")
    absent = missing(env, pins)
    folder = repository_folder(env.root, env)
    if absent:
        shown = ", ".join(absent[:3]) + (f" and {len(absent) - 3} more" if len(absent) > 3
                                         else "")
        raise ConfigError.at(where, f"the workers reach no package index, and "
                             f"{folder.relative_to(env.root).as_posix()}/ lacks the "
                             f"wheels of {len(absent)} of the {len(pins)} pins the "
                             f"environment installs: {shown}",
                             f"run `{command}` where the package index is reachable, then "
                             f"commit {REPOSITORY_FOLDER}/", code="missing-wheels")
    files = [p.name for p in folder.iterdir()]
    prefix = f"{env.mwaa.dags_prefix}/{OPENMETADATA_FOLDER}/{wheels_setting(env)}"
    tree = {f"{env.mwaa.dags_prefix}/{OPENMETADATA_FOLDER}/{BUNDLE_FOLDER}/{IGNORE_FILE}":
            IGNORE_ALL[env.mwaa.airflow_major].encode("ascii")}
    for pin in pins:
        name = wheel_bundle.wheel_for(pin, files, python(env))
        assert name is not None
        tree[f"{prefix}/{name}"] = (folder / name).read_bytes()
    return tree

