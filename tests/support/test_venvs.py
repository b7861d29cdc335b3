"""The cached test venvs: what keys them, and the openmetadata-ingestion lock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mwaa_gitops.facts.requirements_data import SUPPORTED_INGESTION
from tests.support.venvs import (
    OPENMETADATA_LOCK,
    OPENMETADATA_LOCKS,
    OPENMETADATA_VERSION,
    locked_version,
    venv_root,
)


def test_venv_is_rebuilt_when_its_lock_or_constraints_content_changes(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    lock.write_text("a==1\n")
    before = venv_root("x", ["b"], "python3", [lock])
    assert venv_root("x", ["b"], "python3", [lock]) == before
    lock.write_text("a==2\n")
    assert venv_root("x", ["b"], "python3", [lock]) != before
    assert venv_root("x", ["b"], "python3.12", [lock]) != venv_root("x", ["b"], "python3", [lock])


@pytest.mark.parametrize("line", sorted(OPENMETADATA_LOCKS))
def test_openmetadata_lock_pins_what_its_input_asks_for(line: str) -> None:
    lock = OPENMETADATA_LOCKS[line]
    wanted = lock.with_suffix(".in").read_text()
    version = re.search(r"^openmetadata-ingestion==(\S+)$", wanted, re.MULTILINE)
    assert version and version[1].startswith(f"{line}.")
    assert locked_version(lock, "openmetadata-ingestion") == version[1]
    pydantic = re.search(r"^pydantic==(\S+)$", wanted, re.MULTILINE)
    assert pydantic and locked_version(lock, "pydantic") == pydantic[1]
    dbt = tuple(int(p) for p in locked_version(lock, "dbt-core").split(".")[:2])
    assert dbt < (1, 12)
    # Every pin carries hashes: the venv is installed with --require-hashes.
    assert "--hash=sha256:" in lock.read_text()


def test_the_pinned_release_has_a_lock_and_each_supported_line_one() -> None:
    assert locked_version(OPENMETADATA_LOCK, "openmetadata-ingestion") == OPENMETADATA_VERSION
    assert sorted(OPENMETADATA_LOCKS) == sorted(
        ".".join(version.split(".")[:2]) for version in SUPPORTED_INGESTION)
