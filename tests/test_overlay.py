"""Overlay merge: the rules of docs/configuration.md, provenance, and algebraic properties."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mwaa_gitops.config.load import load_text
from mwaa_gitops.config.overlay import merge, merge_layers
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import ConfigError, Location


def layers(*texts: str) -> Node:
    return merge_layers(load_text(t, f"layer{i}.yaml") for i, t in enumerate(texts))


def test_maps_merge_deeply_and_scalars_replace() -> None:
    merged = layers("a: {b: 1, c: 2}\n", "a: {c: 3, d: 4}\n")
    assert merged.plain() == {"a": {"b": 1, "c": 3, "d": 4}}


def test_lists_replace_by_default() -> None:
    assert layers("tags: [a, b]\n", "tags: [c]\n").plain() == {"tags": ["c"]}


def test_append_adds_to_the_inherited_list() -> None:
    assert layers("tags: [a]\n", "tags: !append [b]\n", "tags: !append [c]\n").plain() == {
        "tags": ["a", "b", "c"]}


def test_merge_by_key_updates_matching_items_and_appends_new_ones() -> None:
    merged = layers("x: [{name: a, v: 1}, {name: b, v: 2}]\n",
                    "x: !merge:name [{name: b, v: 3}, {name: c, v: 4}]\n")
    assert merged.plain() == {"x": [{"name": "a", "v": 1}, {"name": "b", "v": 3},
                                    {"name": "c", "v": 4}]}


def test_merge_by_key_requires_the_key_in_every_item() -> None:
    with pytest.raises(ConfigError) as caught:
        layers("x: [{name: a}]\n", "x: !merge:name [{other: b}]\n")
    assert str(caught.value.diagnostics[0].location) == "layer1.yaml:1:17"


def test_overlay_removes_key_marked_delete() -> None:
    assert layers("a: {b: 1, c: 2}\n", "a:\n  b: !delete\n").plain() == {"a": {"c": 2}}


def test_deleted_key_set_again_above_does_not_inherit_from_below() -> None:
    merged = layers("a: {b: 1, c: 2}\n", "a: !delete\n", "a: {d: 3}\n")
    assert merged.plain() == {"a": {"d": 3}}


def test_replace_swaps_a_map_whole() -> None:
    merged = layers("conn: {type: Postgres, hostPort: db:5432}\n",
                    "conn: !replace {type: Backend}\n")
    assert merged.plain() == {"conn": {"type": "Backend"}}


def test_append_onto_a_scalar_is_an_error_naming_both_files() -> None:
    with pytest.raises(ConfigError) as caught:
        layers("tags: one\n", "tags: !append [two]\n")
    message = caught.value.diagnostics[0].text()
    assert message.startswith("layer1.yaml:1:7: !append needs an inherited list")
    assert "layer0.yaml:1:7" in message


def test_new_keys_keep_the_order_layers_introduce_them() -> None:
    assert list(layers("b: 1\na: 1\n", "c: 1\nb: 2\n").plain()) == ["b", "a", "c"]


def test_every_value_remembers_the_layer_that_set_it_and_what_it_overrode() -> None:
    merged = layers("a: {b: 1, c: 2}\n", "a:\n  c: 3\n")
    c = merged.get("a", "c")
    assert c is not None and str(c.location) == "layer1.yaml:2:6"
    assert [(str(o.location), o.value) for o in c.overridden] == [("layer0.yaml:1:14", 2)]
    b = merged.get("a", "b")
    assert b is not None and str(b.location) == "layer0.yaml:1:8" and b.overridden == ()


def test_inputs_are_not_modified() -> None:
    base = load_text("a: {b: [1]}\n", "base.yaml")
    before = base.plain()
    merge(base, load_text("a: {b: !append [2], c: 3}\n", "o.yaml"))
    assert base.plain() == before


# --- properties -------------------------------------------------------------------------

_ids = count()
KEYS = st.sampled_from(["a", "b", "c", "d"])
SCALARS = st.one_of(st.integers(-3, 3), st.sampled_from(["x", "y"]), st.booleans())


def _node(value: Any, directive: str | None = None) -> Node:
    return Node(value, Location("gen.yaml", next(_ids)), directive=directive)


def _trees(depth: int) -> st.SearchStrategy[Node]:
    scalar = SCALARS.map(_node)
    lists = st.lists(scalar, max_size=3).flatmap(
        lambda items: st.sampled_from([None, "append"]).map(lambda d: _node(items, d)))
    deleted = st.just(None).map(lambda _: _node(None, "delete"))
    if depth == 0:
        return st.one_of(scalar, lists, deleted)
    maps = st.dictionaries(KEYS, _trees(depth - 1), max_size=3).flatmap(
        lambda items: st.sampled_from([None, None, "replace"]).map(lambda d: _node(items, d)))
    return st.one_of(scalar, lists, deleted, maps)


def _layer(depth: int = 2) -> st.SearchStrategy[Node]:
    return st.dictionaries(KEYS, _trees(depth), max_size=4).map(_node)


def _outcome(action: Any) -> Any:
    try:
        return merge_layers([action()]).plain()
    except ConfigError:
        return ConfigError


@settings(max_examples=300, deadline=None)
@given(_layer(), _layer(), _layer())
def test_layering_is_associative(a: Node, b: Node, c: Node) -> None:
    left = _outcome(lambda: merge(merge(a, b), c))
    right = _outcome(lambda: merge(a, merge(b, c)))
    assume(ConfigError not in (left, right))  # e.g. !append onto a scalar: an error either way
    assert left == right


@settings(max_examples=200, deadline=None)
@given(_layer(), KEYS)
def test_delete_removes_exactly_that_key(base: Node, key: str) -> None:
    resolved = merge_layers([base]).plain()
    overlay = _node({key: _node(None, "delete")})
    result = merge_layers([base, overlay]).plain()
    expected = {k: v for k, v in resolved.items() if k != key}
    assert result == expected


JSON = st.recursive(
    st.one_of(st.integers(-5, 5), st.sampled_from(["x", "y z", "é"]), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(KEYS, JSON, max_size=4), min_size=1, max_size=4))
def test_provenance_always_points_at_a_real_line_holding_that_value(docs: list[Any]) -> None:
    loaded = [load_text(yaml.safe_dump(d, sort_keys=False), f"l{i}.yaml")
              for i, d in enumerate(docs)]
    by_location = {node.location: node for tree in loaded for _, node in tree.walk()}
    merged = merge_layers(loaded)
    for path, node in merged.walk():
        if not path:
            continue
        source = by_location.get(node.location)
        assert source is not None, f"{path} points at {node.location}, which no layer has"
        if not isinstance(node.value, dict):
            assert source.plain() == node.plain()


def test_dotted_paths_address_list_items_either_way() -> None:
    from mwaa_gitops.config.provenance import parse_dotted

    assert parse_dotted("dag.tags[1]") == parse_dotted("dag.tags.1") == ("dag", "tags", 1)
