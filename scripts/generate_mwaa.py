#!/usr/bin/env python3
"""Vendor MWAA's Airflow releases from a clone of aws/amazon-mwaa-docker-images.

    python scripts/generate_mwaa.py --source GITDIR           write the data
    python scripts/generate_mwaa.py --source GITDIR --check   exit 1 if it differs
    python scripts/generate_mwaa.py --check                   checksums only (offline)

``make mwaa-data SOURCE=GITDIR`` runs the first, then ``scripts/generate_schemas.py --overlays``
for the release schema's overlay; ``make check-data`` runs the last.

GITDIR is a clone of https://github.com/aws/amazon-mwaa-docker-images (bare or not); ``--rev``
picks its commit (default HEAD). Every ``images/airflow/<version>/`` of that commit is one release:

* ``<version>/airflow_constraints.txt``: the image's ``etc/airflow_constraints.txt``, byte for byte
  (Apache Airflow's constraints for that release and the image's Python).
* ``<version>/mwaa_essential_constraints.txt``: the image's ``etc/mwaa_essential_constraints.txt``,
  byte for byte (the pins MWAA never lets requirements.txt override).
* ``<version>/installed_packages.txt``: the image's Python bill of materials
  (``BillOfMaterials/<version>/Python-Packages-BOM.txt``, the base image, not its -dev or -explorer
  variants) reduced to sorted ``name==version`` lines, names normalized (PEP 503).
* ``releases.json``: per release its Python (``ENV PYTHON_VERSION`` of
  ``Dockerfiles/Dockerfile.base``, cross-checked against the site-packages path of the bill of
  materials), every file's sha256 and the upstream path it came from, and the source commit.

Then the environment schema's list of releases, ``schemas/mwaa/airflow-version.schema.json``
(with its ``.sha256``), is written from the same list, so the releases are listed once.
Output is deterministic: the same commit gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TypedDict

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))  # the package itself, also from a checkout not installed
from mwaa_gitops.facts.mwaa_releases import (  # noqa: E402
    AIRFLOW_CONSTRAINTS,
    ESSENTIAL_CONSTRAINTS,
    INSTALLED_PACKAGES,
    normalize,
)

# How its messages and the files it writes name this script.
SCRIPT = "scripts/generate_mwaa.py"
DATA = REPO / "tools" / "mwaa_gitops" / "data" / "mwaa"
HERE = DATA  # what it writes (--data changes it)
SCHEMAS = REPO / "schemas"
INDEX = "releases.json"
SCHEMA = "mwaa/airflow-version.schema.json"
REPOSITORY = "aws/amazon-mwaa-docker-images"
IMAGES = "images/airflow"
RELEASE = re.compile(r"^\d+\.\d+\.\d+$")
PYTHON_ENV = re.compile(r"^ENV PYTHON_VERSION=(\d+\.\d+\.\d+)\s*$", re.MULTILINE)
# pip-licenses prints each package as: name, version, license, URL, license file (or UNKNOWN),
# its text, notice file (or UNKNOWN), its text, then a blank line.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
VERSION = re.compile(r"^\d+(\.\d+)*([a-z0-9.+!-]*)$", re.IGNORECASE)
SITE_PACKAGES = re.compile(r"/lib/python(\d+\.\d+)/site-packages/")
FILE_FIELD = re.compile(r"^(/\S+|UNKNOWN)$")
URL_FIELD = re.compile(r"^(https?://\S*|UNKNOWN)$")


class FileEntry(TypedDict):
    """One vendored file of a release in ``releases.json``."""

    sha256: str
    source: str


class ReleaseEntry(TypedDict):
    """One release in ``releases.json``: its Python and its files."""

    python: str
    pythonMinor: str
    pythonSource: str
    files: dict[str, FileEntry]


class GenerateError(Exception):
    """The snapshot is not shaped as this script expects (a new image layout?)."""


@dataclass(frozen=True)
class Snapshot:
    """One commit of the images repository, read through git (bare clones work)."""

    gitdir: Path
    commit: str

    def show(self, path: str) -> bytes:
        return _git(self.gitdir, "show", f"{self.commit}:{path}")

    def names(self, folder: str) -> list[str]:
        out = _git(self.gitdir, "ls-tree", "--name-only", f"{self.commit}:{folder}")
        return out.decode().split()


def _git(gitdir: Path, *args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(gitdir), *args], capture_output=True, check=False)
    if done.returncode != 0:
        raise GenerateError(f"git {' '.join(args)}: {done.stderr.decode().strip()}")
    return done.stdout


def release_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def bill_of_materials(text: str) -> tuple[dict[str, str], set[str]]:
    """name → version of every package in a pip-licenses ``plain-vertical`` listing, and the
    Pythons (major.minor) its site-packages paths name."""
    lines = text.splitlines()
    packages: dict[str, str] = {}
    names: list[str] = []
    previous = 0
    # Anchor on each license-file field (right after the URL); the license before it may span
    # lines, so the record's name and version are the nearest pair that follows a blank line.
    for j in range(4, len(lines)):
        if not (FILE_FIELD.match(lines[j]) and URL_FIELD.match(lines[j - 1])):
            continue
        start = next((i for i in range(j - 3, previous, -1) if (i == 1 or not lines[i - 1].strip())
                      and NAME.match(lines[i]) and VERSION.match(lines[i + 1])), None)
        if start is None:
            continue  # the notice-file field of the record just read
        previous = j
        name, version = lines[start], lines[start + 1]
        key = normalize(name)
        if key in packages:
            raise GenerateError(f"bill of materials lists {name} twice")
        packages[key] = version
        names.append(name)
    if names != sorted(names):
        raise GenerateError("bill of materials is not in pip-licenses' name order: a record "
                            "was misread")
    pythons = set(SITE_PACKAGES.findall(text))
    for path in re.findall(r"/site-packages/([^/\s]+)-([^/\s-]+)\.dist-info/", text):
        dist, version = normalize(path[0]), path[1]
        if packages.get(dist) != version:
            raise GenerateError(f"{path[0]}-{version}.dist-info is in the bill of materials but "
                                f"its record was read as {packages.get(dist)!r}")
    if not packages:
        raise GenerateError("no package found in the bill of materials")
    return packages, pythons


def python_of(dockerfile: str) -> str:
    found = PYTHON_ENV.findall(dockerfile)
    if len(set(found)) != 1:
        raise GenerateError(f"expected one ENV PYTHON_VERSION, found {found}")
    return str(found[0])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def generated_files(snapshot: Snapshot) -> dict[str, bytes]:
    """Path below this folder (or ``schemas/…`` for the schema) → bytes, for every release."""
    files: dict[str, bytes] = {}
    releases: dict[str, ReleaseEntry] = {}
    versions = sorted((name for name in snapshot.names(IMAGES) if RELEASE.match(name)),
                      key=release_key)
    if not versions:
        raise GenerateError(f"no release folder under {IMAGES}/")
    for version in versions:
        base = f"{IMAGES}/{version}"
        sources = {
            AIRFLOW_CONSTRAINTS: f"{base}/etc/airflow_constraints.txt",
            ESSENTIAL_CONSTRAINTS: f"{base}/etc/mwaa_essential_constraints.txt",
            INSTALLED_PACKAGES: f"{base}/BillOfMaterials/{version}/Python-Packages-BOM.txt",
        }
        dockerfile = f"{base}/Dockerfiles/Dockerfile.base"
        python = python_of(snapshot.show(dockerfile).decode())
        contents = {name: snapshot.show(path) for name, path in sources.items()}
        packages, pythons = bill_of_materials(contents[INSTALLED_PACKAGES].decode())
        minor = ".".join(python.split(".")[:2])
        if pythons != {minor}:
            raise GenerateError(f"{version}: Dockerfile builds Python {python} but the bill of "
                                f"materials names site-packages of {sorted(pythons)}")
        contents[INSTALLED_PACKAGES] = "".join(
            f"{name}=={packages[name]}\n" for name in sorted(packages)).encode()
        entry: ReleaseEntry = {"python": python, "pythonMinor": minor,
                                 "pythonSource": dockerfile, "files": {}}
        for name, data in contents.items():
            files[f"{version}/{name}"] = data
            entry["files"][name] = {"sha256": sha256(data), "source": sources[name]}
        releases[version] = entry
    date = _git(snapshot.gitdir, "show", "-s", "--format=%cI", snapshot.commit).decode().strip()
    index = {
        "$comment": f"Generated by {SCRIPT} from the MWAA images repository: edit the "
                    "script, not this file.",
        "source": {"repository": REPOSITORY, "commit": snapshot.commit, "date": date},
        "releases": releases,
    }
    files[INDEX] = (json.dumps(index, indent=2) + "\n").encode()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"Generated by {SCRIPT} from {REPOSITORY} {snapshot.commit[:12]}: edit "
                    "the script, not this file.",
        "title": "MWAA Airflow release",
        "description": "An Airflow version Amazon MWAA runs.",
        "type": "string",
        "enum": versions,
        "x-message": f"must be an Airflow release MWAA runs: {', '.join(versions[:-1])} or "
                     f"{versions[-1]}",
    }
    text = (json.dumps(schema, indent=2, sort_keys=True) + "\n").encode()
    files[f"schemas/{SCHEMA}"] = text
    files[f"schemas/{SCHEMA}.sha256"] = f"{sha256(text)}  {PurePosixPath(SCHEMA).name}\n".encode()
    return files


def target(path: str) -> Path:
    return SCHEMAS / path.removeprefix("schemas/") if path.startswith("schemas/") else HERE / path


def committed_files() -> set[str]:
    """What an earlier run wrote here: the index, the schema and every release folder's files."""
    found = {p.relative_to(HERE).as_posix() for p in HERE.glob("*/*.txt")}
    found |= {INDEX} if (HERE / INDEX).is_file() else set()
    return found | {f"schemas/{SCHEMA}", f"schemas/{SCHEMA}.sha256"}


