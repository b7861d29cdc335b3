"""A private network's wheel bundle synced to a real S3-compatible server: the content-hash plan
uploads each wheel once, and a changed pin uploads exactly its new wheel."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from mwaa_gitops.facts import wheel_bundle
from tests.support.s3server import FaultProxy
from tests.sync.conftest import write_environment
from tests.sync.test_s3 import PREFIX, cli, file_puts

pytestmark = pytest.mark.s3


def fake_fetch(folder: Path) -> Callable[[str, str], Path]:
    """``wheel_bundle.fetch`` without an index: a small wheel per pin, its bytes the pin."""
    def fetch(pin: str, python: str) -> Path:
        name, _, version = pin.partition("==")
        path = folder / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(zipfile.ZipInfo("pin.txt", (1980, 1, 1, 0, 0, 0)), pin)
        return path
    folder.mkdir(parents=True, exist_ok=True)
    return fetch


@pytest.fixture
def private_repo(repo: Path, bucket: str, proxy: FaultProxy, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example repository plus a private-network ``ci`` environment on the test bucket,
    with wheels fetched from no index."""
    write_environment(repo, "ci", f"s3://{bucket}/{PREFIX}", proxy.endpoint)
    environment = repo / "environments" / "ci" / "environment.yaml"
    environment.write_text(environment.read_text() + "  privateNetwork: true\n")
    monkeypatch.setattr(wheel_bundle, "fetch", fake_fetch(tmp_path / "cache"))
    return repo


def wheel_puts(proxy: FaultProxy) -> list[str]:
    return [path.rsplit("/", 1)[1] for path in file_puts(proxy) if path.endswith(".whl")]


def plan_bundle(repo: Path) -> dict[str, int]:
    code, out, _ = cli("plan", "--env", "ci", "--repo", str(repo), "--format", "json",
                       "--no-content")
    assert code == 0, out
    bundle: dict[str, int] = json.loads(out)["bundle"]
    return bundle


def test_bundle_syncs_once_and_a_changed_pin_uploads_its_wheel_alone(
        private_repo: Path, proxy: FaultProxy) -> None:
    repo = str(private_repo)
    code, out, _ = cli("bundle", "--env", "ci", "--repo", repo, "--format", "json")
    assert code == 0, out
    bundled = json.loads(out)["environments"]["ci"]
    count = bundled["wheels"]
    assert count > 50 and bundled["added"] == count
    assert plan_bundle(private_repo) == {"wheels": count, "bytes": bundled["bytes"],
                                         "upload": count}
    assert cli("sync", "--env", "ci", "--repo", repo, "--no-update-mwaa")[0] == 0
    assert len(wheel_puts(proxy)) == count

    proxy.reset()
    code, out, _ = cli("sync", "--env", "ci", "--repo", repo, "--no-update-mwaa")
    assert code == 0 and "nothing written" in out, out
    assert proxy.requests("PUT") == [] and proxy.requests("DELETE") == []

    # One pin of every lock moves to a new release: its wheel, and nothing else of the bundle.
    for path in (private_repo / "locks").rglob("*.txt"):
        path.write_text(re.sub(r"^dsnparse==", "dsnparse==99.0.", path.read_text(), flags=re.M))
    assert cli("validate", "--env", "ci", "--repo", repo)[0] == 1  # its wheel is missing
    code, out, _ = cli("bundle", "--env", "ci", "--repo", repo, "--format", "json")
    assert json.loads(out)["environments"]["ci"]["added"] == 1, out
    assert plan_bundle(private_repo)["upload"] == 1
    proxy.reset()
    assert cli("sync", "--env", "ci", "--repo", repo, "--no-update-mwaa")[0] == 0
    (uploaded,) = wheel_puts(proxy)
    assert uploaded.startswith("dsnparse-99.0.")

    # Bundling every environment removes the wheel no lock names any more.
    code, out, _ = cli("bundle", "--repo", repo, "--format", "json")
    assert code == 0, out
    (removed,) = json.loads(out)["removed"]
    assert Path(removed).name.startswith("dsnparse-") and "99.0." not in removed
