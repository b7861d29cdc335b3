"""Stage 2, merge: layer overlays onto their parents, keeping provenance.

Rules (docs/configuration.md, overlay rules): maps merge deeply, scalars replace, lists replace
unless the overlay says ``!append`` or ``!merge:KEY``, a key is removed by ``!delete`` and a map
is swapped whole by ``!replace``. New keys keep the order in which layers introduce them, so
output is deterministic. ``merge`` is associative: overlays may be combined before they are
applied, because directives survive until :func:`resolve` turns the final tree into plain
values."""

from __future__ import annotations

from collections.abc import Iterable

from mwaa_gitops.config.provenance import Node, Override
from mwaa_gitops.diagnostics import ConfigError, Location


def merge(base: Node | None, overlay: Node) -> Node:
    """``overlay`` applied on top of ``base``; neither input is modified."""
    if base is None:
        return overlay
    directive = overlay.directive
    if directive == "delete":
        return Node(None, overlay.location, overlay.key_location, "delete", _history(base))
    if isinstance(overlay.value, dict) and directive is None:
        if isinstance(base.value, dict):
            # A deleted key that comes back must not pick up what lay below the deletion.
            kept = "replace" if base.directive in ("replace", "delete") else None
            return Node(_merge_maps(base.value, overlay.value), base.location,
                        overlay.key_location or base.key_location, kept, base.overridden)
        return Node(overlay.value, overlay.location, overlay.key_location, "replace",
                    _history(base))
    if directive is not None and isinstance(overlay.value, list) and base.directive != "delete":
        if not isinstance(base.value, list):
            raise ConfigError.at(overlay.location, f"!{directive} needs an inherited list, but "
                                 f"{base.location} sets a {_kind(base)} here",
                                 "remove the tag to replace the value", code="directive")
        if directive == "append":
            return Node(base.value + overlay.value, overlay.location, overlay.key_location,
                        _combined(base.directive, "append"), _history(base))
        if directive is not None and directive.startswith("merge:"):
            key = directive.removeprefix("merge:")
            return Node(_merge_by_key(base.value, overlay, key), overlay.location,
                        overlay.key_location, _combined(base.directive, directive),
                        _history(base))
    if isinstance(overlay.value, list) and base.directive == "delete":
        directive = None  # a list set after a deletion replaces whatever lay below
    return Node(overlay.value, overlay.location, overlay.key_location, directive, _history(base))


def merge_layers(layers: Iterable[Node]) -> Node:
    """All layers merged in order (first is the root), then resolved to plain values."""
    result: Node | None = None
    for layer in layers:
        result = merge(result, layer)
    return resolve(result if result is not None else Node({}, Location("<empty>")))


def resolve(node: Node) -> Node:
    """Drop deletion markers and directives: the tree as users get it. A subtree that holds
    neither is returned as it is (shared, not copied): most of a merged tree is a lower
    layer's file, untouched."""
    value = node.value
    kind = type(value)
    if kind is dict:
        resolved = {k: resolve(v) for k, v in value.items() if v.directive != "delete"}
        if node.directive is None and len(resolved) == len(value) and all(
                resolved[k] is value[k] for k in resolved):
            return node
        removed = tuple((k, v.location) for k, v in value.items() if v.directive == "delete")
        return Node(resolved, node.location, node.key_location, None, node.overridden, removed)
    if kind is list:
        items = [resolve(v) for v in value if v.directive != "delete"]
        if node.directive is None and len(items) == len(value) and all(
                a is b for a, b in zip(items, value, strict=True)):
            return node
        return Node(items, node.location, node.key_location, None, node.overridden)
    if node.directive is None:
        return node
    return Node(value, node.location, node.key_location, None, node.overridden)


def _merge_maps(base: dict[str, Node], overlay: dict[str, Node]) -> dict[str, Node]:
    out = dict(base)
    for key, child in overlay.items():
        out[key] = merge(base.get(key), child)
    return out


def _merge_by_key(base: list[Node], overlay: Node, key: str) -> list[Node]:
    def identity(item: Node, where: str) -> object:
        ident = item.get(key)
        if ident is None or not isinstance(ident.value, (str, int, float, bool)):
            raise ConfigError.at(item.location, f"!merge:{key} needs every {where} item to be "
                                 f"a map with a scalar '{key}'",
                                 f"add '{key}:' to the item, or drop the !merge:{key} tag",
                                 code="directive")
        return ident.value

    out = list(base)
    index = {identity(item, "inherited"): i for i, item in enumerate(base)}
    for item in overlay.value:
        ident = identity(item, "overlay")
        if ident in index:
            out[index[ident]] = merge(out[index[ident]], item)
        else:
            index[ident] = len(out)
            out.append(item)
    return out


def _combined(below: str | None, above: str) -> str | None:
    # An append onto a list that was itself only appended to stays an append, and so on.
    return above if below == above else None


def _history(replaced: Node) -> tuple[Override, ...]:
    if replaced.directive == "delete":
        return replaced.overridden
    return (*replaced.overridden, Override(replaced.location, replaced))


def _kind(node: Node) -> str:
    if isinstance(node.value, dict):
        return "map"
    return "list" if isinstance(node.value, list) else "scalar"
