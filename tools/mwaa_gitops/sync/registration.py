"""Registration: each workflow's ``IngestionPipeline`` in OpenMetadata, created from git.

With ``openmetadata.registerPipelines: true``, ``sync`` puts every rendered workflow's pipeline
(:mod:`mwaa_gitops.render.ingestion_pipelines`) into OpenMetadata with
``PUT /api/v1/services/ingestionPipelines`` (create or update), so the service page lists it
before its first run, with the DAG's schedule; and it disables (``PATCH enabled: false``) the
pipelines of workflows it no longer renders. Like the bucket's manifest, a record in the target
(``.mwaa-gitops/ingestion-pipelines.json``) says which pipelines this repository registered and
which of them it *created*: only those are ever disabled; a pipeline that existed before (made
in the UI, or by a workflow's first run) is updated while its workflow exists and left alone
after.

``plan`` compares the rendered requests with the record by digest (no server call, no token);
``apply`` talks to the server, after the bucket sync, and never undoes it: a refusal (401/403,
an unknown service) is reported at the setting or the workflow line it concerns, the other
pipelines are still registered, and the record keeps what was done.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from mwaa_gitops.config.model import Environment
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location
from mwaa_gitops.render.ingestion_pipelines import PipelineRequest, pipeline_requests
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.openmetadata import OpenMetadataClient, OpenMetadataRefused, quoted
from mwaa_gitops.sync.targets import RESERVED, Target

RECORD_KEY = RESERVED + "ingestion-pipelines.json"
FORMAT = "mwaa-gitops/ingestion-pipelines"
VERSION = 1
COLLECTION = "/services/ingestionPipelines"
PERMISSIONS_HINT = ("give the bot whose token it is the Create, EditAll and "
                    "EditIngestionPipelineStatus operations on ingestion pipelines "
                    "(docs/openmetadata.md#the-bots-permissions)")


class Change(str, Enum):
    add = "add"
    update = "update"
    disable = "disable"
    forget = "forget"  # no longer rendered, not created by us: left as it is
    unchanged = "unchanged"


@dataclass(frozen=True)
class Owned:
    """One pipeline this repository registered."""

    sha256: str
    created: bool  # created by a sync (not found there before): only these are disabled
    enabled: bool = True


@dataclass(frozen=True)
class Record:
    """What registration left in OpenMetadata, kept in the target."""

    environment: str
    pipelines: dict[str, Owned] = field(default_factory=dict)

    def to_json(self) -> bytes:
        document = {"format": FORMAT, "version": VERSION, "environment": self.environment,
                    "pipelines": {fqn: {"sha256": p.sha256, "created": p.created,
                                        "enabled": p.enabled}
                                  for fqn, p in sorted(self.pipelines.items())}}
        return (json.dumps(document, indent=1) + "\n").encode()


def parse_record(data: bytes, where: str) -> Record:
    """A stored record; anything unreadable stops (ownership must not be guessed)."""
    try:
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("format") != FORMAT or \
                document.get("version") != VERSION:
            raise ValueError(f"not a version {VERSION} {FORMAT} record")
        pipelines = {}
        for fqn, entry in document["pipelines"].items():
            if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
                    and isinstance(entry.get("created"), bool)
                    and isinstance(entry.get("enabled", True), bool)):
                raise ValueError(f"entry of {fqn!r} is malformed")
            pipelines[fqn] = Owned(entry["sha256"], entry["created"], entry.get("enabled", True))
        return Record(str(document["environment"]), pipelines)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SyncError(f"{where} is not a readable registration record ({exc})",
                        "it is written only by mwaa-gitops; restore an earlier version of it, "
                        "or remove it (no pipeline will be disabled then)") from None


def load_record(target: Target, environment: str) -> Record:
    """The stored record, or an empty one before the first registration."""
    found = target.read(RECORD_KEY)
    if found is None:
        return Record(environment)
    return parse_record(found[0], f"{target.url}/{RECORD_KEY}")


@dataclass(frozen=True)
class Step:
    """One pipeline and what registration does with it."""

    fqn: str
    change: Change
    request: PipelineRequest | None  # None for pipelines no longer rendered
    note: str | None = None


@dataclass(frozen=True)
class RegistrationPlan:
    """What registering an environment's pipelines would do."""

    server: str
    steps: tuple[Step, ...]
    record: Record

    def of(self, *changes: Change) -> list[Step]:
        return [s for s in self.steps if s.change in changes]

    @property
    def nothing_to_do(self) -> bool:
        return not self.of(Change.add, Change.update, Change.disable, Change.forget)

    def counts(self) -> dict[str, int]:
        return {c.value: len(self.of(c)) for c in Change}


