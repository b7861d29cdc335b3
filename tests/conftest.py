"""Shared fixtures: a private copy of the example repository for tests that edit configs."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the example config repository (environments/ only) to edit freely."""
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    return tmp_path


Writer = Callable[[str, str], Path]


@pytest.fixture
def write(repo: Path) -> Writer:
    """Write (dedented) text to a file of the repository copy; returns its path."""

    def _write(relative: str, text: str) -> Path:
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return _write
