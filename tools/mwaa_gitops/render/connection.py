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

from mwaa_gitops.config.model import DiscoverySettings
from mwaa_gitops.diagnostics import ConfigError, Location

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


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without its user information, the user name and the password, read the way
    SQLAlchemy reads them: the user name ends at the first ':' (or '@'), and the password runs
    to the next '@', so it may hold an unencoded '/', '?', '#' or ':'."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, None, None
    end = next((i for i, char in enumerate(rest) if char in ":/@"), len(rest))
    if end == len(rest) or rest[end] == "/":
        return url, None, None
    if rest[end] == "@":
        return f"{scheme}://{rest[end + 1:]}", rest[:end], None
    at = rest.find("@", end)
    if at < 0:
        return url, None, None  # the ':' is the port's
    return f"{scheme}://{rest[at + 1:]}", rest[:end], rest[end + 1:at]


def connection_from_url(url: str, reference: str) -> ConnectionBlock:
    """The connection block for ``url``, with ``reference`` standing in for the password."""
    rest, username, password = split_credentials(url.strip())
    try:
        parts = urlsplit(rest)
        port = parts.port
    except ValueError:
        # urllib's reason would quote the URL; only the part without the password is shown.
        raise ConfigError.at(URL_LOCATION, f"not a SQLAlchemy URL: cannot read the host and port "
                             f"in {rest.partition('://')[2].partition('/')[0]!r}",
                             "e.g. postgresql://user@host:5432/database", code="usage") from None
    dialect = parts.scheme.partition("+")[0].lower()
    if dialect not in DIALECTS:
        raise ConfigError.at(URL_LOCATION, f"'{parts.scheme or '(no scheme)'}' is not a Postgres "
                             "or MySQL URL", "e.g. postgresql://user@host:5432/database",
                             code="usage")
    kind, default_port, database_field = DIALECTS[dialect]
    if not parts.hostname:
        raise ConfigError.at(URL_LOCATION, "the URL names no host", code="usage")
    if not username:
        raise ConfigError.at(URL_LOCATION, "the URL names no user", code="usage")
    connection: dict[str, Any] = {
        "type": kind,
        "hostPort": f"{parts.hostname}:{port or default_port}",
        "username": unquote(username),
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
    return ConnectionBlock(connection, password is not None, tuple(dropped))
