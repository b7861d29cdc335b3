"""The compiled validator answers yes/no; jsonschema explains. They must never disagree on a yes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mwaa_gitops.check.patterns import PYTHON_SPACE, schema_pattern
from mwaa_gitops.check.schemas import (
    FORMATS_NOT_CHECKED,
    SCHEMA_DIR,
    _for_compiled,
    explaining,
    supported_lines,
    validator,
    workflow_schema,
)
from tests.schemas.cases import MISTAKES, VALID

OPENMETADATA_WORKFLOW = workflow_schema()

# Characters where regular-expression dialects part: ECMA's `\s` holds U+FEFF, Python's does
# not; Python's `\d` and `\w` take any script's digits and letters, ECMA's only ASCII; `$`
# before a final newline.
EDGES = ["", "a", "\n", "a\n", "\ufeff", "\u00a0", "\u2028", "\u0663", "ü", "Ⅻ", " ", "\t",
         "\x00", "\x7f", "/", "..", "../x", "x/..", "s3://bucket", "file://x/", "1.2.3\n",
         "https://x y", "<#E::a::b>", "secret:/a", "\U0001f680"]


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from patterns(value)


PATTERNS = sorted({p for path in SCHEMA_DIR.rglob("*.schema.json")
                   for p in patterns(json.loads(path.read_text()))})
TEXT = st.one_of(st.text(max_size=20), st.lists(st.sampled_from(EDGES), max_size=4).map("".join),
                 st.builds(lambda a, b: a + b, st.text(alphabet="az09._-/:\\$ ", max_size=12),
                           st.sampled_from(EDGES)))


def compiled_accepts(pattern: str, value: str) -> bool:
    return bool(jsonschema_rs.validator_for(_for_compiled({"pattern": pattern})).is_valid(value))


def test_the_compiled_engine_gets_pythons_spaces() -> None:
    spaces = "".join(chr(c) for c in range(0x110000) if re.match(r"\s", chr(c)))
    compiled = jsonschema_rs.validator_for({"pattern": f"^[{PYTHON_SPACE}]+$"})
    assert compiled.is_valid(spaces)
    assert not any(compiled.is_valid(chr(c)) for c in range(0x110000)
                   if chr(c) not in spaces and not 0xD800 <= c <= 0xDFFF)


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=150, deadline=None)
@given(value=TEXT)
def test_compiled_engine_matches_no_value_that_the_explaining_engine_rejects(
        pattern: str, value: str) -> None:
    if compiled_accepts(pattern, value):
        assert schema_pattern(pattern).search(value), (pattern, value)


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("value", EDGES)
def test_edge_characters_are_judged_alike_or_more_strictly(pattern: str, value: str) -> None:
    if compiled_accepts(pattern, value):
        assert schema_pattern(pattern).search(value), (pattern, value)


CASES = {**{f"valid: {k}": v for k, v in VALID.items()},
         **{f"mistake: {k}": v for k, (v, _) in MISTAKES.items()}}


@pytest.mark.parametrize("line", supported_lines())
@pytest.mark.parametrize("name", CASES)
def test_both_engines_judge_each_case_alike(name: str, line: str) -> None:
    config, schema = CASES[name], workflow_schema(line)
    fast = validator(schema).fast.is_valid(config)
    assert fast == (not list(explaining(schema).iter_errors(config)))


def test_a_rejected_value_is_explained_by_jsonschema() -> None:
    config, _ = next(iter(MISTAKES.values()))
    errors = list(validator(OPENMETADATA_WORKFLOW).iter_errors(config))
    assert errors and all(hasattr(e, "absolute_path") for e in errors)


def test_data_the_compiled_engine_cannot_read_goes_to_jsonschema() -> None:
    class Text(str):
        pass

    dag = validator("dag.schema.json")
    with pytest.raises(ValueError):
        dag.fast.is_valid({"owner": Text("data-platform")})
    assert dag.is_valid({"owner": Text("data-platform")})
    assert not dag.is_valid({"owner": Text("")})
    assert [e.validator for e in dag.iter_errors({"owner": Text("")})] == ["minLength"]


def test_formats_jsonschema_leaves_unchecked_are_unchecked_by_the_compiled_engine() -> None:
    schema = {"type": "string", "format": "uri"}
    for fmt in FORMATS_NOT_CHECKED:
        fast = jsonschema_rs.validator_for({**schema, "format": fmt}, validate_formats=True,
                                           formats=validator(OPENMETADATA_WORKFLOW).formats)
        assert fast.is_valid("not a value of any format"), fmt


def test_secret_and_schedule_formats_are_checked_by_the_compiled_engine() -> None:
    dag = validator("dag.schema.json").fast
    assert dag.is_valid({"schedule": "0 * * * *"})
    assert not dag.is_valid({"schedule": "0 * * *"})
    config = json.loads(json.dumps(VALID[next(iter(VALID))]))
    config["workflowConfig"]["openMetadataServerConfig"]["securityConfig"]["jwtToken"] = "clear"
    assert not validator(OPENMETADATA_WORKFLOW).fast.is_valid(config)
