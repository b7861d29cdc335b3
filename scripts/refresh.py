#!/usr/bin/env python3
"""Add or refresh an upstream release in one command: an openmetadata-ingestion release, or MWAA's
releases from a commit of aws/amazon-mwaa-docker-images.

    python scripts/refresh.py --openmetadata 2.0.7.0        a release of a new or known line
    python scripts/refresh.py --mwaa GITDIR [--rev COMMIT]  MWAA's releases at that commit
    python scripts/refresh.py --mwaa GITDIR --release 2.8.1 ... and say why one is missing

``make refresh OPENMETADATA=2.0.7.0`` and ``make refresh SOURCE=GITDIR [REV=…]`` run it. It
edits nothing by hand that a generator can write, and runs the generators in order:

openmetadata-ingestion V (line L = V's major.minor):
  1. ``SUPPORTED_INGESTION`` (``tools/mwaa_gitops/facts/requirements_data.py``): V replaces the
     release of line L, or is added as a new line;
  2. the line's test venv input ``tests/support/openmetadata-L.in`` (or ``openmetadata.in``
     when that one pins line L) pins V; a new line's is written from the newest line's; then its
     ``.lock`` is resolved (``uv pip compile``, as ``make test-locks`` does);
  3. the line's schemas, with that venv (``scripts/generate_schemas.py``), after a new line's
     branch in ``schemas/environment.schema.json`` (which server-connection schema checks
     ``openmetadata.server``; a file that does not say is checked as the newest line);
  4. its requirements, connectors, task-virtualenv locks and uv's verdicts
     (``scripts/generate_requirements.py --missing``: what is vendored already is kept), and
     the measured tables of ``docs/rendering.md`` from them (``--docs``);
  5. every generator's offline check.
MWAA: ``scripts/generate_mwaa.py --source GITDIR --rev REV``, ``generate_schemas.py --overlays``,
then step 4 and 5 (the new releases' locks).

The image repository starts at Airflow 2.9.2: MWAA's older releases (2.7.2, 2.8.1 in its API
reference) have no folder there, so their constraints and packages cannot be vendored from it;
``--release`` names a release the commit must have, and says so when it has not.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = "scripts/refresh.py"
REQUIREMENTS_DATA = REPO / "tools" / "mwaa_gitops" / "facts" / "requirements_data.py"
SUPPORT = REPO / "tests" / "support"
ENVIRONMENT_SCHEMA = REPO / "schemas" / "environment.schema.json"
RELEASE = re.compile(r"^(\d+)\.(\d+)\.\d+(\.\d+)?$")
SUPPORTED = re.compile(r"^SUPPORTED_INGESTION = \(([^)]*)\)$", re.MULTILINE)
IMAGES = "images/airflow"
# The first Airflow release aws/amazon-mwaa-docker-images has a folder for.
FIRST_IMAGE = "2.9.2"


class RefreshError(Exception):
    """Why the refresh cannot go on, for the maintainer."""


def line_of(version: str) -> str:
    found = RELEASE.match(version)
    if found is None:
        raise RefreshError(f"{version!r} is not an openmetadata-ingestion release such as "
                           "2.0.7.0")
    return f"{found[1]}.{found[2]}"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def with_release(source: str, version: str) -> tuple[str, bool]:
    """``requirements_data.py``'s text with ``version`` in ``SUPPORTED_INGESTION`` (replacing
    the release of its line), and whether its line is new."""
    found = SUPPORTED.search(source)
    if found is None:
        raise RefreshError(f"no SUPPORTED_INGESTION tuple in {REQUIREMENTS_DATA.name}")
    releases = re.findall(r'"([^"]+)"', found[1])
    line = line_of(version)
    new_line = all(line_of(r) != line for r in releases)
    kept = sorted({*(r for r in releases if line_of(r) != line), version}, key=version_key)
    tuple_text = ", ".join(f'"{r}"' for r in kept)
    return source[:found.start()] + f"SUPPORTED_INGESTION = ({tuple_text})" + \
        source[found.end():], new_line


def test_input(line: str) -> Path:
    """The test venv input that pins ``line``: the one whose pin is of that line, else a new
    ``openmetadata-<line>.in``."""
    for path in sorted(SUPPORT.glob("openmetadata*.in")):
        pinned = re.search(r"^openmetadata-ingestion==(\S+)$", path.read_text(), re.MULTILINE)
        if pinned and line_of(pinned[1]) == line:
            return path
    return SUPPORT / f"openmetadata-{line}.in"


def pinned_input(path: Path, version: str, template: Path | None) -> str:
    """The input's text pinning ``version``; a new input starts from ``template``'s."""
    text = path.read_text() if path.is_file() else (template.read_text() if template else "")
    if not text:
        text = "openmetadata-ingestion==0\n"
    text = re.sub(r"^openmetadata-ingestion==\S+$", f"openmetadata-ingestion=={version}", text,
                  flags=re.MULTILINE)
    if not path.is_file() and template is not None:
        old = line_of(re.search(r"^openmetadata-ingestion==(\S+)$", template.read_text(),
                                re.MULTILINE)[1])  # type: ignore[index]
        text = text.replace(template.with_suffix(".lock").name,
                            path.with_suffix(".lock").name)
        text = re.sub(rf"(?<![\d.]){re.escape(old)}(?![\d])", line_of(version), text)
    return text


def with_server_branch(schema_text: str, line: str, newest: str) -> str:
    """``environment.schema.json``'s text with a branch for ``line`` (its server connection)
    before the branch for files that do not say, which is pointed at ``newest``'s."""
    escaped = line.replace(".", "\\\\.")
    default = '          "if": {"not": {"required": ["ingestionVersion"]}},\n'
    if default not in schema_text:
        raise RefreshError(f"{ENVIRONMENT_SCHEMA.name}: no branch for files without "
                           "ingestionVersion; add the line's branch by hand")
    branch = (f'          "if": {{"required": ["ingestionVersion"], "properties": '
              f'{{"ingestionVersion": {{"type": "string", "pattern": "^{escaped}\\\\."}}}}}},\n'
              f'          "then": {{"properties": {{"server": {{"$ref": '
              f'"openmetadata/{line}/server-connection.schema.json"}}}}}}\n'
              "        },\n        {\n")
    if f'"openmetadata/{line}/server-connection.schema.json"' not in schema_text.split(
            default, maxsplit=1)[0]:
        schema_text = schema_text.replace(default, branch + default)
    head, tail = schema_text.split(default)
    tail = re.sub(r'"openmetadata/[\d.]+/server-connection\.schema\.json"',
                  f'"openmetadata/{newest}/server-connection.schema.json"', tail, count=1)
    return head + default + tail


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    done = subprocess.run([str(a) for a in args], cwd=REPO, check=False)
    if done.returncode != 0:
        raise RefreshError(f"{' '.join(str(a) for a in args)} exited with {done.returncode}")


