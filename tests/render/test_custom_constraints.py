"""The python approach under custom constraints (``mwaa.customConstraints: true``): ``lock``
writes Apache Airflow's constraints with the lines that must move changed into ``locks/``; the
rendered ``requirements.txt`` names that file where MWAA's workers see the DAGs folder; every
package of MWAA's image it moves is a warning on ``validate`` and ``plan``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from mwaa_gitops.config import locks
from mwaa_gitops.config.locks import LockSet
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.facts import custom_constraints, mwaa_releases
from mwaa_gitops.render import pipeline
from tests.conftest import Writer

runner = CliRunner()
LOCK = LockSet("3.3.1", "2.0.7.0", (), "constraints")
MOVES = ("boto3 1.43.56 → 1.41.5", "botocore 1.43.56 → 1.41.6")
REQUIREMENTS_LINE = ('--constraint "/usr/local/airflow/dags/constraints/'
                     'constraints-openmetadata-ingestion-2.0.7.0.txt"')


def opt_in(write: Writer, repo: Path, env: str = "dev") -> None:
    """``env`` opts in and runs the Airflow connector's workflow in MWAA's own Python."""
    path = repo / "environments" / env / "environment.yaml"
    write(f"environments/{env}/environment.yaml",
          path.read_text().replace("mwaa:\n", "mwaa:\n  customConstraints: true\n", 1))
    write(f"environments/{env}/workflows/airflow_pipelines.yaml", """
        dag:
          approach: python
        """)


def write_lock(repo: Path) -> bytes:
    """The custom constraints as ``lock`` writes them, here with two moved lines (the network
    test below resolves them for real)."""
    text = mwaa_releases.airflow_constraints_text("3.3.1")
    text = text.replace("\nboto3==1.43.56\n", "\nboto3==1.41.5\n").replace(
        "\nbotocore==1.43.56\n", "\nbotocore==1.41.6\n")
    body = ("\n".join(locks.header(LOCK, "Apache Airflow's constraints, moved where they must "
                                   "for", MOVES)) + "\n" + text).encode()
    path = repo / LOCK.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return body


def test_opting_in_without_the_lock_is_refused_naming_the_command(
        repo: Path, write: Writer) -> None:
    opt_in(write, repo)
    (problem,) = pipeline.check(Repository(repo), ["dev"]).diagnostics.sorted()
    assert problem.code == "missing-lock"
    assert str(problem.location) == "environments/dev/workflows/airflow_pipelines.yaml:2:13"
    assert problem.message == (
        "workflow 'airflow_pipelines' needs the custom constraints lock of "
        "openmetadata-ingestion==2.0.7.0 on MWAA's Airflow 3.3.1, and the repository has no "
        f"{LOCK.path}")
    assert problem.hint == "run `mwaa-gitops lock --env dev` and commit locks/"


def test_validate_warns_once_with_every_moved_package_and_passes(
        repo: Path, write: Writer) -> None:
    opt_in(write, repo)
    write_lock(repo)
    result = runner.invoke(app, ["validate", "--repo", str(repo), "--env", "dev"])
    assert result.exit_code == 0, result.stderr
    (warning,) = [line for line in result.stderr.splitlines()
                  if "warning:" in line and "custom constraints" in line]
    assert warning.startswith("environments/dev/environment.yaml:4:22: warning: the python "
                              "approach installs openmetadata-ingestion==2.0.7.0 into MWAA's "
                              f"own Python under the custom constraints {LOCK.path}, which "
                              "move 2 of the packages MWAA's image has on Airflow 3.3.1: "
                              "boto3 1.43.56 → 1.41.5, botocore 1.43.56 → 1.41.6")
    assert result.stderr.strip().splitlines()[-1] == \
        "ok: 1 environment, 8 workflows valid, 1 warning"
    github = runner.invoke(app, ["validate", "--repo", str(repo), "--env", "dev",
                                 "--format", "github"])
    assert "::warning file=environments/dev/environment.yaml,line=4,col=22" in github.stdout


def test_render_puts_the_constraints_in_the_dags_folder_and_names_them_with_a_space(
        repo: Path, write: Writer, tmp_path: Path) -> None:
    opt_in(write, repo)
    body = write_lock(repo)
    out = tmp_path / "out"
    result = runner.invoke(app, ["render", "--repo", str(repo), "--env", "dev", "--out",
                                 str(out)])
    assert result.exit_code == 0, result.stderr
    # The image's packages the constraints move are listed too: pip moves only what it is
    # asked for and what that needs.
    assert (out / "requirements.txt").read_text().splitlines()[1:] == [
        REQUIREMENTS_LINE, "openmetadata-ingestion==2.0.7.0", "boto3", "botocore"]
    assert (out / "dags/constraints/constraints-openmetadata-ingestion-2.0.7.0.txt"
            ).read_bytes() == body


def test_plan_shows_the_moved_packages(repo: Path, write: Writer) -> None:
    opt_in(write, repo, "local")  # its bucket: a folder in the repository
    write_lock(repo)
    result = runner.invoke(app, ["plan", "--repo", str(repo), "--env", "local",
                                 "--no-check-dags"])
    assert result.exit_code == 0, result.stderr
    assert "warning: the python approach installs openmetadata-ingestion==2.0.7.0" in \
        result.stderr
    assert "boto3 1.43.56 → 1.41.5, botocore 1.43.56 → 1.41.6" in result.stderr


@pytest.mark.network
def test_lock_resolves_the_custom_constraints_under_mwaas_essential_ones_only(
        repo: Path, write: Writer) -> None:
    opt_in(write, repo)
    result = runner.invoke(app, ["lock", "--repo", str(repo), "--env", "dev"])
    assert result.exit_code == 0, result.stderr
    written = locks.read(repo, LOCK)
    assert written is not None and written.digest == LOCK.digest
    moved = {move.split()[0] for move in written.moves}
    assert {"boto3", "botocore", "s3transfer", "aiobotocore", "click"} <= moved
    text = (repo / LOCK.path).read_text()
    constraints, _, added = text.partition(custom_constraints.ADDED)
    pins = mwaa_releases.pins(constraints)
    original = mwaa_releases.airflow_constraints("3.3.1")
    essential = mwaa_releases.essential_constraints("3.3.1")
    assert all(pins.get(name, pin) == pin for name, pin in essential.items())
    changed = {name for name, pin in original.items() if pins.get(name) != pin}
    # Airflow's lines, only those that must move changed; then what the set adds, pinned.
    assert 10 <= len(changed) <= 30 and set(pins) == set(original)
    extra = mwaa_releases.pins(added)
    assert "dbt-core" in extra and not set(extra) & (set(original) | set(essential))
    found, reason = custom_constraints.resolve("3.3.1", "2.0.7.0", ())
    assert reason is None and found is not None
    assert {m.name for m in found.moves} == moved
    assert pipeline.check(Repository(repo), ["dev"]).ok
