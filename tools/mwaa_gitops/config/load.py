"""Stage 1, load: YAML files → :class:`Node` trees that remember file:line:col.

One loader for every file the tool reads. It accepts plain YAML (JSON's data model) plus the
overlay tags, and turns every way a file can be unusable into a located, readable error.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import ConfigError, Location

MAX_BYTES = 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64

DIRECTIVES = ("!delete", "!append", "!replace")
MERGE_BY = "!merge:"
TAG_HINT = "overlay tags are !delete, !append, !replace and !merge:KEY"

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_file(path: Path, display: str | None = None) -> Node:
    """Load one YAML file; raise :class:`ConfigError` with a location for any problem."""
    name = display or path.as_posix()
    return load_bytes(read_config(path, name), name)


def read_config(path: Path, name: str) -> bytes:
    """The bytes of a regular file, at most :data:`MAX_BYTES` of them.

    A link is not followed (it could lead out of the repository), a FIFO or device is not read
    (it would block or never end), and the limit holds while reading: ``st_size`` is 0 for
    ``/dev/zero``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError.at(Location(name), "a symbolic link; config files are read only "
                                 "as plain files", "replace the link by the file itself",
                                 code="unreadable") from None
        raise ConfigError.at(Location(name), f"cannot read file: {exc.strerror}",
                             code="unreadable") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError.at(Location(name), "not a regular file (a folder, FIFO or device)",
                                 "a config file is a plain YAML file", code="unreadable")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError.at(Location(name), f"cannot read file: {exc.strerror}",
                             code="unreadable") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise ConfigError.at(Location(name), f"file is over the {MAX_BYTES:,}-byte limit for a "
                             "config file", "split it into smaller workflow files",
                             code="too-large")
    return data


def load_bytes(data: bytes, name: str) -> Node:
    """Load YAML from bytes that came from ``name``."""
    if len(data) > MAX_BYTES:
        raise ConfigError.at(Location(name), f"file is {len(data):,} bytes, over the "
                             f"{MAX_BYTES:,}-byte limit for a config file", code="too-large")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError.at(Location(name, line, col),
                             f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                             "save the file as UTF-8", code="encoding") from None
    return load_text(text.removeprefix("\ufeff"), name)


def load_text(text: str, name: str) -> Node:
    """Load YAML text; an empty document is an empty map."""
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, name, text) from None
    except yaml.YAMLError as exc:
        raise ConfigError.at(Location(name), f"invalid YAML: {exc}", code="yaml") from None
    except RecursionError:
        raise ConfigError.at(Location(name), "YAML is nested too deeply",
                             code="too-deep") from None
    if len(documents) > 1:
        mark = documents[1].start_mark
        raise ConfigError.at(Location(name, mark.line + 1, mark.column + 1),
                             "a config file holds exactly one YAML document",
                             "remove the '---' separator and the second document",
                             code="yaml")
    if not documents or documents[0] is None:
        return Node({}, Location(name))
    return _Converter(name).convert(documents[0])


def _syntax_error(exc: yaml.MarkedYAMLError, name: str, text: str) -> ConfigError:
    mark = exc.problem_mark or exc.context_mark
    location = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
    problem = exc.problem or "invalid YAML"
    hint = None
    lines = text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    if "\t" in line[: mark.column + 1 if mark else 0] or "'\\t'" in problem:
        problem = "a tab character is not allowed here"
        hint = "YAML indentation must use spaces, not tabs"
    elif exc.context:
        hint = exc.context
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            hint += f" at line {exc.context_mark.line + 1}"
    return ConfigError.at(location, f"invalid YAML: {problem}", hint, code="yaml")


