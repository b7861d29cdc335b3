"""``source.type``: a connector the environment's openmetadata-ingestion release ships.

openmetadata-ingestion imports a workflow's source from
``metadata.ingestion.source.<service>.<module>`` where the module is ``source.type``, lowered,
up to its first ``-`` (``metadata/utils/importer.py``: ``get_module_dir``); a type of no such
module fails only when the DAG runs (``MissingPluginException``). A type starting with
``custom`` is the exception: the class named by the connection's ``sourcePythonClass`` is
imported instead (``metadata/workflow/ingestion.py``: ``import_source_class``,
``CUSTOM_CONNECTOR_PREFIX``), in 1.12, 1.13 and 2.0 alike. The modules each release ships are
vendored with its extras (:func:`mwaa_gitops.facts.requirements_data.connectors`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

from mwaa_gitops.diagnostics import Diagnostic
from mwaa_gitops.facts import package_index, requirements_data
from mwaa_gitops.facts.kinds import SOURCE_CONFIG_TYPE, SOURCE_TYPE, kind_from

if TYPE_CHECKING:
    from mwaa_gitops.config.environments import MergedEnvironment
    from mwaa_gitops.config.provenance import Node

CUSTOM_PREFIX = "custom"  # openmetadata-ingestion's CUSTOM_CONNECTOR_PREFIX
CLASS_PATH = ("source", "serviceConnection", "config", "sourcePythonClass")
# Kinds whose source is a connector module (a test suite's source is `TestSuite`, the search
# reindex's the server's own).
CONNECTOR_KINDS = frozenset({"metadata", "lineage", "usage", "dbt", "profiler",
                             "autoClassification"})


@cache
def connector_modules(ingestion: str) -> frozenset[str] | None:
    """Every connector module of that release (None: not known here, so nothing is refused)."""
    try:
        data = requirements_data.connectors(ingestion)
    except package_index.IndexUnavailable:
        return None
    if data is None:
        return None
    return frozenset(module for modules in data[1].values() for module in modules)


def known_source_types(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """A ``source.type`` of no connector module of the release is refused with the nearest
    one; a custom connector must name its class."""
    version = env.settings.get("openmetadata", "ingestionVersion")
    if version is None or not isinstance(version.value, str):
        return
    modules: frozenset[str] | None = None
    for name, tree in env.workflows.items():
        enabled = tree.get("dag", "enabled")
        node = tree.get(*SOURCE_TYPE)
        if (enabled is not None and enabled.value is False) or node is None or \
                not isinstance(node.value, str) or _kind(tree, node.value) not in CONNECTOR_KINDS:
            continue
        lowered = node.value.lower()
        if lowered.startswith(CUSTOM_PREFIX):
            if tree.get(*CLASS_PATH) is None:
                yield Diagnostic(node.location, f"workflow '{name}' uses the custom connector "
                                 f"'{node.value}' but names no class to run it",
                                 "set source.serviceConnection.config.sourcePythonClass to the "
                                 "dotted path of the connector's Source class",
                                 "custom-connector-class", subject="source.type")
            continue
        modules = modules if modules is not None else connector_modules(version.value)
        if modules is None:
            return
        module, dash, rest = lowered.partition("-")
        if module in modules:
            continue
        close = difflib.get_close_matches(module, sorted(modules), n=1)
        hint = (f"did you mean '{close[0]}{dash}{rest}'?" if close else
                "use a connector of the release (a module under metadata/ingestion/source/), "
                "or a Custom… type with sourcePythonClass")
        # A type no supported release knows is one problem, whatever the environment's release.
        release = (f" {version.value} (set at {version.location})"
                   if any(module in (connector_modules(v) or ()) for v in
                          requirements_data.vendored_ingestion()) else "")
        yield Diagnostic(node.location, f"source type '{node.value}' of workflow '{name}' is "
                         f"no connector of openmetadata-ingestion{release}: the DAG would fail "
                         "to import its source", hint, "unknown-source-type",
                         subject="source.type")


def _kind(tree: Node, source_type: str) -> str:
    config_type = tree.get(*SOURCE_CONFIG_TYPE)
    return kind_from(config_type.value if config_type else None, source_type).name
