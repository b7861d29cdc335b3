"""MWAA's releases as vendored data: checksums, regeneration, and the API over them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mwaa_gitops.facts import mwaa_releases
from mwaa_gitops.facts.mwaa_releases import DATA_DIR, UnknownRelease
from scripts import generate_mwaa

# A clone of aws/amazon-mwaa-docker-images (bare or not), to check the data against it.
SOURCE = os.environ.get("MWAA_DOCKER_IMAGES_GIT", "")
SCHEMA = DATA_DIR.parent / "schemas" / "mwaa" / "airflow-version.schema.json"


def generate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, generate_mwaa.__file__, *args], capture_output=True,
                          text=True, check=False)


def test_every_vendored_file_has_the_checksum_the_index_records() -> None:
    index = json.loads((DATA_DIR / "releases.json").read_text())
    checked = 0
    for version, entry in index["releases"].items():
        for name, info in entry["files"].items():
            data = (DATA_DIR / version / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == info["sha256"], f"{version}/{name}"
            checked += 1
    assert checked == 3 * len(index["releases"])
    assert generate("--check").returncode == 0


def test_checksum_check_fails_on_an_edited_file(tmp_path: Path) -> None:
    copy = tmp_path / "mwaa"
    subprocess.run(["cp", "-r", str(DATA_DIR), str(copy)], check=True)
    constraints = copy / "3.3.1" / "airflow_constraints.txt"
    constraints.write_text(constraints.read_text() + "extra==1.0\n")
    run = subprocess.run([sys.executable, generate_mwaa.__file__, "--data", str(copy), "--check"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1
    assert "3.3.1/airflow_constraints.txt: its sha256 is not the one releases.json records" \
        in run.stderr


@pytest.mark.skipif(not SOURCE, reason="MWAA_DOCKER_IMAGES_GIT names no clone of "
                    "aws/amazon-mwaa-docker-images to regenerate the data from")
def test_vendored_data_is_what_generate_writes_from_the_images_repository() -> None:
    index = json.loads((DATA_DIR / "releases.json").read_text())
    run = generate("--source", SOURCE, "--rev", index["source"]["commit"], "--check")
    assert run.returncode == 0, run.stderr


def test_release_list_is_the_schema_enum() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert tuple(schema["enum"]) == mwaa_releases.releases()


def test_releases_are_mwaa_images_oldest_first() -> None:
    assert mwaa_releases.releases() == ("2.9.2", "2.10.1", "2.10.3", "2.11.0", "2.11.2",
                                        "3.0.6", "3.2.1", "3.3.1")


def test_python_is_the_one_each_image_builds() -> None:
    assert {v: mwaa_releases.python_full_version(v) for v in mwaa_releases.releases()} == {
        "2.9.2": "3.11.9", "2.10.1": "3.11.9", "2.10.3": "3.11.9", "2.11.0": "3.12.10",
        "2.11.2": "3.12.10", "3.0.6": "3.12.10", "3.2.1": "3.12.13", "3.3.1": "3.12.13"}
    assert mwaa_releases.python_version("2.11.2") == "3.12"
    assert mwaa_releases.python_version("2.10.3") == "3.11"


def test_each_image_installed_its_release_at_the_versions_its_constraints_pin() -> None:
    for version in mwaa_releases.releases():
        installed = mwaa_releases.installed_packages(version)
        pinned = {**mwaa_releases.airflow_constraints(version),
                  **mwaa_releases.essential_constraints(version)}
        assert installed["apache-airflow"] == version
        assert mwaa_releases.essential_constraints(version)["apache-airflow"] == version
        assert {name: (pinned[name], installed[name]) for name in installed
                if name in pinned and pinned[name] != installed[name]} == {}, version


def test_installed_packages_are_normalized_name_version_lines() -> None:
    packages = mwaa_releases.installed_packages("2.10.3")
    assert packages["sqlalchemy"] == "1.4.54"
    assert packages["flask-appbuilder"] == mwaa_releases.essential_constraints("2.10.3")[
        "flask-appbuilder"]
    assert "cachetools" not in packages
    assert mwaa_releases.installed_packages("3.3.1")["cachetools"] == "6.2.6"


def test_constraints_paths_are_the_vendored_files() -> None:
    release = mwaa_releases.release("3.3.1")
    assert release.airflow_constraints_path == DATA_DIR / "3.3.1" / "airflow_constraints.txt"
    assert release.sources["airflow_constraints.txt"] == \
        "images/airflow/3.3.1/etc/airflow_constraints.txt"
    assert mwaa_releases.essential_constraints_text("3.3.1").startswith("#")


@pytest.mark.parametrize(("version", "near"), [
    ("2.10.9", "2.10.3"), ("2.10.2", "2.10.3"), ("2.10.0", "2.10.1"), ("3.3.2", "3.3.1"),
    ("2.11.1", "2.11.2"), ("2.8.1", "2.9.2"), ("4.0.0", None), ("latest", None)])
def test_nearest_release_keeps_major_minor_and_takes_the_nearest_patch(
        version: str, near: str | None) -> None:
    assert mwaa_releases.nearest(version) == near


def test_unknown_release_names_the_nearest() -> None:
    with pytest.raises(UnknownRelease, match=r"'3\.3\.2' is not an Airflow release MWAA runs "
                                             r"\(nearest: 3\.3\.1\)"):
        mwaa_releases.release("3.3.2")


# pip-licenses --format=plain-vertical --with-url --with-license-file --with-notice-file: name,
# version, license (may span lines), URL, license file, its text, notice file, its text, blank.
BOM = """This Docker image includes the following third-party software/licensing:
Flask
3.1.3
BSD-3-Clause
https://github.com/pallets/flask/
/usr/local/airflow/.local/lib/python3.12/site-packages/flask-3.1.3.dist-info/LICENSE.txt
Copyright 2010 Pallets

Redistribution and use in source and binary forms
UNKNOWN
UNKNOWN

fluent-logger
0.11.1
Apache License
                                 Version 2.0, January 2004

   Unless required by applicable law
https://github.com/fluent/fluent-logger-python
/usr/local/airflow/.local/lib/python3.12/site-packages/fluent_logger-0.11.1.dist-info/COPYING
Copyright (C) 2011

   Licensed under the Apache License
UNKNOWN
UNKNOWN

zope.event
5.0
ZPL 2.1
UNKNOWN
UNKNOWN
UNKNOWN
UNKNOWN
UNKNOWN
"""


def test_bill_of_materials_reads_multiline_licenses_and_packages_without_files() -> None:
    packages, pythons = generate_mwaa.bill_of_materials(BOM)
    assert packages == {"flask": "3.1.3", "fluent-logger": "0.11.1", "zope-event": "5.0"}
    assert pythons == {"3.12"}


def test_bill_of_materials_refuses_a_listing_it_misreads() -> None:
    wrong = BOM.replace("flask-3.1.3.dist-info", "flask-3.1.2.dist-info")
    with pytest.raises(generate_mwaa.GenerateError, match=r"flask-3\.1\.2\.dist-info"):
        generate_mwaa.bill_of_materials(wrong)
