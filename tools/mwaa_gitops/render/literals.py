"""Python literals built from data by construction, never by pasting text into code.

Every scalar goes through ``repr`` (which always yields a literal that evaluates to the same
value), containers are laid out by this module, and the result is read back with
``ast.literal_eval`` before it is used: a value that would not survive the round trip is an error,
not a file.
"""

from __future__ import annotations

import ast
import math
from typing import Any

INDENT = "    "
# Literals longer than this are laid out one item per line.
WIDTH = 88


class NotALiteral(ValueError):
    """A value that has no faithful Python literal (e.g. a float NaN or an arbitrary object)."""


def python_literal(value: Any, indent: int = 0) -> str:
    """A Python expression that evaluates to ``value`` (checked by reading it back)."""
    text = _literal(value, indent)
    if not _same(ast.literal_eval(text), value):
        raise NotALiteral(f"value does not survive as a Python literal: {value!r}")
    return text


def _literal(value: Any, indent: int) -> str:
    if isinstance(value, str):
        return _string(value, indent)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotALiteral(f"{value!r} has no Python literal")
        return repr(value)
    if isinstance(value, (list, tuple)):
        items = [_literal(item, indent + 1) for item in value]
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        if isinstance(value, tuple) and len(items) == 1:
            items[0] += ","
        return _layout(open_, close, items, indent)
    if isinstance(value, dict):
        entries = []
        for key, item in value.items():
            if not isinstance(key, (str, int, bool)) and key is not None:
                raise NotALiteral(f"mapping key {key!r} has no Python literal")
            entries.append(f"{_literal(key, indent + 1)}: {_literal(item, indent + 1)}")
        return _layout("{", "}", entries, indent)
    raise NotALiteral(f"{type(value).__name__} has no Python literal")


def _string(value: str, indent: int) -> str:
    """``repr`` of the text; long multi-line text as one literal per line, in parentheses."""
    lines = value.splitlines(keepends=True)
    if len(lines) < 2 or len(repr(value)) + len(INDENT) * indent <= WIDTH:
        return _quoted(value)
    inner = INDENT * (indent + 1)
    return "(\n" + "".join(f"{inner}{_quoted(line)}\n" for line in lines) + INDENT * indent + ")"


def _quoted(value: str) -> str:
    text = repr(value)
    # Prefer double quotes when neither quote occurs (the escapes repr wrote stay valid).
    if text.startswith("'") and "'" not in value and '"' not in value:
        text = f'"{text[1:-1]}"'
    return text


def _layout(open_: str, close: str, items: list[str], indent: int) -> str:
    flat = open_ + ", ".join(items) + close
    if not items or (len(flat) + len(INDENT) * indent <= WIDTH and "\n" not in flat):
        return flat
    inner = INDENT * (indent + 1)
    return open_ + "\n" + "".join(f"{inner}{item},\n" for item in items) + INDENT * indent + close


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (``True`` is not ``1`` here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(k, k2) and _same(a[k], b[k2])
                                          for k, k2 in zip(a, b, strict=True))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
