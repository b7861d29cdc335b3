"""Wheel bundles: every package a lock installs, as a wheel for MWAA's platform (linux x86_64,
glibc 2.34 on every MWAA image) and the release's Python, so that a worker with no route to a
package index installs with ``--no-index --find-links <bundle>``.

A bundle is a folder named for its interpreter and platform (``cp312-manylinux_x86_64``) holding
one wheel per pin, shared by every lock of that Python. :func:`fetch` fills the user cache from
the package index (PEP 691 JSON pages; each download checked against the index's sha256) and
builds a wheel for a pin that has none (a pure-Python source release, with uv);
:func:`wheel_for` finds a pin's wheel among a folder's files, offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from mwaa_gitops.facts import resolver

GLIBC_MINOR = 34  # MWAA's images run Amazon Linux 2023: glibc 2.34 (resolver.PLATFORM)
ARCH = "x86_64"
TIMEOUT = 60
# The manylinux tags of PEP 600 with their older aliases (PEP 599, 571, 513), newest first.
LEGACY = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


class BundleUnavailable(RuntimeError):
    """A pin's wheel could neither be downloaded nor built; the message says why."""


def minor_version(python: str) -> tuple[int, int]:
    """``"3.12.13"`` → ``(3, 12)``."""
    major, minor = python.split(".")[:2]
    return int(major), int(minor)


def folder_name(python: str) -> str:
    """The bundle folder of a Python ``3.12.x``: ``cp312-manylinux_x86_64``."""
    major, minor = minor_version(python)
    return f"cp{major}{minor}-manylinux_{ARCH}"


def platforms() -> list[str]:
    names = []
    for minor in range(GLIBC_MINOR, 4, -1):
        names.append(f"manylinux_2_{minor}_{ARCH}")
        if minor in LEGACY:
            names.append(f"{LEGACY[minor]}_{ARCH}")
    return names


def supported_tags(python: str) -> list[Tag]:
    """What pip on MWAA's image accepts, most specific first (the order pip prefers)."""
    major, minor = minor_version(python)
    return [*cpython_tags((major, minor), platforms=platforms()),
            *compatible_tags((major, minor), f"cp{major}{minor}", platforms())]


def _split(pin: str) -> tuple[str, Version]:
    name, _, version = pin.partition("==")
    return canonicalize_name(name), Version(version)


def wheel_for(pin: str, files: Iterable[str], python: str) -> str | None:
    """The file among ``files`` that pip would install for ``pin`` (``name==version``) on
    MWAA's platform and ``python``; None when there is none."""
    name, version = _split(pin)
    rank = {tag: index for index, tag in enumerate(supported_tags(python))}
    best: tuple[int, str] | None = None
    for file in files:
        try:
            wheel, wheel_version, _, tags = parse_wheel_filename(file)
        except InvalidWheelFilename:
            continue
        if wheel != name or wheel_version != version:
            continue
        score = min((rank[tag] for tag in tags if tag in rank), default=None)
        if score is not None and (best is None or (score, file) < best):
            best = (score, file)
    return best[1] if best else None


@dataclass(frozen=True)
class IndexFile:
    filename: str
    url: str
    sha256: str | None


def index_files(name: str, index_url: str = resolver.INDEX_URL) -> list[IndexFile]:
    """Every file of ``name`` on a PEP 691 index (not yanked)."""
    request = urllib.request.Request(f"{index_url.rstrip('/')}/{canonicalize_name(name)}/",
                                     headers={"Accept": SIMPLE_JSON})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
        page = json.load(answer)
    base = f"{index_url.rstrip('/')}/{canonicalize_name(name)}/"
    return [IndexFile(item["filename"], urllib.parse.urljoin(base, item["url"]),
                      item.get("hashes", {}).get("sha256"))
            for item in page.get("files", []) if not item.get("yanked")]


def cache_folder(python: str) -> Path:
    return resolver.cache_dir() / "wheels" / folder_name(python)


def fetch(pin: str, python: str, index_url: str = resolver.INDEX_URL) -> Path:
    """The wheel of ``pin`` for MWAA's platform and ``python``, from the cache, else downloaded
    (checked against the index's sha256) or built from the source release."""
    cache = cache_folder(python)
    cache.mkdir(parents=True, exist_ok=True)
    cached = wheel_for(pin, (p.name for p in cache.iterdir()), python)
    if cached is not None:
        return cache / cached
    name, version = _split(pin)
    try:
        files = index_files(name, index_url)
    except OSError as exc:
        raise BundleUnavailable(f"{pin}: the package index ({index_url}) could not be read: "
                                f"{exc}") from exc
    by_name = {f.filename: f for f in files}
    chosen = wheel_for(pin, by_name, python)
    if chosen is not None:
        return _download(by_name[chosen], cache)
    sdists = [f for f in files if f.filename.endswith((".tar.gz", ".zip"))
              and _sdist_version(f.filename, name) == version]
    if not sdists:
        raise BundleUnavailable(f"{pin}: the index has no wheel for MWAA's platform (Python "
                                f"{python}, linux {ARCH}) and no source release")
    return _build(_download(sdists[0], cache / ".sdists"), pin, python, cache)


def _sdist_version(filename: str, name: str) -> Version | None:
    stem = filename.removesuffix(".tar.gz").removesuffix(".zip")
    project, _, version = stem.rpartition("-")
    try:
        return Version(version) if canonicalize_name(project) == name else None
    except ValueError:
        return None


def _download(file: IndexFile, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file.filename
    digest = hashlib.sha256()
    partial = folder / f".{file.filename}.part"
    try:
        with urllib.request.urlopen(file.url, timeout=TIMEOUT) as answer, \
                partial.open("wb") as out:
            while chunk := answer.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BundleUnavailable(f"{file.filename}: download failed: {exc}") from exc
    if file.sha256 is not None and digest.hexdigest() != file.sha256:
        partial.unlink()
        raise BundleUnavailable(f"{file.filename}: sha256 {digest.hexdigest()} is not the "
                                f"index's {file.sha256}")
    partial.replace(target)
    return target


def _build(sdist: Path, pin: str, python: str, cache: Path) -> Path:
    """A wheel built from the source release (``uv build``), kept only when MWAA can install
    it (a pure-Python wheel: a compiled one would be for this machine, not MWAA's)."""
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}  # reproducible archive times
        done = subprocess.run([resolver.uv_binary(), "build", "--quiet", "--wheel",
                               "--out-dir", out, str(sdist)],
                              capture_output=True, text=True, env=env, check=False)
        built = [p.name for p in Path(out).glob("*.whl")]
        chosen = wheel_for(pin, built, python)
        if done.returncode != 0 or chosen is None:
            raise BundleUnavailable(f"{pin}: no wheel on the index, and building one from "
                                    f"{sdist.name} gave {built or 'nothing'}: "
                                    f"{done.stderr.strip()[-800:]}")
        shutil.move(str(Path(out) / chosen), cache / chosen)
    return cache / chosen
