"""Which openmetadata-ingestion releases MWAA can install into its own Python environment."""

from __future__ import annotations

import pytest

from mwaa_gitops.compatibility import (
    Conflict,
    ingestion_sqlalchemy,
    mwaa_sqlalchemy,
    python_approach_conflict,
)


@pytest.mark.parametrize(("airflow", "sqlalchemy"), [
    ("2.9.2", "1.4"), ("2.10.3", "1.4"), ("2.11.0", "1.4"), ("3.0.6", "1.4"), ("3.2.1", "2"),
    ("3.3.1", "2"), ("2.8.1", None), ("3.1.5", None), ("latest", None),
])
def test_mwaa_pins_one_sqlalchemy_line_per_airflow_line(airflow: str,
                                                        sqlalchemy: str | None) -> None:
    assert mwaa_sqlalchemy(airflow) == sqlalchemy


@pytest.mark.parametrize(("ingestion", "sqlalchemy"), [
    ("1.0.0.0", "1.4"), ("1.12.14.2", "1.4"), ("1.13.0.0", "2"), ("1.13.6.3", "2"),
    ("2.0.7.0", "2"), ("0.13.2", None), ("1", None),
])
def test_ingestion_needs_sqlalchemy_2_from_1_13_on(ingestion: str, sqlalchemy: str | None) -> None:
    assert ingestion_sqlalchemy(ingestion) == sqlalchemy


def test_ingestion_1_13_conflicts_with_airflow_2_and_names_the_ways_out() -> None:
    assert python_approach_conflict("2.10.3", "1.13.6.3") == Conflict(
        ingestion_sqlalchemy="2", mwaa_sqlalchemy="1.4", ingestion_lines="1.12.x",
        mwaa_lines="3.2 or 3.3")


def test_ingestion_1_12_conflicts_with_airflow_3_2_and_later() -> None:
    assert python_approach_conflict("3.2.1", "1.12.14.2") == Conflict(
        ingestion_sqlalchemy="1.4", mwaa_sqlalchemy="2", ingestion_lines="1.13 or later",
        mwaa_lines="2.9, 2.10, 2.11 or 3.0")


@pytest.mark.parametrize(("airflow", "ingestion"), [
    ("3.3.1", "1.13.6.3"), ("3.2.1", "1.13.0.0"), ("3.0.6", "1.12.14.2"), ("2.10.3", "1.12.1"),
    ("2.8.1", "1.13.6.3"), ("3.3.1", "not-a-version"),
])
def test_matching_or_unknown_versions_are_no_conflict(airflow: str, ingestion: str) -> None:
    assert python_approach_conflict(airflow, ingestion) is None
