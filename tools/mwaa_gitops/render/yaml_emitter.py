"""Block YAML for plain data, byte for byte what libyaml writes, without PyYAML's representer.

The rendered configs are written as PyYAML's ``CSafeDumper`` writes them (key order kept, no
aliases, UTF-8 as is, no line folding, block style, two-space indent, lists under a key not
indented). Its representer turns every value into a node in Python before libyaml sees it, and
that was most of the render's time at scale. Here the layout is written directly; each scalar's
text is what libyaml writes for it: checked on the spot for the common plain strings (the rules of
libyaml's ``yaml_emitter_analyze_scalar`` for a plain scalar in block context), asked of PyYAML
once per distinct value otherwise. A document holding a scalar that libyaml would write over
several lines (text with line breaks) is handed to PyYAML whole.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

_STR = "tag:yaml.org,2002:str"
# Characters that make a plain scalar impossible when they start it (libyaml's indicators; '-',
# '?' and ':' only before a space, but those are left to PyYAML), and the space.
_FIRST = frozenset("#,[]{}&*!|>'\"%@`-?: ")
_SIMPLE_KEY = 128  # longer keys are written as `? key` by libyaml
_MEMO_SIZE = 16384
# How PyYAML tags a plain scalar it reads back (str, or int, bool, null, timestamp…).
_resolve: Any = Resolver().resolve


class NotSimple(Exception):
    """A value libyaml writes over several lines: the caller dumps the document with PyYAML."""


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's emitter when present (the pure-Python one is much slower at scale)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def pyyaml_dump(data: Any) -> str:
    """The reference: PyYAML with the settings this module reproduces."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=2**31 - 1)


def dump(data: dict[str, Any]) -> str:
    """``data`` as block YAML, identical to :func:`pyyaml_dump`."""
    if type(data) is not dict or not data:
        return pyyaml_dump(data)
    out: list[str] = []
    try:
        _mapping(data, "", "", out)
    except NotSimple:
        return pyyaml_dump(data)
    return "".join(out)


def _mapping(data: dict[Any, Any], first: str, indent: str, out: list[str]) -> None:
    """A non-empty map; ``first`` prefixes its first line (``- `` in a list)."""
    prefix = first
    for key, value in data.items():
        head = f"{prefix}{_key(key)}:"
        prefix = indent
        kind = type(value)
        if kind is dict and value:
            out.append(head + "\n")
            _mapping(value, indent + "  ", indent + "  ", out)
        elif kind is list and value:
            out.append(head + "\n")
            _sequence(value, indent, out)  # libyaml does not indent a list under a key
        else:
            out.append(f"{head} {_scalar(value)}\n")


def _sequence(data: list[Any], indent: str, out: list[str]) -> None:
    for item in data:
        kind = type(item)
        if kind is dict and item:
            _mapping(item, indent + "- ", indent + "  ", out)
        elif kind is list and item:
            _nested(item, indent + "- ", indent + "  ", out)
        else:
            out.append(f"{indent}- {_scalar(item)}\n")


def _nested(data: list[Any], first: str, indent: str, out: list[str]) -> None:
    """A non-empty list that is itself an item of a list: ``- - a``."""
    for index, item in enumerate(data):
        prefix = first if index == 0 else indent
        kind = type(item)
        if kind is dict and item:
            _mapping(item, prefix + "- ", indent + "  ", out)
        elif kind is list and item:
            _nested(item, prefix + "- ", indent + "  ", out)
        else:
            out.append(f"{prefix}- {_scalar(item)}\n")


# Each distinct text is looked at once per process: most recur in every workflow.
_texts: dict[str, str] = {}
_scalars: dict[tuple[type, Any], str] = {}
_keys: dict[Any, str] = {}


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        text = _texts.get(value)
        if text is None:
            if len(_texts) >= _MEMO_SIZE:
                _texts.clear()  # bounded: names unique to one workflow do not pile up
            text = _texts[value] = value if _plain(value) else _scalar_by_pyyaml(value, kind)
        return text
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is dict and not value:
        return "{}"
    if kind is list and not value:
        return "[]"
    return _scalar_by_pyyaml(value, kind)


def _scalar_by_pyyaml(value: Any, kind: type) -> str:
    memo = (kind, repr(value) if kind is float else value)
    try:
        return _scalars[memo]
    except KeyError:
        pass
    except TypeError:  # unhashable: not a scalar PyYAML writes on one line here
        raise NotSimple from None
    text = pyyaml_dump({"k": value})
    if not text.startswith("k: ") or _breaks(text[:-1]):
        raise NotSimple
    _scalars[memo] = text = text[3:-1]
    return text


def _key(key: Any) -> str:
    try:
        return _keys[(type(key), key)]
    except KeyError:
        pass
    if type(key) is str and len(key) <= _SIMPLE_KEY and _plain(key):
        _keys[(str, key)] = key
        return key
    text = pyyaml_dump({key: None})
    if not text.endswith(": null\n") or _breaks(text[:-1]) or text.startswith("? "):
        raise NotSimple
    _keys[(type(key), key)] = text = text[:-7]
    return text


def _breaks(text: str) -> bool:
    """Whether ``text`` spans lines for YAML (which breaks lines at NEL, LS and PS too)."""
    return len(text.splitlines()) != 1


def _plain(text: str) -> bool:
    """Whether libyaml writes ``text`` plain, as it is: printable ASCII, no indicator at its
    start, no ``: `` or `` #`` inside, no space or ``:`` at its end, not a document marker, and
    read back as text (not ``true``, ``null``, ``12`` or ``1e3``)."""
    return (bool(text) and text.isascii() and text.isprintable() and text[0] not in _FIRST
            and text[-1] not in " :" and ": " not in text and " #" not in text
            and not text.startswith("...")
            and _resolve(ScalarNode, text, (True, False)) == _STR)
