"""The user site of an MWAA image, for a task virtualenv that must find every package the image
has (a private network's task installs only its lock, which leaves out what the image holds at
the locked version).

The test Airflow venvs hold Airflow and the providers MWAA ships, not the rest of the image
(Celery, Flask, platformdirs, …). ``image_user_base(python, release)`` is a ``PYTHONUSERBASE``
whose user site holds those missing packages at the image's versions (from the vendored package
list, installed with ``--no-deps``) and a ``.pth`` line for the Airflow venv's own packages: a
task virtualenv with system site packages then sees the whole image, as on an MWAA worker. The
few packages of the image that ship no wheel and need a compiler (``psycopg2``, ``pycurl``) are
left out; no lock depends on them. Built once under the user cache, keyed by its inputs.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from mwaa_gitops.facts import mwaa_releases
from tests.support.venvs import CACHE, _uv

IMAGES = CACHE.parent / "image-sites"
NEEDS_A_COMPILER = frozenset({"psycopg2", "pycurl"})


def _site_packages(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                          "['purelib'])"], capture_output=True, text=True, check=True).stdout
    return Path(out.strip())


def image_user_base(python: Path, release: str) -> Path:
    """A ``PYTHONUSERBASE`` showing MWAA ``release``'s image on top of the venv of ``python``."""
    listed = subprocess.run([_uv(), "pip", "list", "--python", str(python), "--format", "json"],
                            capture_output=True, text=True, check=True).stdout
    have = {mwaa_releases.normalize(p["name"]) for p in json.loads(listed)}
    missing = sorted(f"{name}=={version}" for name, version
                     in mwaa_releases.installed_packages(release).items()
                     if name not in have and name not in NEEDS_A_COMPILER)
    site = _site_packages(python)
    key = hashlib.sha256("\n".join([str(site), *missing]).encode()).hexdigest()[:12]
    base = IMAGES / key
    IMAGES.mkdir(parents=True, exist_ok=True)
    with (IMAGES / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / ".complete").exists():
            shutil.rmtree(base, ignore_errors=True)
            user_site = base / site.relative_to(python.parent.parent)
            subprocess.run([_uv(), "pip", "install", "--quiet", "--python", str(python),
                            "--target", str(user_site), "--no-deps", *missing], check=True)
            (user_site / "mwaa-image-airflow.pth").write_text(f"{site}\n")
            (base / ".complete").write_text("\n".join(missing) + "\n")
    return base
