"""Whole-string matching for the patterns the tool checks values with.

Python's ``$`` also matches before a final newline, so ``^\\d+$`` accepts ``"3\\n"``; a value
that passes a check must be exactly what the check describes. Code patterns are applied with
``fullmatch``; JSON Schema patterns (ECMA-262, where ``$`` without the ``m`` flag is the end of
the input) are compiled by :func:`schema_pattern`, which gives ``$`` that meaning in Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache


@lru_cache(maxsize=1024)
def schema_pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` from a JSON Schema, compiled so that ``$`` matches only at the very end."""
    return re.compile(_end_anchors(pattern))


def _end_anchors(pattern: str) -> str:
    """``pattern`` with every ``$`` outside a character class (and not escaped) as ``\\Z``."""
    return "".join(r"\Z" if token == "$" and not in_class else token
                   for token, in_class in _tokens(pattern))


# Python's `\s` (what the explaining engine applies), as the body of a character class. An
# ECMA-262 engine's `\s` also holds U+FEFF: `"0\ufeff"` would pass a quoted-number pattern there
# and fail here.
PYTHON_SPACE = (r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f"
                r"\u205f\u3000")


def python_space(pattern: str) -> str:
    """``pattern`` with each ``\\s`` written out as Python's set of spaces, for ECMA-262 engines."""
    if "\\s" not in pattern:
        return pattern
    return "".join(
        (PYTHON_SPACE if in_class else f"[{PYTHON_SPACE}]") if token == "\\s" else token
        for token, in_class in _tokens(pattern))


def _tokens(pattern: str) -> Iterator[tuple[str, bool]]:
    """Each escape pair or single character of ``pattern``, with whether it stands inside a
    character class."""
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            yield pattern[index:index + 2], in_class
            index += 2
            continue
        yield char, in_class
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        index += 1


def whole(pattern: re.Pattern[str], value: object) -> bool:
    """True when ``value`` is a string that ``pattern`` matches from its first character to its
    last (no trailing newline slips through)."""
    return isinstance(value, str) and pattern.fullmatch(value) is not None