def make_plan(requests: Mapping[str, PipelineRequest], record: Record,
              server: str) -> RegistrationPlan:
    """Compare the rendered pipelines with the record (pure)."""
    steps: list[Step] = []
    for fqn, request in sorted(requests.items()):
        owned = record.pipelines.get(fqn)
        if owned is None:
            steps.append(Step(fqn, Change.add, request))
        elif not owned.enabled:
            steps.append(Step(fqn, Change.add, request, "enabled again"))
        elif owned.sha256 != request.digest:
            steps.append(Step(fqn, Change.update, request))
        else:
            steps.append(Step(fqn, Change.unchanged, request))
    for fqn, owned in sorted(record.pipelines.items()):
        if fqn in requests or not owned.enabled:
            continue
        if owned.created:
            steps.append(Step(fqn, Change.disable, None, "its workflow is no longer rendered"))
        else:
            steps.append(Step(fqn, Change.forget, None, "not created by mwaa-gitops: left as "
                                                        "it is"))
    order = list(Change)
    steps.sort(key=lambda s: (order.index(s.change), s.fqn))
    return RegistrationPlan(server, tuple(steps), record)


def plan_registration(env: Environment, target: Target) -> RegistrationPlan | None:
    """The registration plan of an environment that opts in; None when it does not."""
    if not env.openmetadata.register_pipelines:
        return None
    return make_plan(pipeline_requests(env), load_record(target, env.name), server_of(env))


def server_of(env: Environment) -> str:
    host = env.openmetadata.server.get("hostPort")
    return str(host) if host else ""


