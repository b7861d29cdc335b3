"""The vendored requirement data and how MWAA's install is modelled, offline."""

from __future__ import annotations

import re

import pytest

from mwaa_gitops.facts import mwaa_install, mwaa_releases, requirements_data
from mwaa_gitops.facts.mwaa_releases import constraints_url
from mwaa_gitops.render import pipelines
from scripts import generate_requirements

PIN = re.compile(r"^[a-z0-9][a-z0-9._-]*==\S+$")
COMBINATIONS = [(airflow, ingestion, extras) for airflow in mwaa_releases.releases()
                for ingestion in requirements_data.SUPPORTED_INGESTION
                for extras in requirements_data.EXTRA_SETS]
WITH_EXTRAS = [c for c in COMBINATIONS if c[2]]


def ids(combinations: list[tuple[str, str, tuple[str, ...]]]) -> list[str]:
    return ["-".join([a, i, ",".join(e) or "plain"]) for a, i, e in combinations]


def requirements_txt(airflow: str, *lines: str) -> str:
    return "\n".join(["# header", f'--constraint "{constraints_url(airflow)}"', *lines]) + "\n"


def test_vendored_requirement_data_matches_its_checksums() -> None:
    assert generate_requirements.check() == []


def test_every_supported_combination_has_a_lock_or_the_resolvers_reason() -> None:
    for combination in COMBINATIONS:
        lock = requirements_data.venv_lock(*combination)
        assert lock is not None, combination
        assert bool(lock.pins) != bool(lock.unresolvable), combination


@pytest.mark.parametrize(("airflow", "ingestion", "extras"), COMBINATIONS,
                         ids=ids(COMBINATIONS))
def test_locks_pin_everything_the_image_lacks_and_nothing_it_has(
        airflow: str, ingestion: str, extras: tuple[str, ...]) -> None:
    lock = requirements_data.venv_lock(airflow, ingestion, extras)
    assert lock is not None
    if lock.unresolvable:
        return
    installed = mwaa_releases.installed_packages(airflow)
    assert all(PIN.match(line) for line in lock.pins), lock.pins
    pins = dict(line.split("==") for line in lock.pins)
    assert pins[requirements_data.PACKAGE] == ingestion
    assert "apache-airflow" not in pins  # the image's Airflow stays the one imported
    assert not [name for name, version in pins.items() if installed.get(name) == version]
    # Its source build downloads from GitHub; dbt-core before 1.12 does without it.
    assert "dbt-core-experimental-parser" not in pins
    for name in requirements_data.undeclared(ingestion):
        assert name in pins or name in installed, name


def test_ingestion_1_12_imports_cachetools_declaring_it_only_for_some_extras() -> None:
    dist = requirements_data.requires_dist("1.12.14.2")
    assert dist is not None
    assert [r for r in dist if r.startswith("cachetools")]  # for extras such as bigquery
    assert not [r for r in dist if r.startswith("cachetools") and ";" not in r]
    assert requirements_data.undeclared("1.12.14.2") == ("cachetools",)
    assert requirements_data.undeclared("1.13.6.3") == ()


def test_on_airflow_2_ingestion_1_13_locks_nothing_since_airflow_needs_sqlalchemy_1_4() -> None:
    lock = requirements_data.venv_lock("2.10.3", "1.13.6.3", ())
    assert lock is not None and lock.unresolvable is not None
    assert "apache-airflow==2.10.3 depends on sqlalchemy" in lock.unresolvable


def test_mwaa_adds_its_airflow_constraints_only_without_a_constraints_line() -> None:
    names = [[c.name for c in mwaa_install.applied_constraints(text, "3.3.1")] for text in (
        "openmetadata-ingestion==1.13.6.3\n",
        "# -c pinned elsewhere\nopenmetadata-ingestion==1.13.6.3\n",  # commented: counts
        requirements_txt("3.3.1", "openmetadata-ingestion==1.13.6.3"),
        '--constraint "https://example.com/c.txt"\nopenmetadata-ingestion==1.13.6.3\n')]
    assert names == [["mwaa_essential_constraints.txt", "airflow_constraints.txt"],
                     ["mwaa_essential_constraints.txt"],
                     ["mwaa_essential_constraints.txt", "airflow_constraints.txt"],
                     ["mwaa_essential_constraints.txt"]]


def test_direct_conflicts_name_each_pin_mwaa_has_and_ingestion_rejects() -> None:
    conflicts = mwaa_install.direct_conflicts(
        requirements_txt("3.3.1", "openmetadata-ingestion==1.13.6.3"), "3.3.1")
    pins = mwaa_releases.airflow_constraints("3.3.1")
    assert conflicts
    for conflict in conflicts:
        assert pins[conflict.package] == conflict.pinned
        assert conflict.wanted_by == "openmetadata-ingestion==1.13.6.3"
    assert {c.package for c in conflicts} >= {"boto3", "tabulate"}


