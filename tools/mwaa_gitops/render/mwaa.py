"""What MWAA runs for an Airflow version, and the environment's ``requirements.txt``.

MWAA installs ``requirements.txt`` under its essential constraints always, and under the Apache
Airflow constraints file of its release only when the file has no constraints line of its own
(see :mod:`mwaa_gitops.facts.mwaa_releases`). The rendered file names the Airflow constraints for
the release and the Python its image runs (the file the image's own copy was taken from; with that
line MWAA adds no ``-c`` of its own), so only the packages the rendered DAGs need are listed,
unpinned except ``openmetadata-ingestion``, and the constraints line pins the rest.

No ``plugins.zip`` and no startup script are needed by any version MWAA runs today: the plugin
that AWS once documented for ``PythonVirtualenvOperator`` replaced Airflow 2.0's call of the
``virtualenv`` console script, which Airflow 2.2 and later no longer make (2.x runs
``python -m virtualenv``, 3.x the ``venv`` module or ``uv``); 2.x only needs the ``virtualenv``
package, which every MWAA 2.x image has.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from mwaa_gitops.config import locks
from mwaa_gitops.config.locks import LockSet
from mwaa_gitops.config.model import Environment
from mwaa_gitops.diagnostics import ConfigError, Location
from mwaa_gitops.facts import connectors, mwaa_releases, wheel_bundle
from mwaa_gitops.facts.mwaa_releases import constraints_url
from mwaa_gitops.render import pipelines
from mwaa_gitops.render.configs import BUNDLE_FOLDER, OPENMETADATA_FOLDER

HEADER = "# Rendered by mwaa-gitops. Do not edit: change environments/ and re-render."
# No "-c"/"--constraint" in it: MWAA reads any such text, even in a comment, as a constraints line.
# Where MWAA's workers see the bucket's DAGs folder, and the custom constraints' folder in it.
MWAA_DAGS = "/usr/local/airflow/dags"
CONSTRAINTS_FOLDER = "constraints"
NOTHING_TO_INSTALL = "# The rendered DAGs need nothing beyond the packages of MWAA's image."


def requirements(env: Environment) -> list[str]:
    """The packages the environment's rendered DAGs need installed into MWAA itself."""
    lines: list[str] = []
    in_mwaa = [wf for wf in env.workflows if wf.dag.approach == "python"]
    if in_mwaa:
        version = env.openmetadata.ingestion_version
        extra_names = sorted({e for wf in in_mwaa
                              for e in connectors.workflow_extras(wf.config, version)})
        lines.append(pipelines.requirement(version, extra_names))
    # Airflow 2 builds task virtualenvs with `python -m virtualenv`, which every MWAA 2.x image
    # ships; listed only for an image without it.
    if env.mwaa.airflow_major < 3 and any(wf.dag.approach == "virtualenv"
                                          for wf in env.workflows) and \
            "virtualenv" not in mwaa_releases.installed_packages(env.mwaa.airflow_version):
        lines.append("virtualenv")
    return lines


def custom_constraints_set(env: Environment) -> LockSet | None:
    """The python approach's custom constraints the environment installs under, when it opts
    in (``mwaa.customConstraints: true``) and has python workflows."""
    in_mwaa = [wf for wf in env.workflows if wf.dag.approach == "python"]
    if not (in_mwaa and env.mwaa.custom_constraints):
        return None
    version = env.openmetadata.ingestion_version
    extras = tuple(sorted({e for wf in in_mwaa
                           for e in connectors.workflow_extras(wf.config, version)}))
    return LockSet(env.mwaa.airflow_version, version, extras, "constraints")


def python_set(env: Environment) -> LockSet | None:
    """The python approach's resolved set (what MWAA's pip installs under the custom
    constraints), which a private network's wheel bundle must carry."""
    custom = custom_constraints_set(env)
    if custom is None or env.mwaa.private_network is None:
        return None
    return LockSet(custom.airflow, custom.ingestion, custom.extras, "python")


