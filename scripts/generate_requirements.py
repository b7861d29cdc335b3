#!/usr/bin/env python3
"""Vendor what openmetadata-ingestion needs on MWAA: its Requires-Dist, extras, connectors and
task-virtualenv locks, and uv's verdict on each python-approach requirement set.

    python scripts/generate_requirements.py            write the data (network)
    python scripts/generate_requirements.py --missing  only what index.json lacks, keeping every
                                                       vendored lock and verdict (network)
    python scripts/generate_requirements.py --check    checksums only (offline)
    python scripts/generate_requirements.py --measure  print, from the vendored data, which MWAA
                                                       release x openmetadata-ingestion x extras
                                                       sets install with the python approach
                                                       (offline)
    python scripts/generate_requirements.py --docs     write those tables and the locks' into
                                                       docs/rendering.md (offline)

``make requirements-data`` runs the first (``MISSING=1``: the second), ``make check-data`` the
third.

What is written (lists in :mod:`mwaa_gitops.facts.requirements_data`):

* ``openmetadata-ingestion/<version>.requires.txt``: the Requires-Dist of each supported release,
  read from the METADATA of its wheel on PyPI (the wheel's sha256 checked against the index's).
* ``openmetadata-ingestion/<version>.connectors.json``: from the same wheel, its Provides-Extra
  and the connector modules it ships (``metadata/ingestion/source/<service>/<name>/`` with a
  ``service_spec.py``: what a ``source.type`` imports), read by
  :mod:`mwaa_gitops.facts.connectors`.
* ``venvs/<airflow>/openmetadata-ingestion-<version>[extras].txt``: for every MWAA release x
  supported version x extras set, the locked task-virtualenv set: ``uv pip compile`` of
  ``openmetadata-ingestion[extras]==V``, ``apache-airflow==<release>`` and the packages V imports
  without declaring them, for the release's Python on linux x86_64, wheels only except the
  source releases known to build from the index alone, preferring the versions the image has, and
  with the index as it was at ``EXCLUDE_NEWER``; then without apache-airflow and without every
  package the image has at the locked version. A combination that does not resolve is recorded
  with the resolver's reason instead.
* in ``index.json``, ``python``: for every MWAA release x supported version x extras set, whether
  ``openmetadata-ingestion[extras]==V`` resolves under the constraint files MWAA applies to the
  rendered requirements.txt (uv, same index state), with uv's explanation when it does not; and
  ``extrasOnly``: the same for just the requirements the extras add to the base package. That is
  what the offline check is compared with, without a network, by the tests.
* ``index.json``: every file's sha256 and source, the resolver and the index state.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, TypedDict

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))  # the package itself, also from a checkout not installed
from mwaa_gitops.facts import mwaa_releases, resolver, venv_locks  # noqa: E402
from mwaa_gitops.facts.mwaa_install import applied_constraints, extra_requirements  # noqa: E402
from mwaa_gitops.facts.package_index import connectors_json, requires_text  # noqa: E402
from mwaa_gitops.facts.requirements_data import (  # noqa: E402
    EXTRA_SETS,
    PACKAGE,
    SUPPORTED_INGESTION,
    connectors_file,
    lock_file,
    lock_key,
    requires_file,
)

HERE = REPO / "tools" / "mwaa_gitops" / "data" / "requirements"  # what it writes
# How the files it writes name this script.
SCRIPT = "scripts/generate_requirements.py"

INDEX = "index.json"
SIMPLE = f"{resolver.INDEX_URL}/{PACKAGE}/"
# The index state every lock is resolved against: a fixed date makes the locks reproducible.
EXCLUDE_NEWER = "2026-12-01T00:00:00Z"
INDEX_STATE = ("--exclude-newer", EXCLUDE_NEWER)
FIRST_CONFLICT = re.compile(r"depends on ([A-Za-z0-9._-]+)")


class _Verdict(TypedDict):
    resolves: bool


class Verdict(_Verdict, total=False):
    """uv's answer on one requirement set, in ``index.json``: its reason when it does not
    resolve."""

    uv: str


class ExtrasVerdict(Verdict):
    """uv's answer on the requirements an extras set adds, with those requirements."""

    requires: list[str]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wheel(version: str) -> tuple[zipfile.ZipFile, dict[str, str]]:
    """The wheel of ``version`` from PyPI (its sha256 checked) and where it came from."""
    request = urllib.request.Request(SIMPLE, headers={
        "Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    name = f"{PACKAGE.replace('-', '_')}-{version}-py3-none-any.whl"
    (entry,) = [f for f in files if f["filename"] == name]
    with urllib.request.urlopen(entry["url"], timeout=300) as response:
        data = response.read()
    if sha256(data) != entry["hashes"]["sha256"]:
        raise SystemExit(f"{name}: sha256 differs from the index's")
    return zipfile.ZipFile(io.BytesIO(data)), {"source": entry["url"],
                                               "wheelSha256": sha256(data)}


def requires_dist(archive: zipfile.ZipFile, version: str) -> bytes:
    """The Requires-Dist file of ``version``."""
    return requires_text(archive, version, SCRIPT)


def connectors(archive: zipfile.ZipFile) -> bytes:
    """The wheel's extras and connector modules (service type -> module names), as JSON."""
    return connectors_json(archive, SCRIPT)


def python_verdict(airflow: str, version: str, extras: tuple[str, ...]) -> Verdict:
    """Does ``openmetadata-ingestion[extras]==V`` install under the constraint files MWAA
    applies to the rendered requirements.txt? uv's answer, with its reason when not."""
    from mwaa_gitops.facts.mwaa_releases import constraints_url

    line = f"{PACKAGE}{_suffix(extras)}=={version}"
    text = f'--constraint "{constraints_url(airflow)}"\n{line}\n'
    constraints = [c.text for c in applied_constraints(text, airflow)]
    result = resolver.resolve(f"{line}\n", constraints, mwaa_releases.release(airflow).python,
                              options=INDEX_STATE)
    return {"resolves": True} if result.ok else {"resolves": False, "uv": result.message}


def extras_verdict(airflow: str, version: str, extras: tuple[str, ...]) -> ExtrasVerdict:
    """Do the requirements the extras add to the base package resolve on their own under the
    constraint files MWAA applies? uv's answer: whether the extras alone bring a conflict."""
    from mwaa_gitops.facts.mwaa_releases import constraints_url

    added = extra_requirements(version, extras, airflow)
    text = f'--constraint "{constraints_url(airflow)}"\n{PACKAGE}{_suffix(extras)}=={version}\n'
    constraints = [c.text for c in applied_constraints(text, airflow)]
    result = resolver.resolve("".join(f"{line}\n" for line in added), constraints,
                              mwaa_releases.release(airflow).python,
                              options=INDEX_STATE)
    return {"requires": list(added), "resolves": True} if result.ok else {
        "requires": list(added), "resolves": False, "uv": result.message}


def _suffix(extras: tuple[str, ...]) -> str:
    return f"[{','.join(extras)}]" if extras else ""


def venv_lock(airflow: str, version: str, extras: tuple[str, ...]
              ) -> tuple[bytes | None, str | None]:
    """The lock file of one combination, or the resolver's reason why there is none."""
    try:
        pins, reason = venv_locks.resolve_lock(airflow, version, extras,
                                               index_state=INDEX_STATE)
    except venv_locks.LockFailed as exc:
        raise SystemExit(str(exc)) from exc
    if pins is None:
        return None, reason
    return venv_locks.lock_text(airflow, version, extras, pins, SCRIPT), None


def generate(keep: dict[str, Any] | None = None) -> dict[str, bytes]:
    """Every data file, by path relative to this folder (``index.json`` last). With ``keep``
    (the current index), a lock or verdict it has is kept as it is: the index state is fixed, so
    resolving it again would give the same bytes."""
    kept = keep or {"venvs": {}, "python": {}}
    files: dict[str, bytes] = {}
    index: dict[str, Any] = {
        "$comment": f"Generated by {SCRIPT}: edit the script, not this file.",
        "resolver": {"tool": resolver.uv_version(), "index": resolver.INDEX_URL,
                     "excludeNewer": EXCLUDE_NEWER, "platform": resolver.PLATFORM},
        "ingestion": {}, "connectors": {}, "venvs": {}, "python": {}, "extrasOnly": {}}
    for version in SUPPORTED_INGESTION:
        archive, source = wheel(version)
        data = requires_dist(archive, version)
        files[requires_file(version)] = data
        index["ingestion"][version] = {"file": requires_file(version), "sha256": sha256(data),
                                       **source}
        data = connectors(archive)
        files[connectors_file(version)] = data
        index["connectors"][version] = {"file": connectors_file(version),
                                        "sha256": sha256(data), **source}
    for airflow in mwaa_releases.releases():
        for version in SUPPORTED_INGESTION:
            for extras in EXTRA_SETS:
                key = lock_key(airflow, version, extras)
                old = kept["venvs"].get(key)
                if old is None:
                    lock, reason = venv_lock(airflow, version, extras)
                else:
                    lock, reason = ((HERE / old["file"]).read_bytes(), None) if "file" in old \
                        else (None, old["unresolvable"])
                if lock is None:
                    index["venvs"][key] = {"unresolvable": reason}
                    print(f"{key}: unresolvable: {reason}", file=sys.stderr)
                else:
                    files[lock_file(airflow, version, extras)] = lock
                    index["venvs"][key] = {"file": lock_file(airflow, version, extras),
                                           "sha256": sha256(lock)}
                    print(f"{key}: {lock.count(b'==')} pins", file=sys.stderr)
                index["python"][key] = kept.get("python", {}).get(key) or \
                    python_verdict(airflow, version, extras)
                if extras:
                    index["extrasOnly"][key] = kept.get("extrasOnly", {}).get(key) or \
                        extras_verdict(airflow, version, extras)
    files[INDEX] = (json.dumps(index, indent=2, sort_keys=False) + "\n").encode("utf-8")
    return files


def check() -> list[str]:
    """Files whose bytes differ from their recorded sha256, or that are not recorded."""
    index = json.loads((HERE / INDEX).read_text(encoding="utf-8"))
    recorded = {e["file"]: e["sha256"] for part in ("ingestion", "connectors", "venvs")
                for e in index[part].values() if "file" in e}
    present = {str(p.relative_to(HERE)) for p in (*HERE.rglob("*.txt"),
                                                  *HERE.rglob("*.connectors.json"))}
    problems = [f"{name}: not in {INDEX}" for name in sorted(present - set(recorded))]
    for name, digest in sorted(recorded.items()):
        path = HERE / name
        if not path.is_file() or sha256(path.read_bytes()) != digest:
            problems.append(f"{name}: missing or differs from its sha256 in {INDEX}")
    return problems


def measure() -> str:
    """Two markdown tables, from the vendored data. First: does ``openmetadata-ingestion==V``
    resolve under each release's constraints as MWAA applies them (the python approach)? Each
    cell: uv's verdict (with the first conflict it names) and the direct conflicts the offline
    check finds. Second: what each extras set adds to that, by the offline check (``direct``)
    and by uv on just the requirements the extras add (``uv only``: a conflict one level down,
    which the offline check cannot see)."""
    from mwaa_gitops.facts.mwaa_install import direct_conflicts
    from mwaa_gitops.facts.mwaa_releases import constraints_url

    index = json.loads((HERE / INDEX).read_text(encoding="utf-8"))
    extra_sets = [extras for extras in EXTRA_SETS if extras]
    rows = ["| MWAA Airflow (Python) | " + " | ".join(f"`{PACKAGE}` {v}"
                                                   for v in SUPPORTED_INGESTION) + " |",
            "| --- |" + " --- |" * len(SUPPORTED_INGESTION)]
    added = ["| MWAA Airflow | " + " | ".join(
        f"{v}: " + " / ".join(f"`{','.join(e)}`" for e in extra_sets)
        for v in SUPPORTED_INGESTION) + " |", "| --- |" + " --- |" * len(SUPPORTED_INGESTION)]
    for airflow in mwaa_releases.releases():
        cells, extra_cells = [], []
        for version in SUPPORTED_INGESTION:
            found = {}
            for extras in EXTRA_SETS:
                text = (f'--constraint "{constraints_url(airflow)}"\n'
                        f"{PACKAGE}{_suffix(extras)}=={version}\n")
                found[extras] = direct_conflicts(text, airflow)
            verdict = index["python"][lock_key(airflow, version, ())]
            first = FIRST_CONFLICT.search(verdict.get("uv", ""))
            said = "resolves" if verdict["resolves"] else \
                f"no (uv: {first[1] if first else verdict['uv'][:60]})"
            plain = [c.package for c in found[()]]
            cells.append(f"{said}; {len(plain)} direct: {', '.join(plain) or '-'}")
            parts = []
            for extras in extra_sets:
                direct = [c.package for c in found[extras] if c.extras]
                only = index["extrasOnly"][lock_key(airflow, version, extras)]
                named = FIRST_CONFLICT.search(only.get("uv", ""))
                parts.append(f"{', '.join(direct)} (direct)" if direct else "fits"
                             if only["resolves"] else
                             f"uv only: {named[1] if named else only['uv'][:40]}")
            extra_cells.append(" / ".join(parts))
        python = mwaa_releases.python_version(airflow)
        rows.append(f"| {airflow} ({python}) | " + " | ".join(cells) + " |")
        added.append(f"| {airflow} | " + " | ".join(extra_cells) + " |")
    return "\n".join([*rows, "", *added])


AIRFLOW_NEEDS = re.compile(r"apache-airflow(?:-core)?==\S+ depends on (sqlalchemy\S*?),? ")
NO_WHEEL = re.compile(r"Because ([A-Za-z0-9._-]+)==(\S+) has no usable wheels")
DOCS = REPO / "docs" / "rendering.md"


def _short(reason: str) -> str:
    """uv's reason for an unresolvable lock, in a few words."""
    if (found := AIRFLOW_NEEDS.search(reason)) is not None:
        return f"Airflow needs {found[1]}"
    if (found := NO_WHEEL.search(reason)) is not None:
        return f"{found[1]} {found[2]} has no usable wheel"
    return reason[:60]


def locks_table() -> str:
    """The task-virtualenv locks as a markdown table, from the vendored data: per MWAA release
    and supported release, the pins of each extras set (what the lock adds over the image), or
    why it does not resolve."""
    index = json.loads((HERE / INDEX).read_text(encoding="utf-8"))
    names = " / ".join(f"`{','.join(e)}`" if e else "none" for e in EXTRA_SETS)
    rows = [f"| MWAA Airflow | {' | '.join(f'`{PACKAGE}` {v}' for v in SUPPORTED_INGESTION)} |",
            "| --- |" + " --- |" * len(SUPPORTED_INGESTION)]
    for airflow in mwaa_releases.releases():
        cells = []
        for version in SUPPORTED_INGESTION:
            counted, refused = [], []
            for extras in EXTRA_SETS:
                entry = index["venvs"][lock_key(airflow, version, extras)]
                if "file" in entry:
                    text = (HERE / entry["file"]).read_text(encoding="utf-8")
                    counted.append(str(sum(1 for line in text.splitlines()
                                           if line and not line.startswith("#"))))
                else:
                    refused.append((extras, _short(entry["unresolvable"])))
            if not counted:
                cells.append(f"no: {refused[0][1]}")
                continue
            cell = " / ".join(counted) + " pins"
            cell += "".join(f"; `{','.join(e) or 'none'}`: no, {why}" for e, why in refused)
            cells.append(cell)
        rows.append(f"| {airflow} | " + " | ".join(cells) + " |")
    return f"Extras sets: {names}.\n\n" + "\n".join(rows)


# The blocks of the docs page written from the vendored data (a marker line before each table,
# the table ends at the first blank line).
BLOCKS = {"python-approach": lambda: measure().split("\n\n")[0],
          "extras": lambda: measure().split("\n\n")[1],
          "locks": locks_table}


def docs_blocks(text: str) -> str:
    """``text`` (docs/rendering.md) with every generated block written again."""
    for name, make in BLOCKS.items():
        marker = f"<!-- {SCRIPT} --docs: {name} -->\n"
        start = text.index(marker) + len(marker)
        end = text.index("\n\n", start) if name != "locks" else \
            text.index("\n\n", text.index("\n\n", start) + 2)
        text = text[:start] + make() + text[end:]
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify checksums only")
    parser.add_argument("--measure", action="store_true", help="print the python-approach table")
    parser.add_argument("--missing", action="store_true",
                        help="resolve only what index.json lacks, keeping the rest")
    parser.add_argument("--docs", action="store_true",
                        help="rewrite the measured tables of docs/rendering.md (offline)")
    args = parser.parse_args()
    if args.docs:
        DOCS.write_text(docs_blocks(DOCS.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    if args.check:
        problems = check()
        print("\n".join(problems) or "ok")
        return 1 if problems else 0
    if args.measure:
        print(measure())
        return 0
    keep = json.loads((HERE / INDEX).read_text(encoding="utf-8")) if args.missing else None
    files = generate(keep)
    for old in (*HERE.rglob("*.txt"), *HERE.rglob("*.connectors.json")):
        old.unlink()
    for name, data in files.items():
        (HERE / name).parent.mkdir(parents=True, exist_ok=True)
        (HERE / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
