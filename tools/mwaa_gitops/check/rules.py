"""Domain rules the schemas cannot express, one function and one message each."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from mwaa_gitops.check.kind_rules import kind_node, kind_rules
from mwaa_gitops.check.messages import plaintext_secret, set_at
from mwaa_gitops.check.secrets import EXAMPLE, find_plaintext, shown_path
from mwaa_gitops.check.sources import known_source_types
from mwaa_gitops.config.ingestion_pipeline import (
    FQN_KEY,
    NAME_PATH,
    RUN_ID_KEY,
    SERVICE_PATH,
    name_problem,
    split_fqn,
)
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import Diagnostic, Location
from mwaa_gitops.facts.airflow_connector import (
    CONNECTION_PATH,
    MWAA_AUTH_SINCE,
    MWAA_CONFIG_PATH,
    RESTAPI_HINT,
)
from mwaa_gitops.facts.requirements_data import major_minor, release_tuple

if TYPE_CHECKING:
    from mwaa_gitops.config.environments import MergedEnvironment

CONNECTION = CONNECTION_PATH
SERVER = ("workflowConfig", "openMetadataServerConfig")
WORKFLOW_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,99}$")
# The last start date whose runs Airflow can schedule: a run's data interval, up to a year long
# (@yearly), must end by 9999-12-31 (Airflow 2.10.3's DAG.next_dagrun_info raises OverflowError
# for a @daily DAG starting 9999-12-31).
LATEST_START = date(9997, 12, 31)
DATE_FORM = re.compile(r"\d{4}-\d{2}-\d{2}")  # dag.schema.json's startDate pattern
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


def backend_needs_airflow_2(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """On Airflow 3 no task process may read the metadata database (the task supervisor blocks
    the ORM and blanks ``sql_alchemy_conn``), so a ``Backend`` connection cannot work in a
    python or virtualenv task (ECS has its own rule). Reported where the later layer set the
    connection or the Airflow version: the change that brought the two together."""
    airflow = env.settings.get("mwaa", "airflowVersion")
    if airflow is None or release_tuple(str(airflow.value))[:1] < (3,):
        return
    for name, tree in _enabled(env):
        approach = tree.get("dag", "approach")
        kind = tree.get(*CONNECTION, "type")
        if kind is None or kind.value != "Backend" or (approach and approach.value == "ecs"):
            continue
        # On a tie the connection: the workflow's own fix, one report per workflow.
        here = airflow if env.layer_of(airflow.location) > env.layer_of(kind.location) else kind
        yield Diagnostic(
            here.location,
            f"workflow '{name}' has a 'Backend' connection{set_at(kind, here.location)}, but "
            f"on Airflow {airflow.value}{set_at(airflow, here.location)} task processes have "
            "no access to the metadata database (the task supervisor blocks it), so the "
            "workflow would extract nothing", RESTAPI_HINT, "backend-airflow3")


def mwaa_auth_needs_ingestion(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """MWAA authentication of the ``RestAPI`` connection came with openmetadata-ingestion
    1.12.4; an older release rejects the config."""
    ingestion = env.settings.get("openmetadata", "ingestionVersion")
    if ingestion is None or release_tuple(str(ingestion.value)) >= MWAA_AUTH_SINCE:
        return
    since = ".".join(map(str, MWAA_AUTH_SINCE))
    for name, tree in _enabled(env):
        auth = tree.get(*MWAA_CONFIG_PATH)
        if auth is not None and isinstance(auth.value, dict):
            where = auth.key_location or auth.location
            yield Diagnostic(where, f"workflow '{name}' authenticates to MWAA (mwaaConfig), which "
                             f"openmetadata-ingestion {ingestion.value} (set at "
                             f"{ingestion.location}) does not support",
                             f"use openmetadata-ingestion {since} or later",
                             "mwaa-auth-version")


def discovery_needs_airflow_2(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """The connection discovery DAG reads ``sql_alchemy_conn`` in a task: Airflow 2 only."""
    enabled = env.settings.get("discovery", "enabled")
    airflow = env.settings.get("mwaa", "airflowVersion")
    if enabled is None or enabled.value is not True or airflow is None or \
            release_tuple(str(airflow.value))[:1] < (3,):
        return
    yield Diagnostic(enabled.location, f"the connection discovery DAG cannot run on Airflow "
                     f"{airflow.value} (set at {airflow.location}): no task can read the "
                     "metadata database there", f"remove discovery.enabled, and {RESTAPI_HINT}",
                     "discovery-airflow3")


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
    """Two workflows of one kind writing one OpenMetadata service would overwrite each other's
    metadata; workflows of different kinds share their service (usage, profiler and dbt add to
    the tables a metadata workflow wrote)."""
    yield from _unique(env, lambda name, tree: tree.get("source", "serviceName"),
                       "service name", None, lambda tree: kind_node(tree)[0].name)


def ingestion_pipelines(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Each workflow's ``ingestionPipelineFQN`` names a pipeline OpenMetadata accepts, of the
    workflow's own service (the framework creates it under ``source.serviceName`` with the
    FQN's last part as its name), and no two workflows of a service share one: their runs
    would land in one history."""
    for name, tree in _enabled(env):
        own = _own_fqn(tree)
        service = tree.get(*SERVICE_PATH)
        set_name = tree.get(*NAME_PATH)
        if own is not None and set_name is not None:
            yield Diagnostic(set_name.location, f"workflow '{name}' sets both "
                             f"dag.ingestionPipeline and {FQN_KEY} (at {own.location})",
                             "keep one of them", "ingestion-pipeline")
        if own is not None:
            parts = split_fqn(own.value) if isinstance(own.value, str) else []
            problem = name_problem(parts[-1]) if parts else "it is not a string"
            if service is not None and isinstance(service.value, str) and \
                    kind_node(tree)[0].name != "TestSuite" and parts[:-1] != [service.value]:
                problem = problem or (f"it is not <serviceName>.<name> of service "
                                      f"'{service.value}' (set at {service.location})")
            if problem is not None:
                yield Diagnostic(own.location, f"{FQN_KEY} '{own.value}' of workflow '{name}' "
                                 f"is not an ingestion pipeline OpenMetadata can record runs "
                                 f"of: {problem}", f"leave {FQN_KEY} out (mwaa-gitops sets "
                                 "<serviceName>.<workflow name>), or name the pipeline with "
                                 "dag.ingestionPipeline", "ingestion-pipeline")
        # A name set in the dag block is checked by its schema (dag.schema.json).
    yield from _unique(env, lambda name, tree: tree.get(FQN_KEY), "ingestion pipeline", None)