def python_pins(env: Environment) -> tuple[str, ...]:
    """The pins of the python approach's resolved set that MWAA's image does not have at that
    version (``name==version``): what pip installs from a private network's bundle."""
    lock_set = python_set(env)
    if lock_set is None:
        return ()
    lock = _fresh(env, lock_set, "resolved set")
    installed = mwaa_releases.installed_packages(env.mwaa.airflow_version)
    return tuple(pin for pin in lock.pins
                 if installed.get(mwaa_releases.normalize(pin.split("==")[0]))
                 != pin.split("==", 1)[1])


def _fresh(env: Environment, lock_set: LockSet, what: str) -> locks.RepositoryLock:
    lock = locks.read(env.root, lock_set)
    if lock is None or lock.digest != lock_set.digest:
        raise ConfigError.at(
            Location(lock_set.path), f"the python approach's {what} of "
            f"{lock_set.requirement} on MWAA's Airflow {lock_set.airflow}: {lock_set.path} is "
            f"{locks.state(env.root, lock_set)}",
            f"run `{locks.command(env.name)}` and commit {locks.LOCKS}/", code="missing-lock")
    return lock


def moved_packages(lock: locks.RepositoryLock) -> list[str]:
    """The names of the image's packages custom constraints move (``# moves:`` lines of the
    lock: ``name old → new``), sorted."""
    return sorted({move.split()[0] for move in lock.moves})


def bundle_folder(env: Environment) -> str | None:
    """The wheel bundle's folder as MWAA's workers see it (the DAGs folder is on their disk
    before MWAA installs ``requirements.txt``); None off a private network."""
    if env.mwaa.private_network is None:
        return None
    python = mwaa_releases.release(env.mwaa.airflow_version).python
    return f"{MWAA_DAGS}/{OPENMETADATA_FOLDER}/{BUNDLE_FOLDER}/{wheel_bundle.folder_name(python)}"


def constraints_key(env: Environment, lock_set: LockSet) -> str:
    """The custom constraints' key in the bucket: in the DAGs folder, which MWAA's workers
    see at :data:`MWAA_DAGS`."""
    return f"{env.mwaa.dags_prefix}/{CONSTRAINTS_FOLDER}/{PurePosixPath(lock_set.path).name}"


def render_requirements(env: Environment) -> dict[str, bytes]:
    """``requirements.txt`` at the environment's requirements path. With nothing to install it
    holds no constraints line either: MWAA would fetch that URL (from outside a private
    network) for nothing. With custom constraints, the constraints file from ``locks/`` goes
    into the DAGs folder and ``requirements.txt`` names it by the path MWAA's workers see (then
    MWAA adds no Airflow constraints of its own), and lists every package of the image they
    move, so that pip moves each (the constraints pin the version)."""
    packages = requirements(env)
    custom = custom_constraints_set(env)
    files: dict[str, bytes] = {}
    constraint = constraints_url(env.mwaa.airflow_version)
    if custom is not None:
        lock = _fresh(env, custom, "custom constraints")
        # pip installs only what the listed requirements need: an image package the
        # constraints move that openmetadata-ingestion does not need (aiobotocore, which pins
        # the moved botocore) would stay at the image's version, broken. Listed, it moves too.
        packages += [name for name in moved_packages(lock) if name not in packages]
        key = constraints_key(env, custom)
        files[key] = (env.root / custom.path).read_bytes() if env.root else b""
        constraint = f"{MWAA_DAGS}/{key.removeprefix(env.mwaa.dags_prefix + '/')}"
    # A private network installs from the wheel bundle alone (the python approach's wheels
    # are in it), under the constraints file beside it: nothing reaches for an index or a URL.
    folder = bundle_folder(env)
    no_index = ["--no-index", f"--find-links {folder}"] if folder else []
    lines = [HEADER, *no_index, f'--constraint "{constraint}"', *packages] \
        if packages else [HEADER, NOTHING_TO_INSTALL]
    files[env.mwaa.requirements_path] = ("\n".join(lines) + "\n").encode("utf-8")
    return files
