"""The configuration tree: every value remembers where it was set and what it overrode."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mwaa_gitops.diagnostics import Location

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Override:
    """A value that an upper layer replaced (or removed)."""

    location: Location
    node: Node  # as the lower layers left it; read as data only when shown (explain)

    @property
    def value(self) -> Any:
        return self.node.plain()


class Node:
    """A YAML value with its origin.

    ``value`` is a ``dict[str, Node]`` for maps, a ``list[Node]`` for sequences and a plain
    scalar otherwise. ``directive`` is an overlay instruction from a tag (``delete``,
    ``append``, ``replace`` or ``merge:<key>``); it is consumed by the merge.
    """

    __slots__ = ("directive", "key_location", "location", "overridden", "removed", "value")

    def __init__(self, value: Any, location: Location, key_location: Location | None = None,
                 directive: str | None = None,
                 overridden: tuple[Override, ...] = (),
                 removed: tuple[tuple[str, Location], ...] = ()) -> None:
        self.value = value
        self.location = location
        self.key_location = key_location
        self.directive = directive
        self.overridden = overridden
        # Keys of this map that a `!delete` removed, with where: a missing key is shown there.
        self.removed = removed

    def __repr__(self) -> str:
        return f"Node({self.plain()!r} @ {self.location})"

    def plain(self) -> Any:
        """The value as plain Python data (new dicts and lists, shared scalars)."""
        return _plain(self.value)

    def get(self, *path: str | int) -> Node | None:
        """The node at ``path`` below this one, or None."""
        node: Node | None = self
        for part in path:
            if node is None:
                return None
            value = node.value
            if isinstance(value, dict) and isinstance(part, str):
                node = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                node = value[part]
            else:
                return None
        return node

    def nearest(self, path: Path) -> tuple[Node, Path]:
        """The deepest existing node along ``path`` and the part of the path it covers."""
        node = self
        walked: list[str | int] = []
        for part in path:
            child = node.get(part)
            if child is None:
                break
            node = child
            walked.append(part)
        return node, tuple(walked)

    def walk(self, prefix: Path = ()) -> Iterator[tuple[Path, Node]]:
        """Every node below (and including) this one with its path, parents first, in order."""
        # A stack, not nested generators: each node is handed out once, at any depth.
        stack: list[tuple[Path, Node]] = [(prefix, self)]
        while stack:
            path, node = stack.pop()
            yield path, node
            value = node.value
            if type(value) is dict:
                stack.extend([((*path, key), value[key]) for key in reversed(value)])
            elif type(value) is list:
                stack.extend([((*path, index), value[index])
                              for index in range(len(value) - 1, -1, -1)])


    def scalars(self) -> Iterator[Node]:
        """Every scalar node below (and including) this one, in order: for scans that look at
        values alone and need no paths."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            value = node.value
            if type(value) is dict:
                stack.extend(reversed(value.values()))
            elif type(value) is list:
                stack.extend(reversed(value))
            else:
                yield node


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _plain(v.value) for k, v in value.items()}
    if kind is list:
        return [_plain(v.value) for v in value]
    return value


def from_plain(value: Any, location: Location) -> Node:
    """Wrap plain data (e.g. a computed default) so that all of it points at ``location``."""
    if isinstance(value, dict):
        return Node({str(k): from_plain(v, location) for k, v in value.items()}, location, location)
    if isinstance(value, list):
        return Node([from_plain(v, location) for v in value], location)
    return Node(value, location)


def dotted(path: Path) -> str:
    """``('source', 'serviceConnection', 0)`` → ``source.serviceConnection[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def parse_dotted(text: str) -> Path:
    """The inverse of :func:`dotted`; ``a.b[0].c`` → ``('a', 'b', 0, 'c')``."""
    parts: list[str | int] = []
    for chunk in text.split("."):
        name, _, rest = chunk.partition("[")
        if name:
            parts.append(int(name) if name.isdigit() else name)  # `tags.0` is `tags[0]`
        while rest:
            index, _, rest = rest.partition("]")
            parts.append(int(index))
            rest = rest.removeprefix("[")
    return tuple(parts)
