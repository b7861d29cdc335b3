"""scripts/refresh.py: an upstream release in one command, editing only what generators cannot
write, the same way each time."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scripts import refresh
from tests.conftest import ROOT

REQUIREMENTS_DATA = (ROOT / "tools/mwaa_gitops/facts/requirements_data.py").read_text()
ENVIRONMENT_SCHEMA = (ROOT / "schemas/environment.schema.json").read_text()


def supported(source: str) -> str:
    return next(line for line in source.splitlines() if line.startswith("SUPPORTED_INGESTION"))


def test_a_release_of_a_known_line_replaces_that_lines_release() -> None:
    source, new_line = refresh.with_release(REQUIREMENTS_DATA, "1.13.7.0")
    assert not new_line
    assert supported(source) == 'SUPPORTED_INGESTION = ("1.12.14.2", "1.13.7.0", "2.0.7.0")'


def test_a_release_of_a_new_line_is_added_in_order() -> None:
    source, new_line = refresh.with_release(REQUIREMENTS_DATA, "2.1.0.0")
    assert new_line
    assert supported(source).endswith('"2.0.7.0", "2.1.0.0")')
    assert source.replace(supported(source), "") == \
        REQUIREMENTS_DATA.replace(supported(REQUIREMENTS_DATA), "")


def test_a_new_lines_server_branch_comes_before_the_default_which_follows_the_newest() -> None:
    text = refresh.with_server_branch(ENVIRONMENT_SCHEMA, "2.1", "2.1")
    branches = json.loads(text)["properties"]["openmetadata"]["allOf"]
    targets = [b["then"]["properties"]["server"]["$ref"] for b in branches]
    assert targets[-2:] == ["openmetadata/2.1/server-connection.schema.json"] * 2
    assert branches[-2]["if"]["properties"]["ingestionVersion"]["pattern"] == r"^2\.1\."
    assert "required" not in branches[-1]["if"]


def test_a_known_lines_server_branch_is_left_as_it_is() -> None:
    assert refresh.with_server_branch(ENVIRONMENT_SCHEMA, "2.0", "2.0") == ENVIRONMENT_SCHEMA


def test_a_new_lines_test_venv_input_starts_from_the_newest_lines() -> None:
    template = ROOT / "tests/support/openmetadata-2.0.in"
    text = refresh.pinned_input(ROOT / "tests/support/openmetadata-2.1.in", "2.1.0.0", template)
    assert "openmetadata-ingestion==2.1.0.0" in text.splitlines()
    assert "openmetadata-2.1.lock" in text and "2.0" not in text
    assert refresh.test_input("1.13").name == "openmetadata.in"
    assert refresh.test_input("2.1").name == "openmetadata-2.1.in"


def test_a_release_that_is_no_openmetadata_release_is_refused() -> None:
    with pytest.raises(refresh.RefreshError, match="not an openmetadata-ingestion release"):
        refresh.line_of("2.0")


@pytest.fixture
def images(tmp_path: Path) -> Path:
    """A repository shaped like aws/amazon-mwaa-docker-images, with one image."""
    (tmp_path / "images/airflow/2.9.2").mkdir(parents=True)
    (tmp_path / "images/airflow/2.9.2/README.md").write_text("2.9.2\n")
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t",
                                                 "commit", "-qm", "images"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True)
    return tmp_path


@pytest.mark.parametrize(("release", "why"), [
    ("2.8.1", "that repository's images start at 2.9.2"),
    ("3.4.0", "pick a later commit"),
])
def test_an_mwaa_release_the_image_repository_lacks_is_refused_saying_why(
        images: Path, release: str, why: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert refresh.main(["--mwaa", str(images), "--release", release]) == 1
    err = capsys.readouterr().err
    assert f"Airflow {release} has no folder images/airflow/{release}" in err
    assert why in err
