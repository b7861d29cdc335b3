"""A recording stand-in for OpenMetadata's REST API; runs inside the openmetadata-ingestion venv.

Every body it receives is parsed with OpenMetadata's own pydantic model of that endpoint's
request, and every entity it returns is built with the model of that entity, so a workflow that
sends something the real server would refuse fails here too (4xx with the model's message), and
a workflow that misreads what the server answers fails as it would. Which model belongs to which
collection comes from the client's own routing table (``metadata.ingestion.ometa.routes``).

Usage: ``python openmetadata_server.py PORT``. Besides ``/api/v1/...`` it serves
``GET /stand-in/record`` (everything received, as JSON), ``POST /stand-in/reset`` (body
``{"token": T}``: from then on only the bearer token ``T`` is accepted, as the real server
accepts only the token it issued to the workflow's bot; any other is 401) and
``POST /stand-in/refuse`` (headers ``X-Prefix``, ``X-Status``: answer every write under that path
with that status, until the next reset).

Search answers what OpenMetadata's client asks of it when it maps owners: a user or team by
exact name (``query_filter`` of ``name_search_query_es``), among those created through the API.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, get_args
from urllib.parse import parse_qs, unquote, urlsplit

import jsonpatch
from metadata.__version__ import get_client_version
from metadata.generated.schema.api.openMetadataServerVersion import OpenMetadataServerVersion
from metadata.generated.schema.entity.data.pipeline import Pipeline, PipelineStatus
from metadata.generated.schema.entity.services.connections.testConnectionDefinition import (
    TestConnectionDefinition,
)
from metadata.generated.schema.entity.services.ingestionPipelines import (
    ingestionPipeline as ingestion_models,
)
from metadata.generated.schema.type.bulkOperationResult import BulkOperationResult
from metadata.generated.schema.type.entityReference import EntityReference
from metadata.generated.schema.type.entityReferenceList import EntityReferenceList
from metadata.generated.schema.type.entityUsage import EntityUsage
from metadata.generated.schema.type.usageRequest import UsageRequest
from metadata.ingestion.ometa import routes
from metadata.ingestion.ometa.utils import get_entity_type
from metadata.utils import fqn as fqn_utils
from pydantic import BaseModel, ValidationError

API = "/api/v1"
INGESTION_PIPELINES = "/services/ingestionPipelines"


class Empty:
    """An answer with no body (what the server sends for a status it does not have)."""


EMPTY = Empty()
# Fields of a create request that name the entity's parent, in the order the server nests FQNs.
PARENTS = ("service", "classification", "glossary", "database", "databaseSchema", "parent")
# Fields an entity takes from its parent entity when its create request does not name them.
INHERITED = ("service", "serviceType", "database")
# The server's seed data for the connectors' test connections (OpenMetadata's
# openmetadata-service/.../json/data/testConnections/: pipeline/airflow.json at commit
# 13782c0f3a2e, database/postgres.json at commit 18ef684a9791): step names and whether each is
# mandatory, which decide whether a workflow may go on.
TEST_CONNECTIONS = {
    "Airflow": [{"name": "CheckAccess", "mandatory": True,
                 "description": "Check if the database is reachable to fetch the DAG details."}],
    "Postgres": [
        {"name": "CheckAccess", "mandatory": True, "description": "Reach the database."},
        {"name": "GetDatabases", "mandatory": True, "description": "List the databases."},
        {"name": "GetSchemas", "mandatory": True, "description": "List the schemas."},
        {"name": "GetTables", "mandatory": True, "description": "List a schema's tables."},
        {"name": "GetViews", "mandatory": False, "description": "List a schema's views."},
        {"name": "GetTags", "mandatory": False, "description": "Read the policy tags."},
        {"name": "GetQueries", "mandatory": False, "description": "Read pg_stat_statements."},
    ],
}


class Refused(Exception):
    """A request the real server would refuse: answered with ``status`` and this message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Collection:
    """One REST collection: its path, the model of its create request and of its entity."""

    path: str
    entity: type[BaseModel]
    create: type[BaseModel] | None


