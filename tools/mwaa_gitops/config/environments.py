"""Environments: parent chains and the merged environment + workflow trees they produce."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from mwaa_gitops.config.ingestion_pipeline import LOGS_KEY, with_pipeline_fqn
from mwaa_gitops.config.overlay import merge, resolve
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.config.repository import ENVIRONMENT_FILE, Folded, Repository
from mwaa_gitops.diagnostics import ConfigError, Location, did_you_mean
from mwaa_gitops.facts.airflow_connector import CONNECTION_PATH, MWAA_CONFIG_PATH

# Keys that describe a layer itself rather than settings it passes on to its children.
LAYER_KEYS = ("extends", "abstract")
SERVER_PATH = ("workflowConfig", "openMetadataServerConfig")


@dataclass(frozen=True)
class MergedEnvironment:
    """One environment after merging: its settings and its workflows, with provenance."""

    name: str
    chain: tuple[str, ...]
    abstract: bool
    settings: Node
    workflows: dict[str, Node]
    workflow_layers: dict[str, tuple[str, ...]]
    location: Location  # the environment's own environment.yaml
    root: Path | None = None  # the repository's root: where its locks/ are

    def layer_of(self, location: Location) -> int:
        """Position in the chain of the layer whose file holds ``location`` (-1: none): a
        later layer's setting is the change that brought a problem, and the place to fix it."""
        path = PurePosixPath(location.path)
        # environments/<layer>/environment.yaml or environments/<layer>/workflows/<name>.yaml
        layer = (path.parent if path.name == ENVIRONMENT_FILE else path.parent.parent).name
        return self.chain.index(layer) if layer in self.chain else -1


def chain_of(repo: Repository, name: str) -> tuple[str, ...]:
    """The layers of ``name`` from the root down, e.g. ``('base', 'dev')``; a chain already
    known (of a parent) is reused, so every layer's chain costs one step."""
    known = set(repo.layer_names())
    if name not in known:
        raise ConfigError.at(Location(repo.display(repo.environments_dir)),
                             f"unknown environment '{name}'", did_you_mean(name, known),
                             code="usage")  # only a name from the command line can be unknown
    chain: list[str] = []
    current: str | None = name
    above: tuple[str, ...] = ()
    while current is not None:
        if current in repo.chains:
            above = repo.chains[current]  # cycle-free, or it would not have been kept
            break
        if current in chain:
            node = repo.load(repo.environment_file(chain[-1])).get("extends")
            cycle = " → ".join([*chain, current])
            raise ConfigError.at(node.location if node else Location(chain[-1]),
                                 f"'extends' forms a cycle: {cycle}",
                                 "one layer in the chain must have no 'extends'", code="cycle")
        chain.append(current)
        node = repo.load(repo.environment_file(current)).get("extends")
        if node is None or node.value is None:
            current = None
        elif not isinstance(node.value, str):
            raise ConfigError.at(node.location, "'extends' names one parent environment",
                                 code="type")
        elif node.value not in known:
            raise ConfigError.at(node.location, f"'extends' names unknown environment "
                                 f"'{node.value}'", did_you_mean(node.value, known),
                                 code="unknown-parent")
        else:
            current = node.value
    found = (*above, *reversed(chain))
    for index in range(len(above), len(found)):
        repo.chains.setdefault(found[index], found[:index + 1])
    return found


def build(repo: Repository, name: str) -> MergedEnvironment:
    """Merge the environment ``name`` and every workflow visible to it."""
    chain = chain_of(repo, name)
    own = repo.load(repo.environment_file(name))
    abstract_node = own.get("abstract")
    abstract = bool(abstract_node.value) if abstract_node else False
    folded = _folded(repo, chain)
    settings = resolve(folded.settings)
    workflows = {wf: with_pipeline_fqn(wf, _with_mwaa_facts(settings, resolve(merge(
                     _defaults_layer(settings, folded.starts[wf]),
                     folded.workflows[wf]))))
                 for wf in sorted(folded.workflows)}
    return MergedEnvironment(name, chain, abstract, settings, workflows,
                             dict(folded.workflow_layers), own.location, repo.root)


