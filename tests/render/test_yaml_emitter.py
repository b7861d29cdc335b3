"""The configs' YAML emitter writes exactly what PyYAML with libyaml writes, for any data."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mwaa_gitops.render.yaml_emitter import dump, pyyaml_dump

# Texts where YAML's scalar styles part: indicators, comment and key markers, what reads back as
# another type in YAML 1.1, line breaks of every kind, unprintable and non-ASCII characters, keys
# too long for the simple form.
FRAGMENTS = ["'", '"', "\\", "\n", "\r\n", "\x85", "\u2028", "#", " #", ": ", ":", "-", "- ",
             "?", "? ", "...", "---", "true", "null", "~", "1", "1.5", "0x1f", "1e3", "yes", "on",
             "Off", "<<", "=", "@", "`", "%", "!", "&", "*", "|", ">", "[", "]", "{", "}", ",",
             " ", "\t", "\x00", "ü", "🚀", "\ufeff", "x" * 130, "2024-01-01", "12:30", "+1",
             ".inf", ".5", "https://host:8585/api", "secret:/a/b"]
TEXT = st.one_of(st.text(max_size=10),
                 st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join),
                 st.text(alphabet="abc:/.-_ #", max_size=8))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)), max_leaves=15)


@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.dictionaries(TEXT, VALUES, min_size=1, max_size=4))
def test_output_is_byte_identical_to_pyyaml(data: dict[str, Any]) -> None:
    assert dump(data) == pyyaml_dump(data)


def test_nested_lists_and_maps_keep_libyaml_layout() -> None:
    data = {"a": [{"b": 1, "c": [1, [2, {"d": None}]]}, [], {}, [[3]]], "e": {"f": {}}}
    assert dump(data) == pyyaml_dump(data) == (
        "a:\n- b: 1\n  c:\n  - 1\n  - - 2\n    - d: null\n- []\n- {}\n- - - 3\ne:\n  f: {}\n")


def test_text_over_several_lines_is_written_as_pyyaml_writes_it() -> None:
    data = {"query": {"sql": "select 1\nfrom dual\n", "at": "x"}}
    assert dump(data) == pyyaml_dump(data)
    assert yaml.safe_load(dump(data)) == data
