"""Python literals built from data by construction, never by pasting text into code.

Only values of exactly these types are written, each by a rule that yields a literal of the same
value, so the text needs no reading back:

* ``None``, ``True``, ``False``: the keywords;
* ``int`` (not a subclass): its decimal digits, ``float`` when finite: ``repr``, which Python
  defines to read back as the same number;
* ``str`` (not a subclass, whose ``repr`` could be anything): ``repr``, which quotes the text and
  escapes every quote, backslash, line break and unprintable character in it, so the literal
  ends exactly at its closing quote; long multi-line text as one such literal per line, the
  lines joined by Python's concatenation of adjacent literals inside parentheses;
* ``list``, ``tuple``, ``dict``: brackets, commas and colons laid out here around the literals of
  their items.

Anything else is refused (:class:`NotALiteral`). The property tests in
``tests/render/test_literals.py`` read the output back for arbitrary values of these types.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

INDENT = "    "
# Literals longer than this are laid out one item per line.
WIDTH = 88


class NotALiteral(ValueError):
    """A value that has no faithful Python literal (e.g. a float NaN or an arbitrary object)."""


def python_literal(value: Any, indent: int = 0) -> str:
    """A Python expression that evaluates to ``value``, of the same types all the way down."""
    return _literal(value, indent)


def _literal(value: Any, indent: int) -> str:
    kind = type(value)
    if kind is str:
        return _string(value, indent)
    if value is None or kind is bool:
        return "True" if value is True else "False" if value is False else "None"
    if kind is int:
        try:
            return int.__repr__(value)
        except ValueError:  # more digits than Python converts to text (4,300 by default)
            raise NotALiteral("integer too large for a Python literal") from None
    if kind is float:
        if not math.isfinite(value):
            raise NotALiteral(f"{value!r} has no Python literal")
        return float.__repr__(value)
    if kind is list or kind is tuple:
        items = [_literal(item, indent + 1) for item in value]
        if kind is list:
            return _layout("[", "]", items, indent)
        # A one-item tuple needs its comma on one line too: `(x,)`.
        return _layout("(", ",)" if len(items) == 1 else ")", items, indent)
    if kind is dict:
        entries = []
        for key, item in value.items():
            if type(key) not in (str, int, bool) and key is not None:
                raise NotALiteral(f"mapping key of type {type(key).__name__} has no Python "
                                  "literal here")
            entries.append(f"{_literal(key, indent + 1)}: {_literal(item, indent + 1)}")
        return _layout("{", "}", entries, indent)
    raise NotALiteral(f"{kind.__name__} has no Python literal")


def _string(value: str, indent: int) -> str:
    """``repr`` of the text; long multi-line text as one literal per line, in parentheses."""
    quoted = _quoted(value)
    if len(quoted) + len(INDENT) * indent <= WIDTH:
        return quoted
    lines = value.splitlines(keepends=True)
    if len(lines) < 2:
        return quoted
    inner = INDENT * (indent + 1)
    return "(\n" + "".join(f"{inner}{_quoted(line)}\n" for line in lines) + INDENT * indent + ")"


@lru_cache(maxsize=4096)
def _quoted(value: str) -> str:
    """``repr`` with double quotes where it can (the lines of rendered configs recur)."""
    text = str.__repr__(value)
    # Prefer double quotes when neither quote occurs (the escapes repr wrote stay valid).
    if text[0] == "'" and "'" not in value and '"' not in value:
        text = f'"{text[1:-1]}"'
    return text


def _layout(open_: str, close: str, items: list[str], indent: int) -> str:
    flat = open_ + ", ".join(items) + close
    if not items or (len(flat) + len(INDENT) * indent <= WIDTH and "\n" not in flat):
        return flat
    inner = INDENT * (indent + 1)
    return (open_ + "\n" + "".join(f"{inner}{item},\n" for item in items) + INDENT * indent
            + close.removeprefix(","))