def checksum_problems() -> list[str]:
    """Differences between ``releases.json``'s checksums and the vendored files."""
    try:
        index = json.loads((HERE / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{INDEX}: unreadable ({exc})"]
    problems: list[str] = []
    listed: set[str] = set()
    for version, entry in index["releases"].items():
        for name, info in entry["files"].items():
            path = f"{version}/{name}"
            listed.add(path)
            if not (HERE / path).is_file():
                problems.append(f"{path}: missing")
            elif sha256((HERE / path).read_bytes()) != info["sha256"]:
                problems.append(f"{path}: its sha256 is not the one {INDEX} records")
    problems += [f"{path}: not listed in {INDEX}" for path in
                 sorted({p.relative_to(HERE).as_posix() for p in HERE.glob("*/*.txt")} - listed)]
    return problems


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the vendored releases; the exit code says if all is well."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="a clone of " + REPOSITORY)
    parser.add_argument("--rev", default="HEAD", help="its commit to read (default HEAD)")
    parser.add_argument("--data", type=Path, default=DATA,
                        help="the data folder to check or write (default: the package's)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a file differs (without --source: if a "
                             "checksum does not match)")
    args = parser.parse_args(argv)
    global HERE  # noqa: PLW0603 - every helper reads the data folder chosen here
    HERE = args.data
    if args.source is None:
        if not args.check:
            parser.error("--source is needed to write the data")
        problems = checksum_problems()
        for problem in problems:
            print(f"{SCRIPT}: {problem}", file=sys.stderr)
        return 1 if problems else 0
    try:
        commit = _git(args.source, "rev-parse", "--verify", f"{args.rev}^{{commit}}")
        expected = generated_files(Snapshot(args.source, commit.decode().strip()))
    except GenerateError as exc:
        print(f"{SCRIPT}: {exc}", file=sys.stderr)
        return 2
    stale = sorted(committed_files() - set(expected))
    if args.check:
        problems = [f"{path}: missing" for path in expected if not target(path).is_file()]
        problems += [f"{path}: out of date" for path, data in expected.items()
                     if target(path).is_file() and target(path).read_bytes() != data]
        problems += [f"{path}: generated earlier, no longer produced" for path in stale]
        for problem in problems:
            print(f"{SCRIPT}: {problem}", file=sys.stderr)
        if problems:
            print(f"run `python {SCRIPT} --source GITDIR` (or `make mwaa-data SOURCE=GITDIR`) "
                  "and commit the result", file=sys.stderr)
        return 1 if problems else 0
    for path in stale:
        target(path).unlink()
    for path, data in expected.items():
        out = target(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not out.is_file() or out.read_bytes() != data:
            out.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
