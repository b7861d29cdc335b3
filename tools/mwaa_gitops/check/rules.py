"""Domain rules the schemas cannot express, one function and one message each."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from mwaa_gitops.check.messages import plaintext_secret
from mwaa_gitops.diagnostics import Diagnostic, Location
from mwaa_gitops.environments import MergedEnvironment
from mwaa_gitops.provenance import Node, dotted
from mwaa_gitops.requirements_data import major_minor
from mwaa_gitops.secrets import EXAMPLE, has_url_credentials, is_reference, is_secret_name

CONNECTION = ("source", "serviceConnection", "config", "connection")
SERVER = ("workflowConfig", "openMetadataServerConfig")
WORKFLOW_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,99}$")
ENVIRONMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,62}$")


def ecs_needs_real_connection(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """ECS tasks run outside MWAA, where Airflow's `Backend` session does not exist."""
    for name, tree in env.workflows.items():
        approach = tree.get("dag", "approach")
        kind = tree.get(*CONNECTION, "type")
        if approach and approach.value == "ecs" and kind and kind.value == "Backend":
            yield Diagnostic(
                kind.location,
                f"workflow '{name}' runs on ECS (approach set at {approach.location}), where a "
                "'Backend' connection cannot reach Airflow's metadata database",
                "use a Postgres or Mysql connection (find it with the connection discovery DAG: "
                "render --discovery), or approach python/virtualenv", "ecs-backend")


def ecs_needs_settings(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """An ECS workflow needs the environment's `ecs:` settings."""
    if env.settings.get("ecs") is not None:
        return
    for name, tree in env.workflows.items():
        approach = tree.get("dag", "approach")
        if approach and approach.value == "ecs":
            yield Diagnostic(approach.location, f"workflow '{name}' runs on ECS but environment "
                             f"'{env.name}' has no 'ecs:' settings",
                             "add cluster, taskDefinition, subnets, containerName and logGroup "
                             "under 'ecs:' in environment.yaml", "ecs-settings")


def unique_dag_ids(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Two DAGs with one id: Airflow would keep only one of them."""
    yield from _unique(env, lambda name, tree: tree.get("dag", "dagId"), "dag id",
                       lambda name: name)


def unique_service_names(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Two workflows writing one OpenMetadata service would overwrite each other's metadata."""
    yield from _unique(env, lambda name, tree: tree.get("source", "serviceName"),
                       "service name", None)


def ingestion_matches_server(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """The ingestion client must be the server's major.minor release."""
    client = env.settings.get("openmetadata", "ingestionVersion")
    server = env.settings.get("openmetadata", "serverVersion")
    if client is None or server is None:
        return
    c, s = major_minor(str(client.value)), major_minor(str(server.value))
    if c and s and c != s:
        yield Diagnostic(client.location,
                         f"openmetadata-ingestion {client.value} does not match the OpenMetadata "
                         f"server {server.value} (set at {server.location}): major.minor must be "
                         "equal", f"use an openmetadata-ingestion {s[0]}.{s[1]} release",
                         "version-mismatch")


def secrets_are_references(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Credentials by field name, wherever they sit (the schemas catch the rest by format)."""
    trees = [("environment", env.settings), *env.workflows.items()]
    for _, tree in trees:
        yield from plaintext_secrets(tree)


def plaintext_secrets(tree: Node) -> Iterator[Diagnostic]:
    """Every credential-named field holding a value rather than a reference, and every URL
    with a password in it."""
    for path, node in tree.walk():
        value = node.value
        if isinstance(value, (dict, list)) or value is None or value == "":
            continue
        if path and isinstance(path[-1], str) and is_secret_name(path[-1]) and \
                not isinstance(value, bool) and not is_reference(value):
            yield plaintext_secret(tree, path)
        elif has_url_credentials(value):
            yield Diagnostic(node.location, "a URL with a password in it", "put the password "
                             f"in a secret field as a reference ({EXAMPLE}), or drop it from "
                             "the URL", "plaintext-secret", subject=dotted(path))


def secret_references_need_a_provider(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """`secret:` references are resolved by OpenMetadata's secrets manager, which must be set."""
    for tree in env.workflows.values():
        provider = tree.get(*SERVER, "secretsManagerProvider")
        if provider is not None and provider.value not in (None, "db"):
            continue
        for path, node in tree.walk():
            if isinstance(node.value, str) and node.value.startswith("secret:"):
                yield Diagnostic(
                    node.location, "a 'secret:' reference needs OpenMetadata's secrets manager, "
                    "but no secretsManagerProvider is set, so the text itself would be used",
                    "set openmetadata.server.secretsManagerProvider (e.g. aws) in "
                    "environment.yaml", "secret-provider", subject=dotted(path))


def workflow_names(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Workflow names become file names in the bucket: keep them plain."""
    for name, tree in env.workflows.items():
        if not WORKFLOW_NAME.match(name):
            yield Diagnostic(Location(tree.location.path), f"workflow file name '{name}' is "
                             "not usable as a DAG file name",
                             "use letters, digits, '_' or '-' (up to 100)", "workflow-name")


def environment_name(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Environment names reach file headers, CI job names and GitHub environments."""
    if not ENVIRONMENT_NAME.match(env.name):
        yield Diagnostic(env.location, f"environment folder name "
                         f"{env.name!r} is not usable as an environment name",
                         "use letters, digits, '_' or '-' (up to 63), starting with a letter or "
                         "digit", "environment-name")


RULES: tuple[Callable[[MergedEnvironment], Iterator[Diagnostic]], ...] = (
    ecs_needs_real_connection, ecs_needs_settings, unique_dag_ids, unique_service_names,
    ingestion_matches_server, secrets_are_references, workflow_names,
    environment_name, secret_references_need_a_provider,
)


def _unique(env: MergedEnvironment, pick: Callable[[str, Node], Node | None], what: str,
            default: Callable[[str], str] | None) -> Iterator[Diagnostic]:
    seen: dict[object, tuple[str, Location]] = {}
    for name, tree in env.workflows.items():
        node = pick(name, tree)
        enabled = tree.get("dag", "enabled")
        if enabled is not None and enabled.value is False:
            continue
        if node is None and default is None:
            continue
        value = node.value if node is not None else default(name) if default else None
        location = node.location if node is not None else Location(tree.location.path)
        if value in seen:
            other, where = seen[value]
            yield Diagnostic(location, f"{what} '{value}' is used by workflows '{other}' and "
                             f"'{name}' in environment '{env.name}' (first at {where})",
                             f"give each workflow its own {what}",
                             "duplicate-" + what.replace(" ", "-"))
        else:
            seen[value] = (name, location)