def _folded(repo: Repository, chain: tuple[str, ...]) -> Folded:
    """The layers of ``chain`` folded, each layer onto its parent's fold (kept per layer:
    ``merge`` is associative, so this is the chain merged in one go)."""
    start = next((i for i in range(len(chain), 0, -1) if chain[i - 1] in repo.folds), 0)
    folded = repo.folds[chain[start - 1]] if start else None
    for layer in chain[start:]:
        own = _settings_layer(repo.load(repo.environment_file(layer)))
        files = {wf: repo.load(path) for wf, path in repo.workflow_files(layer).items()}
        if folded is None:
            folded = Folded(own, files, dict.fromkeys(files, (layer,)),
                            {wf: node.location for wf, node in files.items()})
        else:
            workflows = dict(folded.workflows)
            layers = dict(folded.workflow_layers)
            starts = dict(folded.starts)
            for wf, node in files.items():
                workflows[wf] = merge(workflows.get(wf), node)
                layers[wf] = (*layers.get(wf, ()), layer)
                starts.setdefault(wf, node.location)
            folded = Folded(merge(folded.settings, own), workflows, layers, starts)
        repo.folds[layer] = folded
    assert folded is not None  # a chain has at least its own layer
    return folded


def _settings_layer(node: Node) -> Node:
    return Node({k: v for k, v in node.value.items() if k not in LAYER_KEYS},
                node.location, node.key_location)


def _defaults_layer(settings: Node, workflow_file: Location) -> Node:
    """What an environment gives every workflow: dag defaults, its OpenMetadata server and
    whether runs stream their logs to it (``openmetadata.enableStreamableLogs``).

    The layer's root points at the workflow's first file, so problems with the workflow as a
    whole (a missing `sink:`) point there rather than at environment.yaml.
    """
    top: dict[str, Node] = {}
    dag_defaults = settings.get("dagDefaults")
    if dag_defaults is not None and isinstance(dag_defaults.value, dict):
        top["dag"] = dag_defaults
    server = settings.get("openmetadata", "server")
    if server is not None and isinstance(server.value, dict):
        top[SERVER_PATH[0]] = Node({SERVER_PATH[1]: server}, server.location)
    logs = settings.get("openmetadata", LOGS_KEY)
    if logs is not None:
        top[LOGS_KEY] = logs
    return Node(top, workflow_file)


def _with_mwaa_facts(settings: Node, tree: Node) -> Node:
    """A ``RestAPI`` connection with MWAA authentication gets the environment's MWAA name and
    region wherever the workflow leaves them out, as every workflow gets the environment's
    OpenMetadata server: the facts live once, in environment.yaml, and point there."""
    kind = tree.get(*CONNECTION_PATH, "type")
    auth = tree.get(*MWAA_CONFIG_PATH)
    if kind is None or kind.value != "RestAPI" or auth is None or not isinstance(auth.value, dict):
        return tree
    name = settings.get("mwaa", "environmentName")
    if name is not None:
        tree = _with_default(tree, MWAA_CONFIG_PATH, "mwaaEnvironmentName", name)
    region = settings.get("mwaa", "region")
    if region is not None:
        aws = tree.get(*MWAA_CONFIG_PATH, "awsConfig")
        if aws is None:
            tree = _with_default(tree, MWAA_CONFIG_PATH, "awsConfig",
                                 Node({"awsRegion": region}, region.location, region.key_location))
        elif isinstance(aws.value, dict):
            tree = _with_default(tree, (*MWAA_CONFIG_PATH, "awsConfig"), "awsRegion", region)
    return tree


def _with_default(node: Node, path: tuple[str, ...], key: str, value: Node) -> Node:
    """``node`` with ``key: value`` added to the map at ``path`` unless it is set there; the maps
    on the way are copied (trees are shared), and keys keep their order."""
    if not path:
        if key in node.value:
            return node
        return Node({**node.value, key: value}, node.location, node.key_location, node.directive,
                    node.overridden, node.removed)
    child = node.value[path[0]]
    changed = _with_default(child, path[1:], key, value)
    if changed is child:
        return node
    return Node({**node.value, path[0]: changed}, node.location, node.key_location,
                node.directive, node.overridden, node.removed)


def describe(repo: Repository, name: str) -> dict[str, Any]:
    """One environment's facts, from its merged settings (unchecked: listing must not fail)."""
    merged = build(repo, name)
    mwaa = merged.settings.plain().get("mwaa", {})
    return {
        "name": name,
        "chain": list(chain_of(repo, name)),
        "environmentName": mwaa.get("environmentName"),
        "region": mwaa.get("region"),
        "airflowVersion": mwaa.get("airflowVersion"),
        "target": mwaa.get("target"),
        "workflows": len(merged.workflows),
    }
