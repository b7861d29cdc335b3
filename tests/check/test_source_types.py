"""``source.type`` names a connector the environment's openmetadata-ingestion ships."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import Diagnostic
from mwaa_gitops.render import pipeline

METADATA = "environments/base/workflows/redshift_metadata.yaml"
USAGE = "environments/base/workflows/redshift_usage.yaml"


def problems(repo: Path, *names: str) -> list[Diagnostic]:
    return pipeline.check(Repository(repo), list(names) or None).diagnostics.sorted()


def edit(repo: Path, relative: str, old: str, new: str) -> None:
    path = repo / relative
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


def test_misspelt_source_type_is_refused_with_the_connector_meant(repo: Path) -> None:
    edit(repo, METADATA, "  type: redshift\n", "  type: redshfit\n")
    (problem,) = problems(repo)  # once, though three environments run it
    assert str(problem.location) == f"{METADATA}:9:9"
    assert problem.code == "unknown-source-type"
    assert "'redshfit'" in problem.message
    assert problem.hint == "did you mean 'redshift'?"


def test_misspelt_usage_source_keeps_its_suffix_in_the_hint(repo: Path) -> None:
    edit(repo, USAGE, "  type: redshift-usage\n", "  type: redshfit-usage\n")
    (problem,) = problems(repo, "local")
    assert problem.code == "unknown-source-type"
    assert problem.hint == "did you mean 'redshift-usage'?"


def test_a_connector_of_a_later_line_is_refused_on_an_earlier_one(repo: Path) -> None:
    # MCP servers came with openmetadata-ingestion 1.13; prod pins 1.12.
    edit(repo, METADATA, "  type: redshift\n", "  type: mcp\n")
    found = [d for d in problems(repo, "prod", "local") if d.code == "unknown-source-type"]
    assert len(found) == 1 and "1.12." in found[0].message


def test_custom_connector_with_its_class_passes(repo: Path) -> None:
    edit(repo, METADATA, "  type: redshift\n", "  type: CustomDatabase\n")
    edit(repo, METADATA, """      type: Redshift
      hostPort: warehouse.example.eu-west-1.redshift.amazonaws.com:5439
      database: analytics
      username: openmetadata_ingestion
      authType:
        password: secret:/openmetadata/redshift/ingestion-password
""", """      type: CustomDatabase
      sourcePythonClass: connectors.warehouse.WarehouseSource
""")
    assert [d for d in problems(repo, "local") if d.subject == "source.type"] == []


def test_custom_connector_without_its_class_is_refused(repo: Path) -> None:
    edit(repo, METADATA, "  type: redshift\n", "  type: CustomDatabase\n")
    edit(repo, METADATA, """      type: Redshift
      hostPort: warehouse.example.eu-west-1.redshift.amazonaws.com:5439
      database: analytics
      username: openmetadata_ingestion
      authType:
        password: secret:/openmetadata/redshift/ingestion-password
""", "      type: CustomDatabase\n")
    found = [d for d in problems(repo, "local") if d.code == "custom-connector-class"]
    assert [str(d.location) for d in found] == [f"{METADATA}:9:9"]
