"""Each workflow's ingestion pipeline in OpenMetadata: its name and ``ingestionPipelineFQN``.

With ``ingestionPipelineFQN`` in its config, openmetadata-ingestion gets or creates that
``IngestionPipeline`` and writes one ``PipelineStatus`` per run to it
(``metadata/workflow/base.py``, ``workflow_status_mixin.py``; the same in 1.12, 1.13 and 2.0),
which is what OpenMetadata's UI shows on the service's *Agents* tab. Every workflow gets one:
``<serviceName>.<name>``, the name being the workflow file's (or ``dag.ingestionPipeline``),
unless the workflow sets ``ingestionPipelineFQN`` itself. The framework takes the pipeline's name
from the FQN's last part and its service from ``source.serviceName``.

Names are quoted the way OpenMetadata builds FQNs (``FullyQualifiedName.quoteName``, mirrored by
``metadata.utils.fqn.quote_name``): a part holding ``.`` is written in double quotes, and a name
holding ``"`` cannot be part of an FQN at all.
"""

from __future__ import annotations

from mwaa_gitops.config.provenance import Node

NAME_PATH = ("dag", "ingestionPipeline")
FQN_KEY = "ingestionPipelineFQN"
RUN_ID_KEY = "pipelineRunId"
LOGS_KEY = "enableStreamableLogs"
SERVICE_PATH = ("source", "serviceName")
# OpenMetadata's entityName (type/basic.json): 1-256 characters, no "::"; the FQN adds: no '"'.
MAX_NAME = 256


def quote_name(name: str) -> str:
    """``name`` as a part of an FQN: in double quotes when it holds a ``.``; raises
    :class:`ValueError` for a name OpenMetadata cannot quote (one holding ``"``)."""
    if '"' in name:
        raise ValueError(f"{name!r} holds '\"', which no FQN part may hold")
    return f'"{name}"' if "." in name else name


def name_problem(name: object) -> str | None:
    """Why ``name`` is not a pipeline name OpenMetadata accepts, or None."""
    if not isinstance(name, str) or not name:
        return "an ingestion pipeline name is a non-empty string"
    if len(name) > MAX_NAME:
        return f"an ingestion pipeline name has at most {MAX_NAME} characters"
    if "::" in name:
        return "OpenMetadata refuses '::' in entity names"
    if '"' in name:
        return "a name holding '\"' cannot be part of an FQN"
    if not name.isprintable() or name != name.strip():
        return "an ingestion pipeline name has no control characters or surrounding blanks"
    return None


def pipeline_name(workflow: str, tree: Node) -> tuple[str, Node | None]:
    """The pipeline's name (``dag.ingestionPipeline``, else the workflow's) and the node that
    set it (None: the workflow file's name)."""
    node = tree.get(*NAME_PATH)
    if node is not None and isinstance(node.value, str):
        return node.value, node
    return workflow, None


def split_fqn(fqn: str) -> list[str]:
    """The parts of an FQN, quotes removed (``a."b.c"`` → ``['a', 'b.c']``)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in fqn:
        if char == '"':
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def with_pipeline_fqn(workflow: str, tree: Node) -> Node:
    """``tree`` with ``ingestionPipelineFQN: <serviceName>.<name>`` unless it sets its own (or
    has no service name to build it from, which the schema reports). The value points at the
    line that set the name, else at the service name."""
    if not isinstance(tree.value, dict) or FQN_KEY in tree.value:
        return tree
    service = tree.get(*SERVICE_PATH)
    if service is None or not isinstance(service.value, str):
        return tree
    name, name_node = pipeline_name(workflow, tree)
    if name_problem(name) is not None or '"' in service.value:
        return tree  # the check reports the name; no FQN is built from it
    where = name_node or service
    fqn = Node(f"{quote_name(service.value)}.{quote_name(name)}", where.location,
               where.key_location)
    return Node({**tree.value, FQN_KEY: fqn}, tree.location, tree.key_location, tree.directive,
                tree.overridden, tree.removed)