def collections() -> list[Collection]:
    """Every collection of the client's routing table, longest path first (prefix matching)."""
    by_path: dict[str, dict[str, type[BaseModel]]] = {}
    for name, path in routes.ROUTES.items():
        model = getattr(routes, name, None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            role = "create" if name.startswith("Create") else "entity"
            by_path.setdefault(path, {}).setdefault(role, model)
    found = [Collection(path, models["entity"], models.get("create"))
             for path, models in by_path.items() if "entity" in models]
    return sorted(found, key=lambda c: len(c.path), reverse=True)


def now_ms() -> int:
    """Epoch milliseconds, the unit of every OpenMetadata timestamp."""
    return int(time.time() * 1000)


def reference_kinds(annotation: Any) -> set[type]:
    """The reference classes (single or list) a field annotation allows."""
    found = set()
    for arg in (annotation, *get_args(annotation)):
        if arg in (EntityReference, EntityReferenceList):
            found.add(arg)
    return found


class Store:
    """Entities by collection and FQN, statuses by pipeline FQN, and everything received."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.collections = collections()
        self.reset()

    def reset(self, token: str | None = None) -> None:
        self.token = token  # the only bearer token accepted (None: any)
        self.entities: dict[str, dict[str, dict[str, Any]]] = {c.path: {} for c in self.collections}
        self.received: list[dict[str, Any]] = []
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.pipelines: dict[str, dict[str, Any]] = {}
        # Ingestion pipeline FQN → every PipelineStatus received, in arrival order.
        self.ingestion_statuses: dict[str, list[dict[str, Any]]] = {}
        # Path prefix → the status every write under it is answered with (a failing server).
        self.refusing: dict[str, int] = {}
        for name, steps in TEST_CONNECTIONS.items():
            entity = TestConnectionDefinition.model_validate({
                "id": str(uuid.uuid4()), "name": name,
                "fullyQualifiedName": f"{name}.testConnectionDefinition",
                "displayName": f"{name} Test Connection", "steps": steps, "version": 0.1,
                "updatedAt": now_ms(), "updatedBy": "admin", "deleted": False})
            self.put_entity("/services/testConnectionDefinitions", entity)

    def collection(self, path: str) -> tuple[Collection, str] | None:
        """The collection a path belongs to and the rest of the path after it."""
        for collection in self.collections:
            if path == collection.path or path.startswith(collection.path + "/"):
                return collection, path[len(collection.path):].strip("/")
        return None

    def put_entity(self, path: str, entity: BaseModel) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(entity.model_dump_json(by_alias=True,
                                                                 exclude_none=True))
        self.entities[path][data["fullyQualifiedName"]] = data
        return data

    def find(self, path: str, key: str) -> dict[str, Any] | None:
        """An entity of a collection by FQN or id."""
        entities = self.entities[path]
        return entities.get(key) or next(
            (e for e in entities.values() if e["id"] == key), None)

    def find_any(self, fqn: str) -> dict[str, Any] | None:
        """An entity of any collection by FQN."""
        return next((self.entities[c.path][fqn] for c in self.collections
                     if fqn in self.entities[c.path]), None)

    def reference(self, value: str) -> dict[str, Any]:
        """The reference to an already created entity named by FQN (any collection)."""
        for collection in self.collections:
            entity = self.entities[collection.path].get(value)
            if entity is not None:
                return {"id": entity["id"], "type": get_entity_type(collection.entity),
                        "name": entity["name"], "fullyQualifiedName": value,
                        "deleted": entity.get("deleted", False)}
        raise Refused(404, f"entity instance for {value} not found")

    def create(self, collection: Collection, body: Any) -> dict[str, Any]:
        """Parse a create request and store (or update) the entity it describes."""
        assert collection.create is not None
        request = parse(collection.create, body)
        data: dict[str, Any] = json.loads(request.model_dump_json(by_alias=True,
                                                                  exclude_none=True))
        fields = collection.entity.model_fields
        entity = {key: value for key, value in data.items() if key in fields}
        parent = None
        for key, value in data.items():
            kinds = reference_kinds(fields[key].annotation) if key in fields else set()
            if EntityReference in kinds and isinstance(value, str):
                entity[key] = self.reference(value)
                parent = parent or (entity[key] if key in PARENTS else None)
            elif EntityReferenceList in kinds and value and isinstance(value[0], str):
                entity[key] = [self.reference(item) for item in value]
        if parent is not None:
            # The server fills what a child shares with its parent (a schema's service, a
            # table's database and service) from the parent entity.
            stored_parent = self.find_any(parent["fullyQualifiedName"])
            for key in INHERITED:
                if key in fields and key not in entity and stored_parent and key in stored_parent:
                    entity[key] = stored_parent[key]
        # The parent's FQN as it is, then the (quoted where needed) name.
        name = fqn_utils._build(data["name"], quote=True)
        fqn = f"{parent['fullyQualifiedName']}.{name}" if parent else name
        previous = self.entities[collection.path].get(fqn)
        entity.update({
            "id": previous["id"] if previous else str(uuid.uuid4()),
            "fullyQualifiedName": fqn,
            "version": round(previous["version"] + 0.1, 1) if previous else 0.1,
            "updatedAt": now_ms(), "updatedBy": "ingestion-bot", "deleted": False,
            "href": f"http://127.0.0.1{API}{collection.path}/{fqn}",
        })
        if previous and "pipelineStatus" in previous:
            entity["pipelineStatus"] = previous["pipelineStatus"]
        stored = self.put_entity(collection.path, build(collection.entity, entity))
        if collection.entity is Pipeline:
            self.pipelines[fqn] = data
        return stored


def parse(model: type[BaseModel], body: Any) -> BaseModel:
    """``body`` parsed with ``model``, or a 400 with pydantic's own account of what is wrong."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise Refused(400, f"{model.__name__}: {exc}") from exc


def build(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    """An entity built with its model; a failure here is the stand-in's own bug (500)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(500, f"stand-in could not build {model.__name__}: {exc}") from exc


STORE = Store()


class Handler(BaseHTTPRequestHandler):
    """Routes ``/api/v1`` requests to the store and records each of them."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")

    def do_GET(self) -> None:
        self.handle_api("GET")

    def do_PUT(self) -> None:
        self.handle_api("PUT")

    def do_POST(self) -> None:
        self.handle_api("POST")

    def do_PATCH(self) -> None:
        self.handle_api("PATCH")

    def do_DELETE(self) -> None:
        self.handle_api("DELETE")

    def handle_api(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith("/stand-in/"):
            self.control(method, url.path, raw)
            return
        query = parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        record: dict[str, Any] = {
            "method": method, "path": url.path, "query": query,
            "token": auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None,
        }
        status, answer = 200, None
        try:
            try:
                record["body"] = json.loads(raw) if raw else None
            except ValueError as exc:
                raise Refused(400, f"body is not JSON: {exc}") from exc
            if not url.path.startswith(API + "/"):
                raise Refused(404, f"{url.path} is not under {API}")
            if record["token"] is None:
                raise Refused(401, "missing Authorization: Bearer <token>")
            if STORE.token is not None and record["token"] != STORE.token:
                raise Refused(401, "Token verification failed: not the token of this client")
            refused = next((status for prefix, status in STORE.refusing.items()
                            if method != "GET" and (url.path == prefix
                                                    or url.path.startswith(prefix + "/"))), None)
            if refused is not None:
                raise Refused(refused, "the stand-in was told to refuse this")
            with STORE.lock:
                answer = route(method, url.path[len(API):], query, record["body"])
        except Refused as exc:
            status, answer = exc.status, {"code": exc.status, "message": str(exc)}
            record["error"] = str(exc)
        except Exception as exc:  # the stand-in's own bug: answer 500 and keep serving
            traceback.print_exc()
            status, answer = 500, {"code": 500, "message": f"{type(exc).__name__}: {exc}"}
            record["error"] = answer["message"]
        record["status"] = status
        with STORE.lock:
            STORE.received.append(record)
        if status >= 400:
            sys.stderr.write(f"{method} {self.path} -> {status}: {answer}\n")
        self.reply(status, answer)

    def control(self, method: str, path: str, raw: bytes) -> None:
        with STORE.lock:
            if method == "POST" and path == "/stand-in/reset":
                STORE.reset((json.loads(raw) if raw else {}).get("token"))
                self.reply(200, {})
            elif method == "POST" and path == "/stand-in/refuse":
                STORE.refusing[self.headers.get("X-Prefix", "")] = int(
                    self.headers.get("X-Status", "500"))
                self.reply(200, {})
            elif method == "GET" and path == "/stand-in/record":
                self.reply(200, {"requests": STORE.received, "statuses": STORE.statuses,
                                 "pipelines": STORE.pipelines, "entities": STORE.entities,
                                 "ingestionStatuses": STORE.ingestion_statuses})
            else:
                self.reply(404, {"message": f"no {method} {path}"})

    def reply(self, status: int, answer: Any) -> None:
        payload = b"" if answer is EMPTY else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def route(method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
    """The answer to one API call (already under the store's lock)."""
    if method == "GET" and path == "/system/version":
        version = ".".join(get_client_version().split(".")[:3])
        return OpenMetadataServerVersion(version=version, revision="stand-in",
                                         timestamp=now_ms()).model_dump(mode="json")
    if method == "GET" and path in ("/search/query", "/search/fieldQuery"):
        return search(query)
    if path.startswith("/usage/"):
        return usage(method, path, body)
    if path == INGESTION_PIPELINES or path.startswith(INGESTION_PIPELINES + "/"):
        answer = ingestion_pipeline(method, path[len(INGESTION_PIPELINES):].strip("/"), body)
        if answer is not None:
            return answer
    found = STORE.collection(path)
    if found is None:
        raise Refused(404, f"the stand-in serves no {method} {path}")
    collection, rest = found
    if collection.entity is Pipeline and rest.endswith(("/status", "/status/bulk")):
        return pipeline_status(method, rest, body)
    if method in ("PUT", "POST") and not rest:
        if collection.create is None:
            raise Refused(405, f"{collection.path} takes no create request")
        return STORE.create(collection, body)
    if method == "PUT" and rest == "bulk":
        return bulk(collection, body)
    if method == "DELETE" and rest == "deleteStale":
        return delete_stale(collection, body)
    if method == "GET" and not rest:
        return listing(collection, query)
    if method == "GET" and rest.startswith("name/"):
        entity = STORE.entities[collection.path].get(unquote(rest[len("name/"):]))
    elif method in ("GET", "PATCH", "DELETE") and "/" not in rest:
        entity = STORE.find(collection.path, unquote(rest))
    else:
        raise Refused(404, f"the stand-in serves no {method} {path}")
    if entity is None:
        raise Refused(404, f"{get_entity_type(collection.entity)} instance for {rest} not found")
    if method == "PATCH":
        if not isinstance(body, list):
            raise Refused(400, "a PATCH body is a JSON Patch (a list of operations)")
        try:
            patched = jsonpatch.apply_patch(entity, body)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            raise Refused(400, f"JSON Patch does not apply: {exc}") from exc
        patched["version"] = round(entity["version"] + 0.1, 1)
        return STORE.put_entity(collection.path, parse(collection.entity, patched))
    if method == "DELETE":
        del STORE.entities[collection.path][entity["fullyQualifiedName"]]
    return entity


# Search index → the collection it indexes (the indexes the client's owner lookup reads).
INDEXES = {"user_search_index": "/users", "team_search_index": "/teams"}


def search(query: dict[str, list[str]]) -> dict[str, Any]:
    """A name lookup in the user or team index: the entity of exactly that name (the index is
    kept in step with the API, as a settled server's is); any other search finds nothing."""
    hits = []
    collection = INDEXES.get(query.get("index", [""])[0])
    try:
        wanted = json.loads(query.get("query_filter", ["{}"])[0])["query"]["query_string"]
    except (ValueError, KeyError, TypeError):
        wanted = None
    if collection is not None and wanted is not None:
        name = str(wanted.get("query", "")).removesuffix(" AND isBot:false")
        hits = [{"_source": {"fullyQualifiedName": entity["fullyQualifiedName"]}}
                for entity in STORE.entities[collection].values()
                if entity["name"] == name and not entity.get("isBot")]
    return {"hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits}}


def bulk(collection: Collection, body: Any) -> dict[str, Any]:
    """``PUT /{collection}/bulk``: a list of create requests, each created in turn (a refused
    one is reported in the ``BulkOperationResult``, as the server does, and the rest go on)."""
    if collection.create is None:
        raise Refused(405, f"{collection.path} takes no create request")
    if not isinstance(body, list):
        raise Refused(400, "a bulk body is a list of create requests")
    passed, failed = [], []
    for item in body:
        try:
            entity = STORE.create(collection, item)
            passed.append({"request": entity["fullyQualifiedName"], "status": 200})
        except Refused as exc:
            failed.append({"request": item, "message": str(exc), "status": exc.status})
    status = "success" if not failed else "partialSuccess" if passed else "failure"
    return BulkOperationResult.model_validate({
        "status": status, "numberOfRowsProcessed": len(body), "numberOfRowsPassed": len(passed),
        "numberOfRowsFailed": len(failed), "successRequest": passed, "failedRequest": failed,
    }).model_dump(mode="json", exclude_none=True)


def delete_stale(collection: Collection, body: Any) -> dict[str, Any]:
    """``DELETE /{collection}/deleteStale`` (servers from 2.0 on, whose clients ask it): the
    entities of the scope the request does not list as seen are soft-deleted (or hard, or only
    listed on ``dryRun``). A release without the request's model is a server without the
    route, which takes ``deleteStale`` for an id and finds none (404), as the client expects."""
    try:
        from metadata.generated.schema.type.bulkDeleteStaleRequest import (
            BulkDeleteStaleRequest,
        )
    except ImportError:
        raise Refused(404, f"{get_entity_type(collection.entity)} instance for deleteStale "
                           "not found") from None
    request = parse(BulkDeleteStaleRequest, body)
    scope, seen = request.scopeFqn, set(request.seenFqns)
    stored = STORE.entities[collection.path]
    stale = [fqn for fqn, entity in stored.items()
             if fqn.startswith(scope + ".") and fqn not in seen and not entity.get("deleted")]
    for fqn in stale if not request.dryRun else ():
        if request.hardDelete:
            del stored[fqn]
        else:
            stored[fqn] = {**stored[fqn], "deleted": True}
    passed = [{"request": fqn, "status": 200} for fqn in stale]
    return BulkOperationResult.model_validate({
        "status": "success", "numberOfRowsProcessed": len(stale),
        "numberOfRowsPassed": len(stale), "numberOfRowsFailed": 0, "successRequest": passed,
    }).model_dump(mode="json", exclude_none=True)


def listing(collection: Collection, query: dict[str, list[str]]) -> dict[str, Any]:
    """One page of a collection, filtered by ``service`` as the server does."""
    entities = list(STORE.entities[collection.path].values())
    if "service" in query:
        entities = [e for e in entities
                    if e.get("service", {}).get("fullyQualifiedName") == query["service"][0]]
    start = int(query.get("after", ["0"])[0])
    limit = int(query.get("limit", ["10"])[0])
    page = entities[start:start + limit]
    paging: dict[str, Any] = {"total": len(entities)}
    if start + limit < len(entities):
        paging["after"] = str(start + limit)
    return {"data": page, "paging": paging}


def pipeline_status(method: str, rest: str, body: Any) -> dict[str, Any]:
    """``PUT /pipelines/{fqn}/status[/bulk]``: record each ``PipelineStatus``."""
    if method != "PUT":
        raise Refused(405, f"{method} on a pipeline's status is not served")
    bulk = rest.endswith("/bulk")
    fqn = unquote(rest.removesuffix("/bulk").removesuffix("/status"))
    pipeline = STORE.entities["/pipelines"].get(fqn)
    if pipeline is None:
        raise Refused(404, f"pipeline instance for {fqn} not found")
    if bulk and not isinstance(body, list):
        raise Refused(400, "the bulk status body is a list of PipelineStatus")
    statuses = [parse(PipelineStatus, item) for item in (body if bulk else [body])]
    for status in statuses:
        data = json.loads(status.model_dump_json(by_alias=True, exclude_none=True))
        STORE.statuses.setdefault(fqn, []).append(data)
        pipeline["pipelineStatus"] = data
    return STORE.put_entity("/pipelines", build(Pipeline, pipeline))


def ingestion_pipeline(method: str, rest: str, body: Any) -> Any:
    """The routes of ``/services/ingestionPipelines`` beyond plain entities (None: those).

    ``PUT`` (create or update; the service is a reference by id, and the pipeline's FQN is the
    service's FQN and its name), ``PUT {fqn}/pipelineStatus`` (one ``PipelineStatus``, kept per
    ``runId`` as the server does, every arrival recorded), ``GET {fqn}/pipelineStatus/{runId}``
    (no body when there is none), and the progress, metrics and log routes a run calls, whose
    bodies are parsed with their models where the release has them."""
    parts = [unquote(part) for part in rest.split("/")] if rest else []
    if method in ("PUT", "POST") and not parts:
        return create_ingestion_pipeline(body)
    if parts and parts[0] in ("progress", "metrics", "logs") and len(parts) >= 3:
        model = {"progress": "progressUpdate.ProgressUpdate",
                 "metrics": "operationMetricsBatch.OperationMetricsBatch"}.get(parts[0])
        if model is not None and method in ("PUT", "POST"):
            module, _, name = model.partition(".")
            try:
                found = __import__("metadata.generated.schema.entity.services."
                                   f"ingestionPipelines.{module}", fromlist=[name])
                parse(getattr(found, name), body)
            except ImportError:
                pass  # a release without the model does not call the route
        return {}
    if len(parts) in (2, 3) and parts[1] == "pipelineStatus":
        fqn = parts[0]
        if fqn not in STORE.entities[INGESTION_PIPELINES]:
            raise Refused(404, f"ingestionPipeline instance for {fqn} not found")
        received = STORE.ingestion_statuses.setdefault(fqn, [])
        if method == "PUT" and len(parts) == 2:
            status = parse(ingestion_models.PipelineStatus, body)
            received.append(json.loads(status.model_dump_json(exclude_none=True)))
            return {}
        if method == "GET" and len(parts) == 3:
            by_run = [s for s in received if s.get("runId") == parts[2]]
            return by_run[-1] if by_run else EMPTY
        if method == "GET":
            latest = {s.get("runId"): s for s in received}
            return {"data": list(latest.values()), "paging": {"total": len(latest)}}
    return None


def create_ingestion_pipeline(body: Any) -> dict[str, Any]:
    """``PUT /services/ingestionPipelines``: a ``CreateIngestionPipelineRequest`` whose service
    (and owners) are references by id; the pipeline keeps its id, statuses and enabled flag
    across updates."""
    found = STORE.collection(INGESTION_PIPELINES)
    assert found is not None and found[0].create is not None
    request = parse(found[0].create, body)
    data: dict[str, Any] = json.loads(request.model_dump_json(by_alias=True, exclude_none=True))
    fields = ingestion_models.IngestionPipeline.model_fields
    entity = {key: value for key, value in data.items() if key in fields}
    entity["service"] = by_reference(data["service"])
    if data.get("owners"):
        entity["owners"] = [by_reference(owner) for owner in data["owners"]]
    fqn = f"{entity['service']['fullyQualifiedName']}.{fqn_utils.quote_name(data['name'])}"
    previous = STORE.entities[INGESTION_PIPELINES].get(fqn)
    entity.update({
        "id": previous["id"] if previous else str(uuid.uuid4()),
        "fullyQualifiedName": fqn,
        "version": round(previous["version"] + 0.1, 1) if previous else 0.1,
        "enabled": previous.get("enabled", True) if previous else True,
        "deployed": False,
        "updatedAt": now_ms(), "updatedBy": "ingestion-bot", "deleted": False,
        "href": f"http://127.0.0.1{API}{INGESTION_PIPELINES}/{fqn}",
    })
    return STORE.put_entity(INGESTION_PIPELINES, build(ingestion_models.IngestionPipeline,
                                                         entity))


def by_reference(reference: dict[str, Any]) -> dict[str, Any]:
    """The full reference to the stored entity a ``{id, type}`` reference names (404 when
    there is none, as the server answers)."""
    for collection in STORE.collections:
        if get_entity_type(collection.entity) != reference.get("type"):
            continue
        entity = STORE.find(collection.path, str(reference.get("id")))
        if entity is not None:
            return {"id": entity["id"], "type": reference["type"], "name": entity["name"],
                    "fullyQualifiedName": entity["fullyQualifiedName"], "deleted": False}
    raise Refused(404, f"{reference.get('type')} instance for {reference.get('id')} not found")


def usage(method: str, path: str, body: Any) -> dict[str, Any]:
    """``PUT /usage/{type}/{id}`` (a ``UsageRequest``) and ``POST /usage/compute.percentile``."""
    parts = path.strip("/").split("/")
    if method == "POST" and len(parts) == 4 and parts[1] == "compute.percentile":
        return {}
    if method in ("PUT", "POST") and len(parts) == 3:
        request = parse(UsageRequest, body)
        found = next(((c, e) for c in STORE.collections
                      if (e := STORE.find(c.path, parts[2])) and get_entity_type(c.entity)
                      == parts[1]), None)
        if found is None:
            raise Refused(404, f"{parts[1]} instance for {parts[2]} not found")
        _, entity = found
        daily = request.count
        return EntityUsage.model_validate({
            "entity": {"id": entity["id"], "type": parts[1],
                       "fullyQualifiedName": entity["fullyQualifiedName"]},
            "usage": [{"date": request.date,
                       "dailyStats": {"count": daily, "percentileRank": 0.0}}],
        }).model_dump(mode="json", exclude_none=True)
    raise Refused(404, f"the stand-in serves no {method} /usage{path}")


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    sys.stderr.write(f"OpenMetadata stand-in listening on {server.server_address}\n")
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
