"""Fixtures for sync tests: one SeaweedFS per session, a fresh bucket and a clean proxy per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.s3server import FaultProxy, SeaweedFS, credentials_env, seaweedfs

_buckets = itertools.count(1)


@dataclass
class S3:
    """The session's server and the proxy every sync under test talks through."""

    server: SeaweedFS
    proxy: FaultProxy


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    """SeaweedFS on 127.0.0.1 (explicit ports, temporary data) behind a fault proxy."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in credentials_env().items():
            patch.setenv(name, value)
        with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
            proxy = FaultProxy(server.s3_port).start()
            try:
                yield S3(server, proxy)
            finally:
                proxy.stop()


@pytest.fixture
def proxy(s3: S3) -> Iterator[FaultProxy]:
    """The proxy with no faults and zeroed counters (and left that way)."""
    s3.proxy.reset()
    yield s3.proxy
    s3.proxy.reset()


@pytest.fixture
def bucket(s3: S3) -> str:
    """A new versioned bucket for one test."""
    name = f"sync-test-{next(_buckets):03d}"
    s3.server.create_bucket(name)
    return name


def write_environment(repo: Path, name: str, target: str, endpoint: str | None = None) -> None:
    """Add a deployable environment ``name`` (extends base) that syncs to ``target``."""
    lines = ["extends: base", "mwaa:", f"  environmentName: openmetadata-{name}",
             f"  target: {target}"]
    if endpoint:
        lines.append(f"  endpointUrl: {endpoint}")
    folder = repo / "environments" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "environment.yaml").write_text("\n".join(lines) + "\n")
