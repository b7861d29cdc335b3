"""Loading YAML: values remember file:line:col; every unusable file gets a located error."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_gitops.config.load import MAX_BYTES, load_bytes, load_file, load_text
from mwaa_gitops.diagnostics import ConfigError


def error_of(text: str | bytes) -> str:
    with pytest.raises(ConfigError) as caught:
        if isinstance(text, bytes):
            load_bytes(text, "f.yaml")
        else:
            load_text(text, "f.yaml")
    (diagnostic,) = caught.value.diagnostics
    return diagnostic.text()


def test_values_remember_line_and_column() -> None:
    tree = load_text("a:\n  b: [1, two]\n", "f.yaml")
    assert tree.plain() == {"a": {"b": [1, "two"]}}
    two = tree.get("a", "b", 1)
    assert two is not None and str(two.location) == "f.yaml:2:10"
    b = tree.get("a", "b")
    assert b is not None and b.key_location is not None and str(b.key_location) == "f.yaml:2:3"


def test_keys_stay_strings_and_dates_stay_as_written() -> None:
    tree = load_text("on: 2024-01-01\n1: yes\n", "f.yaml")
    assert tree.plain() == {"on": "2024-01-01", "1": True}


def test_empty_file_is_an_empty_map() -> None:
    assert load_text("# only a comment\n", "f.yaml").plain() == {}


def test_syntax_error_points_at_the_problem() -> None:
    assert error_of("a: [1, 2\nb: 3\n").startswith("f.yaml:2:")


def test_duplicate_key_is_rejected_at_the_second_occurrence() -> None:
    assert error_of("a: 1\nb: 2\na: 3\n") == (
        "f.yaml:3:1: duplicate key 'a' (first set at line 1) (remove one of them)")


def test_tab_indentation_gets_a_hint() -> None:
    message = error_of("a:\n\tb: 1\n")
    assert message.startswith("f.yaml:2:1: invalid YAML: a tab character")
    assert "spaces, not tabs" in message


def test_non_utf8_bytes_are_located() -> None:
    assert error_of(b"a: 1\nb: caf\xe9\n") == (
        "f.yaml:2:7: file is not valid UTF-8 (byte 0xe9) (save the file as UTF-8)")


def test_utf8_byte_order_mark_is_accepted() -> None:
    assert load_bytes("\ufeffa: é\n".encode(), "f.yaml").plain() == {"a": "é"}


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['id']",
                                 "!!python/name:os.system", "!include other.yaml", "!!binary aGk="])
def test_unsafe_or_unknown_tags_are_rejected(tag: str) -> None:
    assert "unsupported YAML tag" in error_of(f"a: {tag}\n")


def test_alias_bomb_is_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    assert "more than 200,000 values" in error_of("\n".join(lines) + "\n")


def test_plain_aliases_still_work() -> None:
    assert load_text("a: &x [1, 2]\nb: *x\n", "f.yaml").plain() == {"a": [1, 2], "b": [1, 2]}


def test_merge_keys_are_rejected_with_a_hint() -> None:
    assert "merge keys ('<<') are not supported" in error_of("a: &x {b: 1}\nc:\n  <<: *x\n")


def test_second_document_is_rejected() -> None:
    assert error_of("a: 1\n---\nb: 2\n").startswith("f.yaml:3:1: a config file holds exactly one")


def test_huge_file_is_rejected_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * MAX_BYTES + b"\n")
    with pytest.raises(ConfigError) as caught:
        load_file(big, "big.yaml")
    assert "over the 1,048,576-byte limit" in caught.value.diagnostics[0].message


def test_deep_nesting_is_a_located_error_not_a_crash() -> None:
    # Past the YAML library's own depth limit: whichever layer stops it, the user gets a
    # located message on the line, never a RecursionError or a traceback.
    assert error_of("a: " + "[" * 5000 + "]" * 5000 + "\n").startswith("f.yaml:1:")


def test_nesting_past_the_loaders_limit_is_rejected() -> None:
    deep = "a: " + "[" * 100 + "]" * 100 + "\n"
    assert "nested more than 64 levels deep" in error_of(deep)


def test_overlay_tags_become_directives() -> None:
    tree = load_text("a: !delete\nb: !append [1]\nc: !replace {d: 1}\ne: !merge:name []\n",
                     "f.yaml")
    assert [tree.get(k).directive for k in "abce"] == [  # type: ignore[union-attr]
        "delete", "append", "replace", "merge:name"]


@pytest.mark.parametrize("text", ["a: !append 1\n", "a: !replace [1]\n", "a: !merge:name {}\n"])
def test_overlay_tags_on_the_wrong_kind_of_value_are_rejected(text: str) -> None:
    assert error_of(text).startswith("f.yaml:1:4: !")