class _Converter:
    """Composed PyYAML nodes → :class:`Node`, enforcing the loader's rules."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.constructor = SafeConstructor()

    def location(self, node: yaml.Node) -> Location:
        return Location(self.name, node.start_mark.line + 1, node.start_mark.column + 1)

    def error(self, node: yaml.Node, message: str, hint: str | None = None,
              code: str = "yaml") -> ConfigError:
        return ConfigError.at(self.location(node), message, hint, code)

    def convert(self, node: yaml.Node, depth: int = 0,
                key_location: Location | None = None) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(node, f"document expands to more than {MAX_NODES:,} values "
                             "(too many alias expansions?)", "avoid nested aliases",
                             code="too-large")
        if depth > MAX_DEPTH:
            raise self.error(node, f"YAML is nested more than {MAX_DEPTH} levels deep",
                             code="too-deep")
        directive = self.directive(node)
        location = self.location(node)
        if isinstance(node, MappingNode):
            return Node(self.mapping(node, depth), location, key_location, directive)
        if isinstance(node, SequenceNode):
            if directive == "replace":
                raise self.error(node, "!replace applies to a map; a list is replaced "
                                 "by default", TAG_HINT, code="directive")
            items = [self.convert(child, depth + 1) for child in node.value]
            return Node(items, location, key_location, directive)
        assert isinstance(node, ScalarNode)
        if directive in ("append", "replace") or (directive or "").startswith("merge:"):
            raise self.error(node, f"!{directive} applies to a "
                             f"{'map' if directive == 'replace' else 'list'}", TAG_HINT,
                             code="directive")
        try:
            value = None if directive == "delete" else self.scalar(node)
        except ValueError:  # Python refuses to read integers of more than 4,300 digits
            raise self.error(node, f"number too large ({len(node.value):,} characters)",
                             "quote it if it is text", code="too-large") from None
        return Node(value, location, key_location, directive)

    def directive(self, node: yaml.Node) -> str | None:
        tag = node.tag
        if tag in _SCALAR_TAGS or tag in (_MAP, _SEQ):
            if tag == "tag:yaml.org,2002:map" and not isinstance(node, MappingNode):
                raise self.error(node, "!!map tag on a value that is not a map")
            return None
        if tag in DIRECTIVES:
            return tag[1:]
        if tag.startswith(MERGE_BY) and len(tag) > len(MERGE_BY):
            if not isinstance(node, SequenceNode):
                raise self.error(node, f"{tag} applies to a list of maps", TAG_HINT,
                                 code="directive")
            return tag[1:]
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        raise self.error(node, f"unsupported YAML tag '{shown}'",
                         f"only plain YAML values are allowed; {TAG_HINT}", code="unsafe-tag")

    def mapping(self, node: MappingNode, depth: int) -> dict[str, Node]:
        out: dict[str, Node] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.error(key_node, "YAML merge keys ('<<') are not supported",
                                 "write the keys out, or put shared values in a base layer",
                                 code="yaml")
            if not isinstance(key_node, ScalarNode):
                raise self.error(key_node, "a map key must be a plain string")
            if key_node.tag not in _SCALAR_TAGS:
                self.directive(key_node)  # rejects unsafe tags on keys
                raise self.error(key_node, "a map key cannot carry a tag", TAG_HINT)
            # Keys are names: keep their text, so `on:` or `1:` never turn into bool or int.
            key = str(key_node.value)
            if key in seen:
                raise self.error(key_node, f"duplicate key '{key}' (first set at line "
                                 f"{seen[key]})", "remove one of them", code="duplicate-key")
            seen[key] = key_node.start_mark.line + 1
            out[key] = self.convert(value_node, depth + 1, self.location(key_node))
        return out

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag in (_STR, "tag:yaml.org,2002:timestamp"):
            return node.value  # dates stay as written: OpenMetadata expects strings
        if tag == "tag:yaml.org,2002:int":
            return self.constructor.construct_yaml_int(node)
        if tag == "tag:yaml.org,2002:float":
            return self.constructor.construct_yaml_float(node)
        if tag == "tag:yaml.org,2002:bool":
            return self.constructor.construct_yaml_bool(node)
        return None
