"""The python approach on a private network: only under custom constraints (the constraints
file then travels in the DAGs folder); ``lock`` records what MWAA's pip installs under them,
the bundle carries its wheels but the image's own, and ``requirements.txt`` installs from the
bundle's folder as the workers see it, with no index."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from mwaa_gitops.config import locks
from mwaa_gitops.config.locks import LockSet
from mwaa_gitops.config.model import environment_from
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.facts import mwaa_releases
from mwaa_gitops.render import pipeline
from mwaa_gitops.render.dags import lock_pins
from tests.conftest import Writer
from tests.render.test_custom_constraints import REQUIREMENTS_LINE, write_lock

runner = CliRunner()
RESOLVED = LockSet("3.3.1", "2.0.7.0", (), "python")
BUNDLE = "/usr/local/airflow/dags/openmetadata/wheels/cp312-manylinux_x86_64"
HASH = "--hash=sha256:" + "0" * 64


def python_on_private_network(write: Writer, repo: Path, custom: bool) -> None:
    """dev runs the Airflow connector's workflow in MWAA's own Python, on a private network."""
    path = repo / "environments" / "dev" / "environment.yaml"
    settings = "  privateNetwork: true\n" + ("  customConstraints: true\n" if custom else "")
    write("environments/dev/environment.yaml",
          path.read_text().replace("mwaa:\n", "mwaa:\n" + settings, 1))
    write("environments/dev/workflows/airflow_pipelines.yaml", """
        dag:
          approach: python
        """)


def write_resolved(repo: Path) -> list[str]:
    """The resolved set as ``lock`` writes it (hashes made up): two moved packages, one the
    image has at its version, and one the image lacks."""
    image = mwaa_releases.installed_packages("3.3.1")
    pins = ["boto3==1.41.5", "botocore==1.41.6", f"jmespath=={image['jmespath']}",
            "openmetadata-ingestion==2.0.7.0"]
    path = repo / RESOLVED.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([*locks.header(RESOLVED, "What MWAA's pip installs, under the "
                                             "custom constraints, for"),
                               *(f"{pin} \\\n    {HASH}" for pin in pins)]) + "\n")
    return pins


def fill_bundle(repo: Path, pins: list[str]) -> None:
    folder = repo / "locks" / "wheels" / "cp312-manylinux_x86_64"
    folder.mkdir(parents=True, exist_ok=True)
    for pin in pins:
        name, _, version = pin.partition("==")
        with zipfile.ZipFile(folder / f"{name.replace('-', '_')}-{version}-py3-none-any.whl",
                             "w") as archive:
            archive.writestr("pin.txt", pin)


def test_without_custom_constraints_it_is_refused_at_the_setting_with_the_way_out(
        repo: Path, write: Writer) -> None:
    python_on_private_network(write, repo, custom=False)
    problems = pipeline.check(Repository(repo), ["dev"]).diagnostics.sorted()
    (problem,) = [p for p in problems if p.code == "private-network-constraints"]
    # privateNetwork and the approach come from the same layer: the later one, the approach.
    assert str(problem.location) == "environments/dev/workflows/airflow_pipelines.yaml:2:13"
    assert "on a private network, where MWAA's pip can fetch neither packages nor Apache " \
           "Airflow's constraints (a URL)" in problem.message
    assert problem.hint.startswith("set `mwaa.customConstraints: true`")
    assert "`mwaa-gitops lock --env dev`" in problem.hint
    assert not [p for p in problems if p.code == "dependency-conflict"]  # one root cause


def test_with_custom_constraints_it_needs_the_resolved_set_beside_them(
        repo: Path, write: Writer) -> None:
    python_on_private_network(write, repo, custom=True)
    write_lock(repo)
    problems = pipeline.check(Repository(repo), ["dev"]).diagnostics.sorted()
    (problem,) = [p for p in problems if p.severity == "error"]
    assert problem.code == "missing-lock"
    assert problem.message.endswith(f"the repository has no {RESOLVED.path}")
    assert problem.hint == "run `mwaa-gitops lock --env dev` and commit locks/"


def test_requirements_install_from_the_bundle_which_carries_the_sets_wheels_but_the_images(
        repo: Path, write: Writer, tmp_path: Path) -> None:
    python_on_private_network(write, repo, custom=True)
    write_lock(repo)
    resolved = write_resolved(repo)
    environment = environment_from(
        pipeline.check(Repository(repo), ["dev"]).environments["dev"])
    pins = lock_pins(environment)
    image = mwaa_releases.installed_packages("3.3.1")
    assert {"boto3==1.41.5", "botocore==1.41.6", "openmetadata-ingestion==2.0.7.0"} <= set(pins)
    assert f"jmespath=={image['jmespath']}" not in pins
    fill_bundle(repo, list(pins))
    out = tmp_path / "out"
    result = runner.invoke(app, ["render", "--repo", str(repo), "--env", "dev", "--out",
                                 str(out)])
    assert result.exit_code == 0, result.stderr
    assert (out / "requirements.txt").read_text().splitlines()[1:] == [
        "--no-index", f"--find-links {BUNDLE}", REQUIREMENTS_LINE,
        "openmetadata-ingestion==2.0.7.0", "boto3", "botocore"]
    wheels = {p.name for p in (out / BUNDLE.replace("/usr/local/airflow/", "")).iterdir()}
    assert "boto3-1.41.5-py3-none-any.whl" in wheels
    assert not [name for name in wheels if name.startswith("jmespath-")]
    assert set(resolved) - {f"jmespath=={image['jmespath']}"} <= set(pins)  # with the venvs'


@pytest.mark.network
def test_lock_records_what_mwaas_pip_installs_with_hashes(repo: Path, write: Writer) -> None:
    python_on_private_network(write, repo, custom=True)
    result = runner.invoke(app, ["lock", "--repo", str(repo), "--env", "dev"])
    assert result.exit_code == 0, result.stderr
    written = locks.read(repo, RESOLVED)
    assert written is not None and written.digest == RESOLVED.digest
    pins = dict(pin.split("==") for pin in written.pins)
    assert pins["openmetadata-ingestion"] == "2.0.7.0" and "apache-airflow" not in pins
    assert pins["boto3"] == "1.41.5"  # a package of the image the constraints move
    assert all("--hash=sha256:" in line for line in written.lines)
    # What pip installs is what the constraints file pins, wherever it pins it.
    constraints = mwaa_releases.pins((repo / RESOLVED.path.replace("/python-", "/constraints-")
                                      ).read_text())
    assert {name: pin for name, pin in pins.items() if constraints.get(name, pin) != pin} == {}
