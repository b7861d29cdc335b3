"""A throwaway PostgreSQL cluster on 127.0.0.1 — MWAA's metadata database — for the e2e tier.

Binaries: the ``pgserver`` package's bundled PostgreSQL 16 (a dev dependency, so ``make test``
installs it on a fresh machine), else Debian's ``postgresql`` under ``/usr/lib/postgresql`` (for
Pythons pgserver ships no wheel for). Only the binaries are used: pgserver's own server runs on a
Unix socket and, as root, adds a system user and widens permissions of every parent folder, while
Airflow here needs TCP on an explicit port and the tests must leave the machine as they found it.

PostgreSQL refuses to run as root. As root, ``initdb`` and ``postgres`` run as the unprivileged
``nobody`` (uid/gid 65534, present on every Debian): the data folder is a fresh ``mkdtemp`` in the
system temp folder (pytest's own tmp folders are 0700, closed to ``nobody``) chowned to it, and if
the binaries sit below a folder ``nobody`` cannot enter (a checkout under ``/root``), they are
copied next to the data first.

Start-up cost, measured on 2 cores: ``initdb`` and a ready server in 0.6 s (1.2 s when the binaries
are copied first); durability is off (``fsync``, ``synchronous_commit``, ``full_page_writes``)
because the data is thrown away.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HOST = "127.0.0.1"
USER = "postgres"
PASSWORD = "postgres-e2e"
UNPRIVILEGED = 65534  # nobody:nogroup


def binaries() -> Path:
    """The folder holding ``initdb`` and ``postgres``: pgserver's, else Debian's newest."""
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (bundled / "postgres").exists():
            return bundled
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                    key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                    else 0)
    if debian:
        return debian[-1].parent
    raise RuntimeError("no PostgreSQL binaries: install the dev dependencies (pgserver) or "
                       "Debian's postgresql")


def free_port() -> int:
    """A port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _reachable_by_others(path: Path) -> bool:
    """Whether every folder above ``path`` lets other users pass (o+x)."""
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.resolve().parents)


@dataclass
class Postgres:
    """A running cluster: superuser ``postgres`` with a password, TCP only."""

    port: int
    root: Path
    bindir: Path
    process: subprocess.Popen[bytes]
    log: Path
    databases: list[str] = field(default_factory=list)
    host: str = HOST
    user: str = USER
    password: str = PASSWORD

    def url(self, database: str, driver: str = "postgresql+psycopg2") -> str:
        """SQLAlchemy URL of ``database`` on this cluster."""
        return f"{driver}://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create ``name`` (once per session) and return its SQLAlchemy URL."""
        if name not in self.databases:
            subprocess.run([str(self.bindir / "createdb"), "-h", self.host, "-p", str(self.port),
                            "-U", self.user, name], check=True, capture_output=True,
                           env={**os.environ, "PGPASSWORD": self.password}, timeout=30)
            self.databases.append(name)
        return self.url(name)

    def psql(self, database: str, sql: str) -> str:
        """Run ``sql`` in ``database``; tab-separated rows without headers."""
        done = subprocess.run([str(self.bindir / "psql"), "-h", self.host, "-p", str(self.port),
                               "-U", self.user, "-d", database, "-X", "-A", "-t", "-F", "\t",
                               "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                              capture_output=True, text=True,
                              env={**os.environ, "PGPASSWORD": self.password}, timeout=60)
        return done.stdout

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then kill the server's process group if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _copy_install(bindir: Path, into: Path) -> Path:
    """Copy the install of ``bindir`` below ``into``, keeping the layout its rpaths rely on."""
    install = bindir.parent  # bin, lib, share: initdb finds its data relative to itself
    package = install.parent
    shutil.copytree(install, into / package.name / install.name, symlinks=True)
    # auditwheel's vendored libraries, which the binaries find through $ORIGIN/../../../
    libs = package.with_name(f"{package.name}.libs")
    if libs.is_dir():
        shutil.copytree(libs, into / libs.name, symlinks=True)
    return into / package.name / install.name / "bin"


def _as_unprivileged() -> dict[str, Any]:
    """``subprocess`` arguments that drop root for PostgreSQL (nothing when not root)."""
    if os.geteuid() != 0:
        return {}
    return {"user": UNPRIVILEGED, "group": UNPRIVILEGED, "extra_groups": []}


def start_postgres(timeout: float = 60.0) -> Postgres:
    """initdb a new cluster in a fresh temp folder and start it on a free port."""
    root = Path(tempfile.mkdtemp(prefix="mwaa-gitops-postgres-"))
    bindir = binaries()
    drop = _as_unprivileged()
    if drop:
        os.chown(root, UNPRIVILEGED, UNPRIVILEGED)
        if not _reachable_by_others(bindir):
            bindir = _copy_install(bindir, root / "site")
    data = root / "data"
    pwfile = root / "pwfile"
    pwfile.write_text(PASSWORD + "\n")
    if drop:
        os.chown(pwfile, UNPRIVILEGED, UNPRIVILEGED)
    initdb = subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
         "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"],
        capture_output=True, text=True, timeout=120, check=False, cwd=root, **drop)
    if initdb.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")
    log = root / "postgres.log"
    port = free_port()
    with log.open("wb") as out:
        if drop:
            os.chown(log, UNPRIVILEGED, UNPRIVILEGED)
        process = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-h", HOST, "-p", str(port),
             "-c", "unix_socket_directories=", "-c", "max_connections=300",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            stdout=out, stderr=subprocess.STDOUT, cwd=root, start_new_session=True, **drop)
    server = Postgres(port=port, root=root, bindir=bindir, process=process, log=log)
    deadline = time.monotonic() + timeout
    while subprocess.run([str(bindir / "pg_isready"), "-q", "-h", HOST, "-p", str(port)],
                         check=False, timeout=10).returncode != 0:
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            message = log.read_text()[-3000:]
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"PostgreSQL did not start:\n{message}")
        time.sleep(0.1)
    return server


@contextlib.contextmanager
def postgres_cluster() -> Iterator[Postgres]:
    """A cluster for the duration of the ``with`` block, deleted afterwards."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """The session's PostgreSQL cluster; each test tier creates its own databases in it."""
    with postgres_cluster() as server:
        yield server