def python() -> str:
    return sys.executable


def refresh_openmetadata(version: str) -> None:
    """Steps 1-5 for one openmetadata-ingestion release."""
    line = line_of(version)
    source, new_line = with_release(REQUIREMENTS_DATA.read_text(), version)
    REQUIREMENTS_DATA.write_text(source)
    inputs = sorted(SUPPORT.glob("openmetadata*.in"))
    newest_input = max(inputs, key=lambda p: version_key(re.search(
        r"^openmetadata-ingestion==(\S+)$", p.read_text(), re.MULTILINE)[1]))  # type: ignore[index]
    path = test_input(line)
    path.write_text(pinned_input(path, version, newest_input))
    # Only the release moves: the lock's other pins stay where they fit (`make test-locks`
    # upgrades them all).
    run(Path(python()).with_name("uv"), "pip", "compile", "--quiet", "--upgrade-package",
        "openmetadata-ingestion", "--python-version", "3.11", "--generate-hashes",
        "--custom-compile-command", "make test-locks", "-o", path.with_suffix(".lock"), path)
    lines = sorted({line, *(p.parent.name for p in (REPO / "schemas" / "openmetadata").glob(
        "*/workflow.schema.json"))}, key=version_key)
    if new_line:
        ENVIRONMENT_SCHEMA.write_text(with_server_branch(ENVIRONMENT_SCHEMA.read_text(), line,
                                                         lines[-1]))
    venv_python = subprocess.run(
        [python(), "-c", "from tests.support.venvs import openmetadata_python; "
         f"print(openmetadata_python({line!r}))"], cwd=REPO, capture_output=True, text=True,
        check=True).stdout.strip().splitlines()[-1]
    run(venv_python, "scripts/generate_schemas.py")
    run(python(), "scripts/generate_schemas.py", "--overlays")
    run(python(), "scripts/generate_requirements.py", "--missing")
    run(python(), "scripts/generate_requirements.py", "--docs")
    check()


def refresh_mwaa(source: Path, rev: str, releases: list[str]) -> None:
    """MWAA's releases at ``rev`` of the image repository, then their locks."""
    listed = subprocess.run(["git", f"--git-dir={git_dir(source)}", "ls-tree", "--name-only",
                             f"{rev}:{IMAGES}"], capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        raise RefreshError(f"{source}: no {IMAGES}/ at {rev}: {listed.stderr.strip()}")
    have = set(listed.stdout.split())
    for release in releases:
        if release not in have:
            older = version_key(release) < version_key(FIRST_IMAGE)
            raise RefreshError(
                f"Airflow {release} has no folder {IMAGES}/{release} at {rev} of "
                "aws/amazon-mwaa-docker-images" + (
                    f": that repository's images start at {FIRST_IMAGE}; MWAA built its older "
                    "releases elsewhere and published neither their constraints nor their "
                    "package lists there, so they cannot be vendored (and the tool cannot "
                    "check an environment on them)" if older else
                    ": pick a later commit (--rev) once the image is published"))
    run(python(), "scripts/generate_mwaa.py", "--source", source, "--rev", rev)
    run(python(), "scripts/generate_schemas.py", "--overlays")
    run(python(), "scripts/generate_requirements.py", "--missing")
    run(python(), "scripts/generate_requirements.py", "--docs")
    check()


def git_dir(source: Path) -> Path:
    return source / ".git" if (source / ".git").is_dir() else source


def check() -> None:
    run(python(), "scripts/generate_schemas.py", "--overlays", "--check")
    run(python(), "scripts/generate_mwaa.py", "--check")
    run(python(), "scripts/generate_requirements.py", "--check")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--openmetadata", metavar="VERSION",
                        help="an openmetadata-ingestion release to add or refresh")
    parser.add_argument("--mwaa", type=Path, metavar="GITDIR",
                        help="a clone of aws/amazon-mwaa-docker-images")
    parser.add_argument("--rev", default="HEAD", help="its commit to read (default HEAD)")
    parser.add_argument("--release", action="append", default=[],
                        help="an Airflow release the commit must have (repeatable)")
    args = parser.parse_args(argv)
    if (args.openmetadata is None) == (args.mwaa is None):
        parser.error("give --openmetadata VERSION or --mwaa GITDIR")
    try:
        if args.openmetadata is not None:
            refresh_openmetadata(args.openmetadata)
        else:
            refresh_mwaa(args.mwaa, args.rev, args.release)
    except RefreshError as exc:
        print(f"{SCRIPT}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
