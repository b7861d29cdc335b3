"""Every pattern in the shipped schemas is an ECMA 262 regular expression, as JSON Schema
requires and as editors (VS Code's YAML extension, JavaScript validators) compile them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import regress  # the ECMA 262 regex engine check-jsonschema uses

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = sorted((ROOT / "schemas").rglob("*.json"))


def patterns(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every ``pattern`` value and ``patternProperties`` key, with its JSON pointer."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield f"{where}/pattern", value
            if key == "patternProperties" and isinstance(value, dict):
                yield from ((f"{where}/patternProperties", p) for p in value)
            yield from patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from patterns(value, f"{where}/{index}")


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_schema_pattern_compiles_as_an_ecma_regex(path: Path) -> None:
    bad = []
    for where, pattern in patterns(json.loads(path.read_text())):
        try:
            regress.Regex(pattern, "u")
        except regress.RegressError as exc:
            bad.append(f"{where}: {pattern!r}: {exc}")
    assert not bad, "\n".join(bad)


def test_the_ecma_check_rejects_pythons_inline_flag() -> None:
    with pytest.raises(regress.RegressError):
        regress.Regex("(?u)^a$", "u")
