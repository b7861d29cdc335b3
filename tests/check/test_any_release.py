"""Any release of a supported line: a patch the tool has not vendored is checked against its
line's model, with what is patch-specific read from the package index on demand (and cached),
and said plainly, at the line that pins it, when the index cannot be reached."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from mwaa_gitops.commands import lock
from mwaa_gitops.config import environments
from mwaa_gitops.config.model import environment_from
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import ConfigError, Diagnostic
from mwaa_gitops.facts import package_index, requirements_data, resolver
from mwaa_gitops.render import pipeline, render_environment
from mwaa_gitops.report import OutputFormat
from tests.conftest import Writer

UNSEEN = "1.13.5.0"  # on the index, not vendored


def pin(write: Writer, repo: Path, ingestion: str, server: str) -> None:
    write("environments/dev/environment.yaml", (repo / "environments/dev/environment.yaml")
          .read_text().replace("openmetadata:\n", f'openmetadata:\n  ingestionVersion: '
                               f'"{ingestion}"\n  serverVersion: "{server}"\n'))


def problems(repo: Path, name: str) -> list[Diagnostic]:
    return pipeline.check(Repository(repo), [name]).diagnostics.sorted()


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty cache and a package index nobody listens at."""
    monkeypatch.setenv("MWAA_GITOPS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(resolver, "INDEX_URL", "http://127.0.0.1:9/simple")
    requirements_data.requires_dist.cache_clear()
    requirements_data.connectors.cache_clear()


def test_an_unseen_patch_offline_is_said_once_at_the_line_that_pins_it(
        repo: Path, write: Writer, offline: None) -> None:
    pin(write, repo, UNSEEN, "1.13.5")
    found = problems(repo, "dev")
    assert [(d.code, str(d.location)) for d in found] == [
        ("index-unavailable", "environments/dev/environment.yaml:7:21")]
    (problem,) = found
    assert f"openmetadata-ingestion {UNSEEN} is not vendored" in problem.message
    assert "could not be reached" in problem.message and "Traceback" not in problem.message
    assert problem.hint is not None and "1.13.6.3" in problem.hint


def test_render_of_an_unseen_patch_without_its_lock_fails_at_the_workflows_approach(
        repo: Path, offline: None) -> None:
    env = environment_from(environments.build(Repository(repo), "dev"))
    env = dataclasses.replace(env, openmetadata=dataclasses.replace(
        env.openmetadata, ingestion_version=UNSEEN, server_version="1.13.5"))
    with pytest.raises(ConfigError) as raised:
        render_environment(env)
    (problem,) = raised.value.diagnostics
    assert str(problem.location) == "environments/base/workflows/airflow_pipelines.yaml:7:13"
    assert problem.code == "missing-lock"
    assert problem.hint == "run `mwaa-gitops lock --env dev` and commit locks/"


def test_an_unseen_patch_is_checked_against_its_lines_model(
        repo: Path, write: Writer, offline: None) -> None:
    pin(write, repo, UNSEEN, "1.13.5")
    write("environments/dev/workflows/metabase_dashboards.yaml", """
        source:
          sourceConfig:
            config:
              notAField: true
        """)
    codes = {d.code for d in problems(repo, "dev")}
    assert "unknown-key" in codes and "unsupported-line" not in codes


@pytest.mark.network
def test_an_unseen_patch_validates_with_the_index_reachable(
        repo: Path, write: Writer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_GITOPS_CACHE", str(tmp_path / "cache"))
    for cached in (requirements_data.requires_dist, requirements_data.connectors):
        cached.cache_clear()
    pin(write, repo, UNSEEN, "1.13.5")
    assert {d.code for d in problems(repo, "dev")} == {"missing-lock"}
    assert lock.run(repo, ["dev"], OutputFormat.text) == 0
    assert problems(repo, "dev") == []
    requires, connectors = package_index.cached_files(UNSEEN)
    assert "sqlalchemy" in requires.read_text().lower() and connectors.is_file()
    assert requirements_data.requires_dist(UNSEEN) != requirements_data.requires_dist(
        "1.13.6.3")


@pytest.mark.network
def test_a_release_the_index_does_not_have_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_GITOPS_CACHE", str(tmp_path))
    with pytest.raises(package_index.IndexUnavailable,
                       match=re.escape("has no openmetadata-ingestion 1.13.99.0")):
        package_index.release_files("1.13.99.0")