@dataclass
class Registered:
    """What apply did, and what the server refused."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.disabled)


def apply_registration(plan: RegistrationPlan, env: Environment, target: Target,
                       client: OpenMetadataClient, *, setting: Location) -> Registered:
    """Carry out ``plan``; each refusal becomes a diagnostic (at ``setting`` when it concerns
    the server or its token, at the workflow's service name when it concerns the service),
    and the record is saved with what succeeded."""
    done = Registered()
    pipelines = dict(plan.record.pipelines)
    services: dict[tuple[str, str], dict[str, Any] | None] = {}
    owners: dict[str, list[dict[str, str]]] = {}
    try:
        for step in plan.steps:
            if step.change in (Change.add, Change.update) and step.request is not None:
                owned = _register(client, step, plan.record.pipelines.get(step.fqn), services,
                                  owners, done)
                if owned is not None:
                    pipelines[step.fqn] = owned
            elif step.change is Change.disable:
                _disable(client, step.fqn)
                done.disabled.append(step.fqn)
                pipelines[step.fqn] = replace(pipelines[step.fqn], enabled=False)
            elif step.change is Change.forget:
                pipelines.pop(step.fqn, None)
    except OpenMetadataRefused as exc:
        done.problems.append(_refusal(exc, plan.server, env, setting))
    if pipelines != plan.record.pipelines:
        target.write(RECORD_KEY, Record(env.name, pipelines).to_json())
    return done


class _ServiceMissing(Exception):
    pass


def _register(client: OpenMetadataClient, step: Step, before: Owned | None,
              services: dict[tuple[str, str], dict[str, Any] | None],
              owners: dict[str, list[dict[str, str]]], done: Registered) -> Owned | None:
    request = step.request
    assert request is not None
    key = (request.collection, request.service)
    if key not in services:
        services[key] = client.get(f"{request.collection}/name/{quoted(request.service)}")
    service = services[key]
    if service is None:
        done.problems.append(Diagnostic(
            request.where, f"OpenMetadata has no {request.service_kind} service "
            f"'{request.service}', so ingestion pipeline '{request.fqn}' cannot be registered",
            "run the workflow once (its first run creates the service) or create the service "
            "in OpenMetadata; the other pipelines and the bucket are synced", "registration"))
        return None
    if request.owner not in owners:
        owners[request.owner] = _owner(client, request.owner)
    existing = client.get(f"{COLLECTION}/name/{quoted(request.fqn)}")
    body = {**request.body, "service": {"id": service["id"], "type": request.reference_type}}
    if owners[request.owner]:
        body["owners"] = owners[request.owner]
    answer = client.put(COLLECTION, body)
    if answer.get("enabled") is False and isinstance(answer.get("id"), str):
        client.patch(f"{COLLECTION}/{answer['id']}",
                     [{"op": "replace", "path": "/enabled", "value": True}])
    created = before.created if before is not None else existing is None
    (done.created if existing is None else done.updated).append(request.fqn)
    return Owned(request.digest, created)


def _owner(client: OpenMetadataClient, name: str) -> list[dict[str, str]]:
    """The user or team named ``name`` as an owner reference; none when neither exists."""
    for collection, kind in (("/users", "user"), ("/teams", "team")):
        found = client.get(f"{collection}/name/{quoted(name)}")
        if found is not None and isinstance(found.get("id"), str):
            return [{"id": found["id"], "type": kind}]
    return []


def _disable(client: OpenMetadataClient, fqn: str) -> None:
    found = client.get(f"{COLLECTION}/name/{quoted(fqn)}")
    if found is None or found.get("enabled") is False:
        return  # deleted or disabled in OpenMetadata meanwhile: nothing left to do
    client.patch(f"{COLLECTION}/{found['id']}",
                 [{"op": "replace", "path": "/enabled", "value": False}])


def _refusal(exc: OpenMetadataRefused, server: str, env: Environment,
             setting: Location) -> Diagnostic:
    variable = env.openmetadata.token_variable
    if exc.status in (401, 403):
        what = "did not accept" if exc.status == 401 else "does not allow registration with"
        return Diagnostic(setting, f"OpenMetadata at {server} {what} the token in "
                          f"${variable} ({exc.status}: {exc.message})", PERMISSIONS_HINT
                          if exc.status == 403 else f"set ${variable} to a valid bot token",
                          "registration")
    status = f"{exc.status}: " if exc.status else ""
    return Diagnostic(setting, f"registering ingestion pipelines in OpenMetadata at {server} "
                      f"failed ({status}{exc.message})", "the bucket is synced; run the sync "
                      "again to finish the registration", "registration")


def client_for(env: Environment, setting: Location) -> OpenMetadataClient:
    """A client with the token from the CI job's environment; a located error without it."""
    variable = env.openmetadata.token_variable
    token = os.environ.get(variable, "").strip()
    if not token:
        raise ConfigError.at(setting, f"registering ingestion pipelines needs a bot token in "
                             f"the environment variable {variable}, which is not set",
                             f"set {variable} in the CI job from a secret (never in the "
                             "repository); the bucket is synced", code="registration")
    return OpenMetadataClient(server_of(env), token)


def plan_lines(plan: RegistrationPlan) -> list[str]:
    """The registration part of a plan, for people."""
    lines = [f"ingestion pipelines in OpenMetadata ({plan.server}):"]
    shown = [s for s in plan.steps if s.change is not Change.unchanged]
    width = max((len(s.fqn) for s in shown), default=0)
    for step in shown:
        note = f"  {step.note}" if step.note else ""
        lines.append(f"  {step.change.value:<9} {step.fqn:<{width}}{note}".rstrip())
    counts = plan.counts()
    lines.append(f"{counts['add']} to add, {counts['update']} to update, {counts['disable']} "
                 f"to disable, {counts['unchanged']} unchanged"
                 + (f", {counts['forget']} to forget" if counts["forget"] else ""))
    return lines


def plan_document(plan: RegistrationPlan) -> dict[str, Any]:
    """The registration part of a plan, as plain data."""
    return {"server": plan.server, "nothing_to_do": plan.nothing_to_do,
            "counts": plan.counts(),
            "pipelines": [{"fqn": s.fqn, "change": s.change.value, "note": s.note}
                          for s in plan.steps]}


def outcome_line(done: Registered) -> str:
    """The closing line of a registration."""
    return (f"ingestion pipelines: {len(done.created)} created, {len(done.updated)} updated, "
            f"{len(done.disabled)} disabled"
            + (f"; {len(done.problems)} refused" if done.problems else ""))


def register(env: Environment, target: Target, *, setting: Location, commit: str | None,
             note: Callable[[str], None]) -> tuple[RegistrationPlan, Registered] | None:
    """Plan and apply the registration of ``env`` (None when it does not opt in), under the
    target's sync lock when there is something to do; refusals are in the result's
    ``problems``, a missing token raises a located :class:`ConfigError`."""
    from mwaa_gitops.sync.lock import Lock

    plan = plan_registration(env, target)
    if plan is None or plan.nothing_to_do:
        return (plan, Registered()) if plan is not None else None
    client = client_for(env, setting)
    lock = Lock.acquire(target, environment=env.name, commit=commit, warn=note)
    try:
        plan = make_plan(pipeline_requests(env), load_record(target, env.name), plan.server)
        return plan, apply_registration(plan, env, target, client, setting=setting)
    finally:
        lock.release()


def outcome_document(done: Registered) -> dict[str, Any]:
    """What a registration did, as plain data."""
    return {"created": done.created, "updated": done.updated, "disabled": done.disabled,
            "refused": [d.text() for d in done.problems]}
