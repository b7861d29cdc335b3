"""Whole-string matching for the patterns the tool checks values with.

Python's ``$`` also matches before a final newline, so ``^\\d+$`` accepts ``"3\\n"``; a value
that passes a check must be exactly what the check describes. Code patterns are applied with
``fullmatch``; JSON Schema patterns (ECMA-262, where ``$`` without the ``m`` flag is the end of
the input) are compiled by :func:`schema_pattern`, which gives ``$`` that meaning in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def schema_pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` from a JSON Schema, compiled so that ``$`` matches only at the very end."""
    return re.compile(_end_anchors(pattern))


def _end_anchors(pattern: str) -> str:
    """``pattern`` with every ``$`` outside a character class (and not escaped) as ``\\Z``."""
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            out.append(pattern[index:index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        index += 1
    return "".join(out)


def whole(pattern: re.Pattern[str], value: object) -> bool:
    """True when ``value`` is a string that ``pattern`` matches from its first character to its
    last (no trailing newline slips through)."""
    return isinstance(value, str) and pattern.fullmatch(value) is not None
