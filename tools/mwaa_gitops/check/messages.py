"""jsonschema errors → diagnostics at the file:line that set the offending value."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mwaa_gitops.check.secrets import EXAMPLE, is_sensitive, shown_key, shown_path
from mwaa_gitops.config.provenance import Node, Path
from mwaa_gitops.diagnostics import Diagnostic, Location, did_you_mean
from mwaa_gitops.facts.mwaa_releases import VERSION, nearest

# How each form of secret reference begins: a value that starts so was meant as one.
REFERENCE_STARTS = ("secret:", "${var:", "${env:", "${")
# Allowed values listed in an enum's message up to this many; beyond, only a near miss.
LISTED = 12


def diagnostics(errors: Iterable[Any], tree: Node, prefix: Path = (),
                top_keys: tuple[str, ...] = ()) -> Iterator[Diagnostic]:
    """Translate ``errors`` raised on ``tree.get(*prefix)`` into located diagnostics;
    ``top_keys`` are keys of the whole tree checked apart (a workflow's ``dag``), named among
    the known keys of its top level."""
    for error in errors:
        yield from _translate(error, tree, prefix, top_keys)


def _translate(error: Any, tree: Node, prefix: Path,
               top_keys: tuple[str, ...] = ()) -> Iterator[Diagnostic]:
    path: Path = (*prefix, *error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    where = shown_path(path) or "(top level)"

    if kind in ("anyOf", "oneOf") and error.context:
        yield from _union(error, tree, prefix, path, where)
        return
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extras = [k for k in error.instance if k not in allowed] if isinstance(
            error.instance, dict) else []
        if not path:
            allowed = sorted({*allowed, *top_keys})
        for key in extras:
            node = tree.get(*path, key)
            location = (node.key_location or node.location) if node else _at(tree, path)
            hint = _misindented(tree, path, key) or (
                did_you_mean(key, allowed) if allowed else "this map takes no extra keys")
            if hint and hint.startswith("known:") and len(allowed) > LISTED:
                # Too many to list: say whose keys they are (the model's name for the map).
                owner = f"of {schema['title']}" if schema.get("title") else "this map takes"
                hint = f"none of the {len(allowed)} keys {owner} is close to it"
            yield Diagnostic(location, f"unknown key '{shown_key(key)}'", hint, "unknown-key",
                             subject=where)
        return
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(error.message)
        node = tree.get(*path)
        deleted = dict(node.removed).get(missing) if node else None
        if deleted is not None:  # point at the `!delete`, not at the map that lost the key
            yield Diagnostic(deleted, f"missing required key '{missing}': !delete removes it "
                             "here", "remove the !delete, or set another value", "required",
                             subject=where)
            return
        location = (node.key_location or node.location) if node else _at(tree, path)
        yield Diagnostic(location, f"missing required key '{missing}'", None, "required",
                         subject=where)
        return
    if kind == "format" and error.validator_value == "password":
        yield plaintext_secret(tree, path)
        return

    location = _at(tree, path)
    value = error.instance
    # Never echo what may be a credential into logs or annotations.
    secret = schema.get("format") == "password" or is_sensitive(path, value)
    shown = "(hidden: it may hold a secret)" if secret else _show(value)
    custom = schema.get("x-message")
    if custom:
        hint = _closest(value, error.validator_value) if kind == "enum" else \
            str(error.cause) if kind == "format" and error.cause else None
        yield Diagnostic(location, f"{custom} (got {shown})", hint, kind, subject=where)
    elif kind in ("enum", "const"):
        choices = error.validator_value if kind == "enum" else [error.validator_value]
        hint = _closest(value, choices)
        if len(choices) > LISTED:
            # Too many to read in one line: a near miss, else the whole list, as the hint.
            yield Diagnostic(location, f"{shown} is not one of the {len(choices)} values "
                             f"allowed here", hint, "enum", subject=where)
            return
        # The message lists the choices already; only a near miss is worth a hint.
        hint = hint if hint and not hint.startswith("known:") else None
        yield Diagnostic(location, f"{shown} is not one of "
                         f"{', '.join(str(c) for c in choices)}", hint, "enum", subject=where)
    elif kind == "type" and value is None:
        expected = _expected(error.validator_value, schema, value)
        node = tree.get(*path)
        yield Diagnostic(node.key_location or location if node else location,
                         f"expected {expected}, but the key has no value",
                         "indent the keys that belong under it" if expected == "object" else
                         "write a value after the ':', or remove the key", "type",
                         subject=where)
    elif kind == "type":
        expected = _expected(error.validator_value, schema, value)
        yield Diagnostic(location, f"expected {expected}, got {_type_name(value)} {shown}",
                         None, "type", subject=where)
    elif kind == "pattern" and schema.get("x-lax"):
        # A string where the model takes a number or boolean, and it does not parse as one.
        yield Diagnostic(location, f"expected {schema['x-lax']}, got string {shown}", None,
                         "type", subject=where)
    else:
        message = error.message if not secret else f"invalid value that may hold a secret ({kind})"
        yield Diagnostic(location, message, None, kind or "schema", subject=where)


def _expected(types: Any, schema: dict[str, Any], value: Any) -> str:
    """The JSON types a value should have, as the user meant it: without null when a value is
    given, and without string where only a quoted number or boolean is taken."""
    names = [types] if isinstance(types, str) else list(types)
    if value is not None and len(names) > 1:
        names = [n for n in names if n != "null"]
    if schema.get("x-lax") and len(names) > 1:
        names = [n for n in names if n != "string"]
    return " or ".join(names)


def _closest(value: Any, choices: list[Any]) -> str | None:
    """Did-you-mean for an enum: among versions the nearest release (same major.minor, nearest
    patch), since spelling distance would offer 2.11.0 for 2.10.9; else the closest spelling."""
    if not isinstance(value, str):
        return None
    names = [str(choice) for choice in choices]
    if all(VERSION.fullmatch(name) for name in names) and VERSION.fullmatch(value):
        near = nearest(value, tuple(names))
        return f"did you mean '{near}'?" if near else None
    return did_you_mean(value, names)


def plaintext_secret(tree: Node, path: Path) -> Diagnostic:
    """The one message for a secret written in clear (shared by schema and name checks)."""
    node = tree.get(*path)
    value = node.value if node else None
    if isinstance(value, str) and value.startswith(REFERENCE_STARTS):
        # Meant as a reference; the value is not echoed, it may hold the secret after all.
        return Diagnostic(_at(tree, path), "malformed secret reference", "write secret:/path, "
                          "${var:NAME}, ${env:NAME} or OpenMetadata's ${NAME} (an environment "
                          "variable), NAME starting with a letter or '_', "
                          "nothing after the '}'", "malformed-reference", subject=shown_path(path))
    return Diagnostic(_at(tree, path), "plaintext secret; a secret field must hold a reference, "
                      "resolved at run time", f"write {EXAMPLE}", "plaintext-secret",
                      subject=shown_path(path))


def _misindented(tree: Node, path: Path, key: str) -> str | None:
    """A hint for a key written one level too far left: the key above it is empty."""
    parent = tree.get(*path)
    if parent is None or not isinstance(parent.value, dict) or key not in parent.value:
        return None
    here = parent.value[key].key_location
    if here is None:
        return None
    # The key just above it in the same file (merged maps keep the layers' key order).
    above = [(node.key_location.line, name) for name, node in parent.value.items()
             if node.key_location and node.key_location.path == here.path
             and node.key_location.line < here.line]
    if not above:
        return None
    name = max(above)[1]
    if parent.value[name].value is not None:
        return None
    return f"'{name}' above it has no value: indent '{key}' to put it under that key"


def _union(error: Any, tree: Node, prefix: Path, path: Path, where: str) -> Iterator[Diagnostic]:
    """Report the branch the value meant to be (by its ``type``), not every alternative."""
    branches = _by_branch(error.context)
    instance = error.instance
    if instance is not None:  # `X | None` unions: the null branch is never what was meant
        branches = {i: errs for i, errs in branches.items()
                    if not all(e.validator == "type" and e.validator_value == "null"
                               for e in errs)} or branches
    if isinstance(instance, dict) and "type" in instance:
        matching = {i: errs for i, errs in branches.items() if not _rejects_type(errs)}
        if not matching:
            known = sorted({str(v) for errs in branches.values() for e in errs
                            if list(e.relative_path) == ["type"]
                            for v in _allowed(e)})
            node = tree.get(*path, "type")
            location = node.location if node else _at(tree, path)
            hint = did_you_mean(str(instance["type"]), known) if known else None
            yield Diagnostic(location, f"unknown type {_show(instance['type'])}"
                             + (f"; expected one of {', '.join(known)}" if known else ""),
                             hint if hint and not hint.startswith("known:") else None,
                             "enum", subject=f"{where}.type")
            return
        branches = matching
    # A plaintext secret is no sign of the wrong branch: the branch that fails only on
    # secrets (or on fewest other things) is the one meant; on a tie, the one that knows every
    # key written (2.0's auto-classification has three members of one `type`).
    best = min(branches.values(), key=lambda errs: (len([e for e in errs if not _secret(e)]),
                                                   sum(_unknown_keys(e) for e in errs),
                                                   len(errs)))
    if len(branches) > 1 and not isinstance(instance, dict):
        location = _at(tree, path)
        yield Diagnostic(location, "does not match any allowed form", None, "type",
                         subject=where)
        return
    for sub in best:
        yield from _translate(sub, tree, prefix)


def _unknown_keys(error: Any) -> int:
    """How many keys an ``additionalProperties: false`` error says the branch does not know."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return 0
    known = set(error.schema.get("properties", {}))
    return len([key for key in error.instance if key not in known])


def _secret(error: Any) -> bool:
    """A plaintext-secret error, or one made only of those deeper down."""
    if error.validator == "format" and error.validator_value == "password":
        return True
    return error.validator in ("anyOf", "oneOf") and bool(error.context) and any(
        all(_secret(e) for e in errs) for errs in _by_branch(error.context).values())


def _by_branch(context: Iterable[Any]) -> dict[int, list[Any]]:
    branches: dict[int, list[Any]] = {}
    for sub in context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    return branches


def _rejects_type(errors: list[Any]) -> bool:
    for e in errors:
        if list(e.relative_path) == ["type"]:
            return True
        if e.validator == "additionalProperties" and list(e.relative_path) == [] and \
                "'type'" in e.message:
            return True
    return False


def _allowed(error: Any) -> list[Any]:
    if error.validator == "const":
        return [error.validator_value]
    if error.validator == "enum":
        return list(error.validator_value)
    return []


def _at(tree: Node, path: Path) -> Any:
    node, walked = tree.nearest(path)
    if walked == path:
        return node.location
    return node.key_location or node.location


# A value quoted in a message is cut here: a message is one readable line.
SHOWN_MAX = 80


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a map" if isinstance(value, dict) else "a list"
    if isinstance(value, str) and len(value) > SHOWN_MAX:
        return f"{value[:SHOWN_MAX]!r}… ({len(value)} characters)"
    return repr(value) if isinstance(value, str) else str(value).lower() \
        if isinstance(value, bool) else str(value)


def _type_name(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string",
             dict: "map", list: "list", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def set_at(node: Node, here: Location) -> str:
    """`` (set at <where>)`` for a value a message mentions, unless it is set at ``here``."""
    return "" if node.location == here else f" (set at {node.location})"
