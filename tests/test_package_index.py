"""A release the tool has not vendored, read from its wheel on a package index: only the
central directory and METADATA by range requests, or the whole file from an index that ignores
ranges; the same files the generator vendors, cached."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from mwaa_gitops.config.repository import Repository
from mwaa_gitops.facts import package_index, requirements_data, resolver
from mwaa_gitops.render import pipeline
from tests.conftest import Writer

VERSION = "9.9.1.0"
METADATA = ("Metadata-Version: 2.1\nName: openmetadata-ingestion\nVersion: 9.9.1.0\n"
            "Requires-Dist: boto3~=1.41.5\nRequires-Dist: sqlalchemy<2.1,>=2.0.0\n"
            "Provides-Extra: postgres\nRequires-Dist: psycopg2-binary; extra == \"postgres\"\n")


def wheel() -> bytes:
    """A wheel shaped like openmetadata-ingestion's, with filler so ranges matter."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("metadata/filler.bin", bytes(range(256)) * 4096)
        archive.writestr("metadata/ingestion/source/database/postgres/service_spec.py", "")
        archive.writestr(f"openmetadata_ingestion-{VERSION}.dist-info/METADATA", METADATA)
    return data.getvalue()


class Index(BaseHTTPRequestHandler):
    """A PEP 691 project page and the wheel, with or without range support."""

    ranges = True
    body = wheel()
    served: ClassVar[list[int]] = []

    def do_GET(self) -> None:
        if self.path.endswith("/openmetadata-ingestion/"):
            name = package_index.wheel_name(VERSION)
            self._send(200, json.dumps({"files": [{"filename": name, "url": f"http://"
                       f"{self.headers['Host']}/{name}", "size": len(self.body)}]}).encode())
            return
        wanted = self.headers.get("Range")
        if wanted and self.ranges:
            first, last = (int(n) for n in wanted.removeprefix("bytes=").split("-"))
            self._send(206, self.body[first:last + 1])
        else:
            self._send(200, self.body)

    def _send(self, status: int, data: bytes) -> None:
        self.served.append(len(data))
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Index]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(resolver, "INDEX_URL", f"http://127.0.0.1:{server.server_port}/simple")
    monkeypatch.setenv("MWAA_GITOPS_CACHE", str(tmp_path))
    Index.served = []
    yield Index
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("ranges", [True, False])
def test_a_release_is_read_from_its_wheel_on_the_index_and_cached(
        index: type[Index], ranges: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "ranges", ranges)
    requires, found = package_index.release_files(VERSION)
    assert requires.decode().splitlines()[1:] == [
        "boto3~=1.41.5", "sqlalchemy<2.1,>=2.0.0", 'psycopg2-binary; extra == "postgres"']
    data = json.loads(found)
    assert (data["extras"], data["sources"]) == (["postgres"], {"database": ["postgres"]})
    fetched = sum(index.served)
    # By ranges, a part of the wheel; without, the wheel once.
    assert fetched < len(index.body) if ranges else fetched >= len(index.body)
    index.served.clear()
    assert package_index.release_files(VERSION) == (requires, found)
    assert index.served == []  # from the cache


def test_a_release_the_index_lacks_is_named_with_the_wheel_looked_for(
        index: type[Index]) -> None:
    with pytest.raises(package_index.IndexUnavailable) as raised:
        package_index.release_files("9.9.2.0")
    assert "has no openmetadata-ingestion 9.9.2.0" in str(raised.value)
    assert package_index.wheel_name("9.9.2.0") in str(raised.value)


def test_a_pin_the_index_lacks_is_said_at_the_pin_as_no_such_release(
        index: type[Index], repo: Path, write: Writer) -> None:
    for cached in (requirements_data.requires_dist, requirements_data.connectors):
        cached.cache_clear()
    write("environments/dev/environment.yaml", (repo / "environments/dev/environment.yaml")
          .read_text().replace("openmetadata:\n", 'openmetadata:\n  ingestionVersion: '
                               '"2.0.7"\n  serverVersion: "2.0.7"\n'))
    (problem,) = pipeline.check(Repository(repo), ["dev"]).diagnostics.sorted()
    assert (str(problem.location), problem.code) == (
        "environments/dev/environment.yaml:7:21", "no-such-release")
    assert "has no openmetadata-ingestion 2.0.7 (no wheel" in problem.message
    assert problem.hint == ("use a release the index has, or pin the vendored release of the "
                            "line, 2.0.7.0")
