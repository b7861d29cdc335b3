"""A small client of OpenMetadata's REST API: the few calls registration makes.

The server is the environment's ``openmetadata.server.hostPort`` (``…/api``); the token is a
bot's JWT from the CI job's environment, sent as ``Authorization: Bearer``. Answers are JSON;
404 reads as "absent", every other refusal is an :class:`OpenMetadataRefused` carrying the
status and the server's own message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

TIMEOUT_SECONDS = 30.0


class OpenMetadataRefused(Exception):
    """The server answered with an error status (or could not be reached: status 0)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def quoted(fqn: str) -> str:
    """An FQN as one path segment (the server reads it back unquoted)."""
    return urllib.parse.quote(fqn, safe="")


class OpenMetadataClient:
    """Calls to one server with one token."""

    def __init__(self, host_port: str, token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base = host_port.rstrip("/") + "/v1"
        self._token = token
        self.timeout = timeout

    def get(self, path: str) -> dict[str, Any] | None:
        """``GET path``; None when the server says 404."""
        try:
            return self._call("GET", path)
        except OpenMetadataRefused as exc:
            if exc.status == 404:
                return None
            raise

    def put(self, path: str, body: Any) -> dict[str, Any]:
        """``PUT path`` with a JSON body (a create-or-update request)."""
        return self._call("PUT", path, body)

    def patch(self, path: str, operations: list[dict[str, Any]]) -> dict[str, Any]:
        """``PATCH path`` with a JSON Patch."""
        return self._call("PATCH", path, operations, "application/json-patch+json")

    def _call(self, method: str, path: str, body: Any = None,
              content_type: str = "application/json") -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            raise OpenMetadataRefused(exc.code, _message(exc.read())) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OpenMetadataRefused(0, f"cannot reach {self.base}: {reason}") from None
        try:
            found = json.loads(raw) if raw else {}
        except ValueError:
            raise OpenMetadataRefused(0, f"{method} {path} answered no JSON") from None
        return found if isinstance(found, dict) else {"data": found}


def _message(raw: bytes) -> str:
    """The server's ``message`` field, else the start of its answer."""
    try:
        found = json.loads(raw)
    except ValueError:
        found = None
    if isinstance(found, dict) and isinstance(found.get("message"), str):
        return str(found["message"])[:500]
    return raw.decode("utf-8", "replace")[:500] or "no message"