def run_ids_are_per_run(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """A ``pipelineRunId`` in a file would be every run's: each run would overwrite one row of
    the pipeline's run history. The rendered DAG gives every Airflow run its own."""
    for name, tree in env.workflows.items():
        node = tree.get(RUN_ID_KEY)
        if node is not None and node.value is not None:
            yield Diagnostic(node.location, f"workflow '{name}' sets {RUN_ID_KEY}, so every run "
                             "would overwrite the status of one run in OpenMetadata",
                             f"leave {RUN_ID_KEY} out: the rendered DAG sets one per Airflow "
                             "run, the same across its retries", "static-run-id")


def _own_fqn(tree: Node) -> Node | None:
    """The ``ingestionPipelineFQN`` a workflow file sets (not the one built for it)."""
    node = tree.get(FQN_KEY)
    if node is None:
        return None
    named = tree.get(*NAME_PATH) or tree.get(*SERVICE_PATH)
    # The built value points at the name or the service; a file's own value at its own line.
    built = named is not None and node.location == named.location and node.key_location == \
        named.key_location
    return None if built else node


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
    """Every secret written in clear, as :mod:`mwaa_gitops.check.secrets` defines it."""
    for path, node, why in find_plaintext(tree):
        if why == "plaintext secret":
            yield plaintext_secret(tree, path)
        else:
            yield Diagnostic(node.location, why, "put the secret in a secret field as a "
                             f"reference ({EXAMPLE}), and leave it out of the text",
                             "plaintext-secret", subject=shown_path(path))


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
                    "environment.yaml", "secret-provider", subject=shown_path(path))


