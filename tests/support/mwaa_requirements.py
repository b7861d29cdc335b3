"""MWAA's Python after MWAA installed an environment's ``requirements.txt``: the image's packages
(Airflow and the providers as MWAA installs them, then the rest of the image at its versions),
then MWAA's own command, ``pip3 install --constraint <essential constraints> -r
requirements.txt``, run with pip over the rendered file.

The rendered file names its files where MWAA's workers see the DAGs folder
(``/usr/local/airflow/dags``): the test's copy says the test's DAGs folder there instead, and the
DAGs folder is filled before pip runs, as on MWAA (startup script, requirements, then Airflow).
The result is a venv of its own (never the shared Airflow venvs), built with uv from the same
constraints as those (faster than copying one: 2.6 s against 4.1 s for Airflow 3.3.1 here) and
kept under the user cache, keyed by every input, so a second run reuses it together with pip's
output of the first.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mwaa_gitops.facts import mwaa_releases
from mwaa_gitops.render.mwaa import MWAA_DAGS
from tests.support.image_site import NEEDS_A_COMPILER
from tests.support.venvs import CACHE, _uv, find_python

INSTALLED = CACHE.parent / "mwaa-requirements"
PIP_LOG = "pip-install.log"
# What would give pip an index or a wheel folder of this machine rather than the file's own.
PIP_SETTINGS = ("PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL",
                "PIP_CONSTRAINT", "PIP_REQUIRE_VIRTUALENV")


@dataclass(frozen=True)
class MwaaRequirements:
    """The installed Python and how it came to be."""

    python: Path
    pip_output: str  # MWAA's pip command's output, when the venv was built
    seconds: float  # the build's wall time, when it was built (0: taken from the cache)
    built_in: float  # the build's wall time, when it was built

    @property
    def cached(self) -> bool:
        return self.seconds == 0


def image_packages(release: str, have: set[str]) -> list[str]:
    """The image's packages (``name==version``) that ``have`` lacks, but those that need a
    compiler to install (no lock needs them)."""
    return sorted(f"{name}=={version}" for name, version
                  in mwaa_releases.installed_packages(release).items()
                  if name not in have and name not in NEEDS_A_COMPILER)


def installed_names(python: Path) -> set[str]:
    listed = subprocess.run([_uv(), "pip", "list", "--python", str(python), "--format", "json"],
                            capture_output=True, text=True, check=True).stdout
    return {mwaa_releases.normalize(p["name"]) for p in json.loads(listed)}


def mwaa_requirements(release: str, airflow: Sequence[str], requirements: str, dags: Path,
                      inputs: Sequence[bytes], pip_env: Mapping[str, str]) -> MwaaRequirements:
    """MWAA ``release``'s Python (``airflow``: Airflow and the providers, as the shared test
    venvs) with ``requirements`` (the rendered ``requirements.txt``) installed by MWAA's pip
    command, its ``/usr/local/airflow/dags`` being ``dags``; ``inputs``: the content of the files
    it installs from (the locks), for the cache key; ``pip_env``: added to pip's environment."""
    found = mwaa_releases.release(release)
    python = find_python(found.python_minor)
    key = hashlib.sha256(json.dumps(
        [release, python, sorted(airflow), requirements, dict(pip_env),
         [hashlib.sha256(data).hexdigest() for data in inputs],
         found.essential_constraints_path.read_text(),
         sorted(mwaa_releases.installed_packages(release).items())]).encode()).hexdigest()[:12]
    root = INSTALLED / f"airflow-{release}-{key}"
    INSTALLED.mkdir(parents=True, exist_ok=True)
    with (INSTALLED / f"{root.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / ".complete").exists():
            return MwaaRequirements(root / "bin" / "python", (root / PIP_LOG).read_text(),
                                    0.0, float((root / ".complete").read_text().split()[0]))
        started = time.monotonic()
        shutil.rmtree(root, ignore_errors=True)
        target = root / "bin" / "python"
        subprocess.run([_uv(), "venv", "--quiet", "--python", python, str(root)], check=True)
        subprocess.run([_uv(), "pip", "install", "--quiet", "--python", str(target),
                        "--constraint", str(found.airflow_constraints_path),
                        "--constraint", str(found.essential_constraints_path), *airflow],
                       check=True)
        rest = image_packages(release, installed_names(target))
        subprocess.run([_uv(), "pip", "install", "--quiet", "--python", str(target),
                        "--no-deps", *rest], check=True)
        local = root / "requirements.txt"
        local.write_text(requirements.replace(f"{MWAA_DAGS}/", f"{dags}/"))
        env = {name: value for name, value in os.environ.items() if name not in PIP_SETTINGS}
        env["PIP_CONFIG_FILE"] = os.devnull  # nor a configuration file of this machine's
        env.update(pip_env)
        # MWAA's command; --user aside: here the image is a venv, whose site is its own.
        done = subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(target), "install",
             "--disable-pip-version-check", "--no-input", "--constraint",
             str(found.essential_constraints_path), "-r", str(local)],
            capture_output=True, text=True, env=env, timeout=1200, check=False)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise AssertionError(f"MWAA's pip command failed ({done.returncode}):\n"
                                 f"{output[-8000:]}")
        (root / PIP_LOG).write_text(output)
        seconds = time.monotonic() - started
        (root / ".complete").write_text(f"{seconds:.1f} s to build; {len(rest)} packages of "
                                        "the image added before pip\n")
        return MwaaRequirements(target, output, seconds, seconds)
