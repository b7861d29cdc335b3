"""A private network's wheel bundle: which wheel a pin gets, what render lays out beside the
DAGs, and how validate reports a bundle that lacks wheels."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from mwaa_gitops.diagnostics import Location
from mwaa_gitops.facts import wheel_bundle
from mwaa_gitops.render import pipeline
from mwaa_gitops.render.dags import lock_pins

runner = CliRunner()
ENVIRONMENT = "environments/local/environment.yaml"


def test_a_pin_gets_the_wheel_pip_prefers_on_mwaas_platform_and_python() -> None:
    files = ["pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
             "pkg-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
             "pkg-1.0-cp312-cp312-manylinux_2_39_x86_64.whl",  # newer glibc than MWAA's
             "pkg-1.0-cp312-cp312-manylinux_2_28_aarch64.whl",
             "pkg-1.0-cp311-cp311-manylinux_2_28_x86_64.whl",
             "pkg-1.0-cp312-cp312-macosx_11_0_x86_64.whl",
             "pkg-1.0-py3-none-any.whl",
             "pkg-1.1-cp312-cp312-manylinux_2_28_x86_64.whl",
             "pkg-1.0.tar.gz"]
    assert wheel_bundle.wheel_for("pkg==1.0", files, "3.12.13") == \
        "pkg-1.0-cp312-cp312-manylinux_2_28_x86_64.whl"
    assert wheel_bundle.wheel_for("PKG==1.0.0", ["pkg-1.0-py3-none-any.whl"], "3.12") == \
        "pkg-1.0-py3-none-any.whl"
    assert wheel_bundle.wheel_for("pkg==1.0", files[2:4] + files[5:6], "3.12") is None
    assert wheel_bundle.wheel_for("pkg==1.0", ["pkg-1.0-cp39-abi3-manylinux1_x86_64.whl"],
                                  "3.11.9") == "pkg-1.0-cp39-abi3-manylinux1_x86_64.whl"
    assert wheel_bundle.folder_name("3.12.13") == "cp312-manylinux_x86_64"


def private(repo: Path) -> Path:
    path = repo / ENVIRONMENT
    path.write_text(path.read_text().replace("mwaa:\n", "mwaa:\n  privateNetwork: true\n", 1))
    return path


def fill_bundle(repo: Path) -> list[str]:
    """A (tiny) wheel in locks/wheels/ for every pin of the local environment's locks."""
    environment = pipeline.check(pipeline.open_repository(repo), ["local"]).environments["local"]
    from mwaa_gitops.config.model import environment_from

    pins = lock_pins(environment_from(environment))
    folder = repo / "locks" / "wheels" / "cp312-manylinux_x86_64"
    folder.mkdir(parents=True)
    for pin in pins:
        name, _, version = pin.partition("==")
        with zipfile.ZipFile(folder / f"{name.replace('-', '_')}-{version}-py3-none-any.whl",
                             "w") as archive:
            archive.writestr("pin.txt", pin)
    return list(pins)


def test_validate_names_the_setting_and_the_command_when_the_bundle_lacks_wheels(
        repo: Path) -> None:
    private(repo)
    result = runner.invoke(app, ["validate", "--env", "local", "--repo", str(repo)])
    assert result.exit_code == 1
    line = (repo / ENVIRONMENT).read_text().splitlines().index("  privateNetwork: true") + 1
    assert f"{ENVIRONMENT}:{line}:19: the workers reach no package index" in result.stderr
    assert "run `mwaa-gitops bundle --env local` where the package index is reachable" \
        in result.stderr


def test_a_private_network_renders_its_bundle_beside_the_dags_and_installs_from_it(
        repo: Path) -> None:
    private(repo)
    pins = fill_bundle(repo)
    (checked,) = pipeline.rendered(pipeline.open_repository(repo), ["local"])
    files = checked.files
    wheels = sorted(key for key in files if key.endswith(".whl"))
    assert len(wheels) == len(pins) > 50
    assert all(key.startswith("dags/openmetadata/wheels/cp312-manylinux_x86_64/")
               for key in wheels)
    # Airflow 3 reads .airflowignore as glob patterns: every file of the bundle's folder.
    assert files["dags/openmetadata/wheels/.airflowignore"] == b"*\n"
    dag = files["dags/openmetadata/airflow_pipelines_virtualenv.py"].decode()
    assert 'WHEELS = "wheels/cp312-manylinux_x86_64"' in dag
    assert '["--no-index", "--find-links", str(Path(__file__).parent / WHEELS)]' in dag
    # Nothing needs installing into MWAA itself here: no index, no constraints URL either.
    assert b"--constraint" not in files["requirements.txt"]


def test_without_a_private_network_nothing_of_a_bundle_is_rendered(repo: Path) -> None:
    (checked,) = pipeline.rendered(pipeline.open_repository(repo), ["local"])
    assert not [key for key in checked.files if "/wheels/" in key]
    dag = checked.files["dags/openmetadata/airflow_pipelines_virtualenv.py"].decode()
    assert "WHEELS = None" in dag


@pytest.mark.parametrize("private_network", [True, False])
def test_requirements_of_the_python_approach_say_no_index_on_a_private_network(
        repo: Path, private_network: bool) -> None:
    from dataclasses import replace

    from mwaa_gitops.render.mwaa import render_requirements

    environment = pipeline.checked_environment(pipeline.open_repository(repo), "local")
    workflow = environment.workflows[0]
    python = replace(workflow, dag=replace(workflow.dag, approach="python"))
    where = Location(ENVIRONMENT, 5, 19) if private_network else None
    environment = replace(environment, workflows=(python,),
                          mwaa=replace(environment.mwaa, private_network=where))
    text = render_requirements(environment)[environment.mwaa.requirements_path].decode()
    lines = text.splitlines()
    if private_network:
        # The bundle's folder as the workers see it: the DAGs folder is on their disk first.
        assert lines[1:3] == ["--no-index", "--find-links /usr/local/airflow/dags/openmetadata/"
                              "wheels/cp312-manylinux_x86_64"]
        assert lines[3].startswith("--constraint ")
    else:
        assert "--no-index" not in text and lines[1].startswith("--constraint ")
