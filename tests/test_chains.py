"""`extends` chains: each layer merged once onto its parent's fold, the same as merged afresh."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mwaa_gitops.config.environments import build, chain_of
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.config.repository import Repository


def deep_chain(repo: Path, depth: int) -> None:
    """``base`` → ``layer000`` → … → ``local``, each layer changing a setting and a workflow."""
    parent = "base"
    for index in range(depth):
        folder = repo / "environments" / f"layer{index:03d}"
        (folder / "workflows").mkdir(parents=True)
        (folder / "environment.yaml").write_text(
            f"extends: {parent}\nabstract: true\ndagDefaults:\n  retries: {index % 5}\n"
            f"  tags: !append [t{index}]\n")
        if index % 7 == 0:
            (folder / "workflows" / "redshift_metadata.yaml").write_text(
                f"dag:\n  tags: !append [w{index}]\nsource:\n  sourceConfig:\n    config:\n"
                f"      includeViews: {str(index % 2 == 0).lower()}\n")
        parent = folder.name
    own = repo / "environments/local/environment.yaml"
    own.write_text(own.read_text().replace("extends: base", f"extends: {parent}"))


def located(node: Node) -> object:
    """The tree with every value's location, to compare provenance too."""
    if isinstance(node.value, dict):
        return {k: located(v) for k, v in node.value.items()}, str(node.location)
    if isinstance(node.value, list):
        return [located(v) for v in node.value], str(node.location)
    return node.value, str(node.location)


def test_a_layer_merged_onto_its_parents_fold_equals_the_chain_merged_afresh(
        repo: Path) -> None:
    deep_chain(repo, 60)
    shared = Repository(repo)
    layers = shared.layer_names()
    random.Random(7).shuffle(layers)
    for name in layers:  # parents and children in any order, folds reused across them
        build(shared, name)
    assert set(shared.folds) == set(layers)
    for name in ("local", "layer030", "dev"):
        fresh, reused = build(Repository(repo), name), build(shared, name)
        assert chain_of(Repository(repo), name) == reused.chain
        assert located(reused.settings) == located(fresh.settings)
        assert {k: located(v) for k, v in reused.workflows.items()} == \
            {k: located(v) for k, v in fresh.workflows.items()}
        assert reused.workflow_layers == fresh.workflow_layers


def test_every_layer_of_a_deep_chain_is_read_a_bounded_number_of_times(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep_chain(repo, 200)
    shared = Repository(repo)
    loads: list[Path] = []
    original = Repository.load

    def counting(self: Repository, path: Path) -> Node:
        loads.append(path)
        return original(self, path)

    monkeypatch.setattr(Repository, "load", counting)
    for name in shared.layer_names():
        build(shared, name)
    # A few reads of each layer's file (its chain, its fold, its own flags), however deep: a
    # chain merged from the root for each layer would read about 200 files per layer.
    layers = shared.layer_names()
    per_layer = len([p for p in loads if p.name == "environment.yaml"]) / len(layers)
    assert per_layer <= 4
