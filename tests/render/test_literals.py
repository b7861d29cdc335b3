"""Python literals built from data: faithful, or refused."""

from __future__ import annotations

import ast
import math

import pytest

from mwaa_gitops.render.literals import NotALiteral, python_literal


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**70, 1.5, "", "plain", "it's", 'say "hi"', "'''\"\"\"",
    "line\nbreak\r\n\ttab", "{{ ds }} {% raw %}", "back\\slash\\", "ünïcødé ✓ 🚀", "\x00\u2028",
    ["a", 1, None], {"k": {"nested": ["x"]}}, ("one",), {1: "int key"},
])
def test_literal_evaluates_to_the_same_value(value: object) -> None:
    assert ast.literal_eval(python_literal(value)) == value


def test_long_multiline_text_becomes_one_literal_per_line() -> None:
    text = "".join(f"line {i}: {'x' * 20}\n" for i in range(6))
    literal = python_literal({"value": text})
    assert literal.count("\n") > 6
    assert ast.literal_eval(literal) == {"value": text}


def test_bool_is_not_written_as_int() -> None:
    assert python_literal(True) == "True"
    assert python_literal([1, True]) == "[1, True]"


@pytest.mark.parametrize("value", [math.nan, math.inf, object(), {("tuple", "key"): 1}, b"bytes"])
def test_values_without_a_faithful_literal_are_refused(value: object) -> None:
    with pytest.raises(NotALiteral):
        python_literal(value)
