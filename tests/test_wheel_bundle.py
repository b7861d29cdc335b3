"""Fetching a pin's wheel for MWAA's platform: from a PEP 691 index on 127.0.0.1 (the right
wheel, checked against the index's sha256, cached), and built from a source release."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from mwaa_gitops.facts import wheel_bundle

MANYLINUX = "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
FILES = {
    MANYLINUX: b"manylinux wheel",
    "pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl": b"mac wheel",
    "pkg-1.0.tar.gz": b"source",
}


class Index(BaseHTTPRequestHandler):
    """``/simple/pkg/`` as PEP 691 JSON, and the files; ``wrong`` names a file whose published
    sha256 is not its content's."""

    wrong: ClassVar[set[str]] = set()
    served: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        if self.path == "/simple/pkg/":
            assert self.headers["Accept"] == wheel_bundle.SIMPLE_JSON
            files = [{"filename": name, "url": f"/files/{name}",
                      "hashes": {"sha256": hashlib.sha256(
                          b"other" if name in self.wrong else data).hexdigest()}}
                     for name, data in FILES.items()]
            body = json.dumps({"name": "pkg", "files": files}).encode()
        elif self.path.startswith("/files/") and self.path[7:] in FILES:
            body = FILES[self.path[7:]]
            self.served.append(self.path[7:])
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("MWAA_GITOPS_CACHE", str(tmp_path / "cache"))
    Index.wrong, Index.served = set(), []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()


def test_the_platforms_wheel_is_downloaded_once_and_kept_in_the_cache(index: str) -> None:
    path = wheel_bundle.fetch("pkg==1.0", "3.12.13", index)
    assert path.name == MANYLINUX and path.read_bytes() == b"manylinux wheel"
    assert path.parent == wheel_bundle.cache_folder("3.12")
    assert wheel_bundle.fetch("pkg==1.0", "3.12.13", index) == path
    assert Index.served == [MANYLINUX]


def test_a_download_that_is_not_what_the_index_published_is_refused_and_not_kept(
        index: str) -> None:
    Index.wrong = {MANYLINUX}
    with pytest.raises(wheel_bundle.BundleUnavailable, match="is not the index's"):
        wheel_bundle.fetch("pkg==1.0", "3.12", index)
    assert list(wheel_bundle.cache_folder("3.12").iterdir()) == []


def test_an_unreachable_index_is_said_with_its_address(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_GITOPS_CACHE", str(tmp_path))
    with pytest.raises(wheel_bundle.BundleUnavailable, match=r"127\.0\.0\.1:9"):
        wheel_bundle.fetch("pkg==1.0", "3.12", "http://127.0.0.1:9/simple")


@pytest.mark.network
def test_a_pin_without_a_wheel_is_built_into_a_pure_python_wheel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_GITOPS_CACHE", str(tmp_path))
    path = wheel_bundle.fetch("dsnparse==0.1.15", "3.12")
    assert path.name == "dsnparse-0.1.15-py3-none-any.whl"
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        assert "dsnparse-0.1.15.dist-info/METADATA" in archive.namelist()