def workflow_names(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Workflow names become file names in the bucket: keep them plain."""
    for name, tree in env.workflows.items():
        if not WORKFLOW_NAME.fullmatch(name):
            yield Diagnostic(Location(tree.location.path), f"workflow file name '{name}' is "
                             "not usable as a DAG file name",
                             "use ASCII letters, digits, '_' or '-' (up to 100)", "workflow-name")


def names_apart_in_case(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Workflow files, and DAG ids, that differ only in letter case are one file, one id where
    case is folded: a checkout on macOS or Windows keeps one of the two files, and the rendered
    keys (named after the workflow) are one object for tools that fold case. Exact duplicates
    are :func:`unique_dag_ids`'."""
    names: dict[str, str] = {}
    for name, tree in env.workflows.items():
        other = names.setdefault(name.casefold(), name)
        if other != name:
            here, there = _later(env, Location(tree.location.path),
                                 Location(env.workflows[other].location.path))
            yield Diagnostic(here, f"workflow files '{other}' and '{name}' differ only in "
                             f"letter case (also {there.path}): one file, and one bucket key, "
                             "where case is folded (macOS, Windows)",
                             "rename one of them", "case-collision")
    ids: dict[str, tuple[str, Node]] = {}
    for name, tree in _enabled(env):
        node = tree.get("dag", "dagId")
        value = node.value if node is not None else name
        if not isinstance(value, str) or (node is None and names[name.casefold()] != name):
            continue  # a default id of a name reported above
        seen = ids.setdefault(value.casefold(), (value, node or Node(name, tree.location)))
        if seen[0] != value:
            here, there = _later(env, (node or seen[1]).location, seen[1].location)
            yield Diagnostic(here, f"dag ids '{seen[0]}' and '{value}' differ only in letter "
                             f"case (also set at {there})", "give each workflow a dag id "
                             "that differs in more than case", "case-collision",
                             subject="dag.dagId")


def start_dates_exist(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """``dag.startDate`` is a day of the calendar: the schema checks only its form, and the
    rendered DAG reads it with ``datetime.fromisoformat``, so ``2024-02-30`` would be an import
    error in Airflow."""
    for name, tree in env.workflows.items():
        node = tree.get("dag", "startDate")
        if node is None or not isinstance(node.value, str) or \
                not DATE_FORM.fullmatch(node.value):
            continue  # the schema reports other forms
        try:
            day = date.fromisoformat(node.value)
        except ValueError:
            yield Diagnostic(node.location, f"startDate '{node.value}' of workflow '{name}' is "
                             "no day of the calendar: the DAG would fail to import",
                             "write a date that exists, YYYY-MM-DD (e.g. 2024-01-01)",
                             "start-date", subject="dag.startDate")
            continue
        if day > LATEST_START:
            yield Diagnostic(node.location, f"startDate '{node.value}' of workflow '{name}' is "
                             f"after {LATEST_START}: the scheduler's run intervals would end "
                             "past Python's last datetime (year 9999)",
                             f"write a date up to {LATEST_START}", "start-date",
                             subject="dag.startDate")


def _later(env: MergedEnvironment, one: Location, other: Location) -> tuple[Location, Location]:
    """The location set by the later layer first: that is the change to fix."""
    return (one, other) if env.layer_of(one) >= env.layer_of(other) else (other, one)


def environment_name(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Environment names reach file headers, CI job names and GitHub environments."""
    if not ENVIRONMENT_NAME.fullmatch(env.name):
        yield Diagnostic(env.location, f"environment folder name "
                         f"{env.name!r} is not usable as an environment name",
                         "use ASCII letters, digits, '_' or '-' (up to 63), starting with a "
                         "letter or digit", "environment-name")


RULES: tuple[Callable[[MergedEnvironment], Iterator[Diagnostic]], ...] = (
    ecs_needs_real_connection, ecs_needs_settings, backend_needs_airflow_2,
    mwaa_auth_needs_ingestion, discovery_needs_airflow_2, unique_dag_ids, unique_service_names,
    ingestion_matches_server, secrets_are_references, workflow_names,
    environment_name, secret_references_need_a_provider, kind_rules, ingestion_pipelines,
    run_ids_are_per_run, known_source_types, names_apart_in_case, start_dates_exist,
)


def _unique(env: MergedEnvironment, pick: Callable[[str, Node], Node | None], what: str,
            default: Callable[[str], str] | None,
            scope: Callable[[Node], str] | None = None) -> Iterator[Diagnostic]:
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
        key = (scope(tree), value) if scope is not None else value
        if key in seen:
            other, where = seen[key]
            # Shown where the upper layer set it: that is the file the change was made in.
            here, there = ((where, location) if env.layer_of(where) > env.layer_of(location)
                           else (location, where))
            yield Diagnostic(here, f"{what} '{value}' is used by workflows '{other}' and "
                             f"'{name}' in environment '{env.name}' (also set at {there})",
                             f"give each workflow its own {what}",
                             "duplicate-" + what.replace(" ", "-"))
        else:
            seen[key] = (name, location)


def _enabled(env: MergedEnvironment) -> Iterator[tuple[str, Node]]:
    """The workflows that the environment deploys (``dag.enabled`` is not false)."""
    for name, tree in env.workflows.items():
        enabled = tree.get("dag", "enabled")
        if enabled is None or enabled.value is not False:
            yield name, tree

