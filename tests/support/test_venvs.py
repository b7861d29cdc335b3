"""The cached test venvs: what keys them, and the openmetadata-ingestion lock."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.venvs import (
    OPENMETADATA_LOCK,
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


def test_openmetadata_lock_pins_what_its_input_asks_for() -> None:
    wanted = OPENMETADATA_LOCK.with_suffix(".in").read_text()
    assert f"openmetadata-ingestion=={OPENMETADATA_VERSION}\n" in wanted
    pydantic = re.search(r"^pydantic==(\S+)$", wanted, re.MULTILINE)
    assert pydantic and locked_version(OPENMETADATA_LOCK, "pydantic") == pydantic[1]
    dbt = tuple(int(p) for p in locked_version(OPENMETADATA_LOCK, "dbt-core").split(".")[:2])
    assert dbt < (1, 12)
    # Every pin carries hashes: the venv is installed with --require-hashes.
    assert "--hash=sha256:" in OPENMETADATA_LOCK.read_text()