def test_direct_conflicts_evaluate_markers_for_the_release_python() -> None:
    text = requirements_txt("3.3.1", "openmetadata-ingestion==1.13.6.3")
    environment = mwaa_install.marker_environment("3.3.1")
    assert environment["python_version"] == "3.12"
    assert mwaa_install.marker_environment("2.10.3")["python_version"] == "3.11"
    # An extra adds its own requirements to the check.
    plain = {c.package for c in mwaa_install.direct_conflicts(text, "3.3.1")}
    with_extra = {c.package for c in mwaa_install.direct_conflicts(
        text.replace("ingestion==", "ingestion[postgres]=="), "3.3.1")}
    assert plain <= with_extra


def test_an_ingestion_release_without_vendored_requirements_is_unknown() -> None:
    with pytest.raises(mwaa_install.UnknownIngestion):
        mwaa_install.direct_conflicts(requirements_txt("3.3.1", "openmetadata-ingestion==1.0.0"),
                                      "3.3.1")


def named_by(message: str) -> str:
    """uv's explanation with package names normalized as the offline check writes them."""
    return re.sub(r"[-_.]+", "-", message.lower())


@pytest.mark.parametrize(("airflow", "ingestion", "extras"), COMBINATIONS,
                         ids=ids(COMBINATIONS))
def test_the_offline_check_agrees_with_uvs_vendored_verdict_on_each_extras_set(
        airflow: str, ingestion: str, extras: tuple[str, ...]) -> None:
    """What uv said (vendored by ``scripts/generate_requirements.py``) about
    ``openmetadata-ingestion[extras]==V`` under the constraint files MWAA applies, against the
    offline check's conflicts."""
    verdict = requirements_data.python_verdict(airflow, ingestion, extras)
    assert verdict is not None
    resolves, message = verdict
    text = requirements_txt(airflow, pipelines.requirement(ingestion, list(extras)))
    conflicts = mwaa_install.direct_conflicts(text, airflow)
    assert resolves == (not conflicts)
    if conflicts:  # uv names one conflict chain; the offline check found its package
        assert any(c.package in named_by(message) for c in conflicts), message


# What the offline check cannot see, measured: sqlalchemy-redshift's own SQLAlchemy range (one
# level below the extra) against the SQLAlchemy MWAA's constraints pin.
TRANSITIVE_ONLY = {("3.0.6", "1.13.6.3", ("redshift",)), ("3.2.1", "1.12.14.2", ("redshift",)),
                   ("3.3.1", "1.12.14.2", ("redshift",)), ("3.0.6", "2.0.7.0", ("redshift",))}


@pytest.mark.parametrize(("airflow", "ingestion", "extras"), WITH_EXTRAS, ids=ids(WITH_EXTRAS))
def test_the_conflicts_an_extra_adds_are_the_ones_uv_finds_in_what_it_adds(
        airflow: str, ingestion: str, extras: tuple[str, ...]) -> None:
    """uv's vendored verdict on just the requirements the extras add to the base package,
    against the conflicts the offline check puts down to those extras."""
    verdict = requirements_data.extras_only_verdict(airflow, ingestion, extras)
    assert verdict is not None
    resolves, message = verdict
    text = requirements_txt(airflow, pipelines.requirement(ingestion, list(extras)))
    added = [c for c in mwaa_install.direct_conflicts(text, airflow) if c.extras]
    assert all(c.extras and set(c.extras) <= set(extras) for c in added)
    if (airflow, ingestion, extras) in TRANSITIVE_ONLY:
        assert not added and not resolves
        assert "sqlalchemy-redshift" in named_by(message) and "depends on sqlalchemy" in message
        return
    assert resolves == (not added), (added, message)
    if added:
        assert any(c.package in named_by(message) for c in added), message


def test_redshift_brings_its_dialects_pin_conflict_on_airflow_2_only() -> None:
    found = {}
    for airflow in ("2.10.3", "3.3.1"):
        for ingestion in requirements_data.SUPPORTED_INGESTION:
            text = requirements_txt(airflow, f"openmetadata-ingestion[redshift]=={ingestion}")
            found[airflow, ingestion] = [c.text() for c in mwaa_install.direct_conflicts(
                text, airflow) if c.extras]
    assert found == {
        ("2.10.3", "1.12.14.2"): ["sqlalchemy-redshift==0.8.12 (for [redshift]; MWAA pins "
                                  "0.8.14)"],
        ("2.10.3", "1.13.6.3"): ["sqlalchemy-redshift~=1.0.0 (for [redshift]; MWAA pins "
                                 "0.8.14)"],
        ("2.10.3", "2.0.7.0"): ["sqlalchemy-redshift~=1.0.0 (for [redshift]; MWAA pins "
                                "0.8.14)"],
        ("3.3.1", "1.12.14.2"): [], ("3.3.1", "1.13.6.3"): [], ("3.3.1", "2.0.7.0"): []}


def test_the_measured_tables_of_the_docs_are_what_the_vendored_data_says() -> None:
    """docs/rendering.md's python-approach, extras and locks tables are written from the
    vendored data (``scripts/generate_requirements.py --docs``): a release added without them
    fails here."""
    text = generate_requirements.DOCS.read_text(encoding="utf-8")
    assert generate_requirements.docs_blocks(text) == text
    for version in requirements_data.SUPPORTED_INGESTION:
        assert f"`openmetadata-ingestion` {version} |" in text
