"""Python literals built from data: faithful, or refused."""

from __future__ import annotations

import ast
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def same(a: object, b: object) -> bool:
    """Equal and of the same types all the way down (``True`` is not ``1`` here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


HOSTILE_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",))),
    st.lists(st.sampled_from(["'", '"', "'''", '"""', "\\", "\n", "\r\n", "\x85", "\u2028",
                              ")", "]", "}", "#", "\x00", " " * 90, "x" * 40]),
             max_size=8).map("".join))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False,
                    allow_infinity=False), HOSTILE_TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.one_of(HOSTILE_TEXT, st.integers(), st.booleans()), inner, max_size=4)),
    max_leaves=20)
LITERAL_NODES = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.UnaryOp, ast.USub,
                 ast.Load, ast.expr_context)


@settings(max_examples=400, deadline=None)
@given(value=VALUES, indent=st.integers(0, 3))
def test_any_value_of_the_written_types_is_one_literal_of_itself(value: object,
                                                                 indent: int) -> None:
    literal = python_literal(value, indent)
    (statement,) = ast.parse(f"NAME = {literal}").body
    assert isinstance(statement, ast.Assign)
    assert all(isinstance(node, LITERAL_NODES) for node in ast.walk(statement.value))
    assert same(ast.literal_eval(literal), value)


def test_text_of_a_str_subclass_is_refused_whatever_its_repr() -> None:
    class Sneaky(str):
        def __repr__(self) -> str:
            return "__import__('os').system('id')"

    with pytest.raises(NotALiteral):
        python_literal(Sneaky("x"))
    with pytest.raises(NotALiteral):
        python_literal({"k": [Sneaky("x")]})


def test_an_integer_python_will_not_write_out_is_refused() -> None:
    with pytest.raises(NotALiteral):
        python_literal(10**5000)
