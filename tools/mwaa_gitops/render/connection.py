"""A SQLAlchemy URL of the Airflow metadata database → the Airflow connector's connection block.

What the discovery DAG logs (``postgresql+psycopg2://user@host:5432/db``) becomes the
``source.serviceConnection.config.connection`` block of an ECS workflow's overlay, in
OpenMetadata's own field names. A password is never copied: the block refers to where the
discovery DAG stored it (the environment's ``discovery`` store).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from mwaa_gitops.diagnostics import ConfigError, Location
from mwaa_gitops.model import DiscoverySettings

# SQLAlchemy dialect → (OpenMetadata connection type, default port, field naming the database).
DIALECTS = {
    "postgresql": ("Postgres", 5432, "database"),
    "postgres": ("Postgres", 5432, "database"),
    "mysql": ("Mysql", 3306, "databaseSchema"),
    "mariadb": ("Mysql", 3306, "databaseSchema"),
}
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
URL_LOCATION = Location("URL")


@dataclass(frozen=True)
class ConnectionBlock:
    """The block to paste, and what the URL held that the block deliberately leaves out."""

    connection: dict[str, Any]
    had_password: bool
    dropped_parameters: tuple[str, ...]

    def overlay(self) -> dict[str, Any]:
        """The block nested where a workflow overlay sets it."""
        return {"source": {"serviceConnection": {"config": {"connection": self.connection}}}}


def password_reference(discovery: DiscoverySettings) -> str:
    """How a config refers to the password the discovery DAG stored."""
    if discovery.variable is not None:
        return f"${{var:{discovery.variable}}}"
    return f"secret:{discovery.secret_id}"


def connection_from_url(url: str, reference: str) -> ConnectionBlock:
    """The connection block for ``url``, with ``reference`` standing in for the password."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigError.at(URL_LOCATION, f"not a SQLAlchemy URL: {exc}", code="usage") from None
    dialect = parts.scheme.partition("+")[0].lower()
    if dialect not in DIALECTS:
        raise ConfigError.at(URL_LOCATION, f"'{parts.scheme or '(no scheme)'}' is not a Postgres "
                             "or MySQL URL", "e.g. postgresql://user@host:5432/database",
                             code="usage")
    kind, default_port, database_field = DIALECTS[dialect]
    if not parts.hostname:
        raise ConfigError.at(URL_LOCATION, "the URL names no host", code="usage")
    if not parts.username:
        raise ConfigError.at(URL_LOCATION, "the URL names no user", code="usage")
    connection: dict[str, Any] = {
        "type": kind,
        "hostPort": f"{parts.hostname}:{port or default_port}",
        "username": unquote(parts.username),
        "authType": {"password": reference},
    }
    database = unquote(parts.path.lstrip("/"))
    if database:
        connection[database_field] = database
    dropped: list[str] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if kind == "Postgres" and name == "sslmode" and value in SSL_MODES:
            connection["sslMode"] = value
        else:
            dropped.append(name)
    return ConnectionBlock(connection, parts.password is not None, tuple(dropped))
