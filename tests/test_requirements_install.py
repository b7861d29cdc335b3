"""Against PyPI, with uv: the gate's verdicts agree with a real resolver, and every requirement set
the renderer emits installs (dry run) under MWAA's constraints.

Resolution targets the release's own Python (``--python-version``, the full version its image
builds) on MWAA's platform (x86_64 manylinux 2.34), whatever runs the tests. The dry-run installs
run in a virtualenv of the release's Python minor when one is installed (its patch release may
differ from the image's; uv is not allowed to download one); otherwise they target the release's
Python with ``--python-version`` into a ``--target`` folder, which resolves the same set but runs
no interpreter of that version. Nothing here runs MWAA's image itself: the image's packages are
given as constraints, not installed.
Resolutions go through the gate's own cache (a repeated run costs nothing, as for ``validate
--resolve``); dry runs always run, kept fast by uv's cache. Task-virtualenv locks are installed for
the plain package on every release, with every locked extras set on the newest, and with the
connector extras the examples use on the releases the examples declare.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mwaa_gitops.config.repository import Repository
from mwaa_gitops.facts import mwaa_install, mwaa_releases, requirements_data, resolver
from mwaa_gitops.facts.mwaa_releases import constraints_url
from mwaa_gitops.render import pipeline

pytestmark = pytest.mark.network
RELEASES = mwaa_releases.releases()
ROOT = Path(__file__).resolve().parents[1]
EXCLUDE_NEWER = "2026-12-01T00:00:00Z"  # the index state the vendored locks were made at


def python_for(minor: str) -> str | None:
    """An interpreter of that Python minor, found by uv, on PATH, or among pyenv's versions."""
    found = subprocess.run([resolver.uv_binary(), "python", "find", "--no-project", minor],
                           capture_output=True, text=True, check=False)
    candidates = [found.stdout.strip()] if found.returncode == 0 else []
    candidates += [shutil.which(f"python{minor}") or ""]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        candidates += sorted(str(p) for p in Path(root.stdout.strip()).glob(
            f"versions/{minor}.*/bin/python{minor}"))
    for candidate in filter(None, candidates):
        version = subprocess.run([candidate, "-c", "import sys; print(*sys.version_info[:2], "
                                  "sep='.')"], capture_output=True, text=True, check=False)
        if version.returncode == 0 and version.stdout.strip() == minor:
            return candidate
    return None


def dry_run(airflow: str, lines: list[str], constraints: list[Path], tmp_path: Path,
            *options: str) -> subprocess.CompletedProcess[str]:
    """``uv pip install --dry-run`` of ``lines`` under ``constraints`` for the release."""
    release = mwaa_releases.release(airflow)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("".join(f"{line}\n" for line in lines))
    python = python_for(release.python_minor)
    command = [resolver.uv_binary(), "pip", "install", "--dry-run", "--no-config",
               "--index-url", resolver.INDEX_URL, "--python-platform", resolver.PLATFORM,
               "-r", str(requirements), *options]
    if python is not None:
        venv = tmp_path / "venv"
        subprocess.run([resolver.uv_binary(), "venv", "--quiet", "--python", python, str(venv)],
                       check=True)
        command += ["--python", str(venv / "bin" / "python")]
    else:
        command += ["--python", sys.executable, "--python-version", release.python,
                    "--target", str(tmp_path / "target")]
    for path in constraints:
        command += ["--constraint", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("airflow", RELEASES)
@pytest.mark.parametrize("ingestion", requirements_data.SUPPORTED_INGESTION)
def test_the_resolver_agrees_with_the_direct_check_on_every_release(
        airflow: str, ingestion: str) -> None:
    text = f'--constraint "{constraints_url(airflow)}"\nopenmetadata-ingestion=={ingestion}\n'
    conflicts = mwaa_install.direct_conflicts(text, airflow)
    constraints = [c.text for c in mwaa_install.applied_constraints(text, airflow)]
    result = resolver.resolve(f"openmetadata-ingestion=={ingestion}\n", constraints,
                              mwaa_releases.python_full_version(airflow))
    assert result.ok == (not conflicts)
    if conflicts:  # uv names one conflict; it is one the direct check found
        assert any(c.package in result.message.lower().replace("_", "-") for c in conflicts), \
            result.message


def test_a_resolution_is_cached_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv("MWAA_GITOPS_CACHE", str(tmp_path / "cache"))
    text = "tabulate==0.9.0\n"  # Airflow 3.3.1's constraints pin 0.10.0: a quick "no"
    constraints = [mwaa_releases.airflow_constraints_text("3.3.1")]
    first = resolver.resolve(text, constraints, "3.12.13")
    again = resolver.resolve(text, constraints, "3.12.13")
    assert (first.cached, again.cached) == (False, True)
    assert (first.ok, first.message) == (again.ok, again.message)
    assert not first.ok and "tabulate" in first.message


@pytest.mark.parametrize("airflow", RELEASES)
def test_the_python_approach_install_fails_as_the_gate_says(airflow: str, tmp_path: Path) -> None:
    release = mwaa_releases.release(airflow)
    text = f'--constraint "{constraints_url(airflow)}"\nopenmetadata-ingestion==1.13.6.3\n'
    conflicts = mwaa_install.direct_conflicts(text, airflow)
    done = dry_run(airflow, ["openmetadata-ingestion==1.13.6.3"],
                   [release.essential_constraints_path, release.airflow_constraints_path],
                   tmp_path)
    assert conflicts and done.returncode != 0
    assert "No solution found" in done.stderr


# The MWAA releases the example environments declare: their connectors' locks install there.
EXAMPLE_RELEASES = sorted(set(re.findall(r'airflowVersion: "([0-9.]+)"', "".join(
    p.read_text() for p in (ROOT / "environments").glob("*/environment.yaml")))))
LOCKS = [(airflow, ingestion, extras) for airflow in RELEASES
         for ingestion in requirements_data.SUPPORTED_INGESTION
         for extras in requirements_data.EXTRA_SETS
         if (not extras or airflow == RELEASES[-1]
             or (airflow in EXAMPLE_RELEASES and extras != ("postgres",)))
         and (lock := requirements_data.venv_lock(airflow, ingestion, extras)) is not None
         and lock.unresolvable is None]


@pytest.mark.parametrize(("airflow", "ingestion", "extras"), LOCKS,
                         ids=["-".join([a, i, ",".join(e) or "plain"]) for a, i, e in LOCKS])
def test_every_locked_task_virtualenv_installs_over_the_image_with_airflow_intact(
        airflow: str, ingestion: str, extras: tuple[str, ...], tmp_path: Path) -> None:
    """The lock, with the image's packages as they are, is a complete and consistent set: an
    install of the lock plus the image's Airflow adds nothing else and changes no version."""
    lock = requirements_data.venv_lock(airflow, ingestion, extras)
    assert lock is not None
    installed = mwaa_releases.installed_packages(airflow)
    locked = dict(line.split("==") for line in lock.pins)
    image = tmp_path / "image.txt"
    image.write_text("".join(f"{name}=={version}\n" for name, version in installed.items()
                             if name not in locked))
    # What the lock adds comes as wheels (but the known index-only source builds); the image's
    # own packages are installed already, however they were built.
    options = ["--exclude-newer", EXCLUDE_NEWER]
    for name in locked:
        if name not in requirements_data.SDIST_BUILDS:
            options += ["--only-binary", name]
    done = dry_run(airflow, [*lock.pins, f"apache-airflow=={airflow}"], [image], tmp_path,
                   *options)
    assert done.returncode == 0, done.stderr
    would = dict(line.strip()[2:].split("==") for line in done.stderr.splitlines()
                 if line.strip().startswith("+ "))
    for name, version in would.items():
        key = mwaa_releases.normalize(name)
        assert locked.get(key, installed.get(key)) == version, (name, version)


def test_validate_resolve_refuses_what_only_the_resolver_finds(
        repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The offline check is told to find nothing, so only uv's resolution can refuse it.
    monkeypatch.setattr(mwaa_install, "direct_conflicts", lambda text, airflow: ())
    monkeypatch.setenv("MWAA_GITOPS_CACHE", str(tmp_path / "cache"))
    path = repo / "environments/dev/workflows/airflow_pipelines_ecs.yaml"
    path.write_text("dag:\n  approach: python\n")
    assert pipeline.check(Repository(repo), ["dev"]).ok
    found = pipeline.check(Repository(repo), ["dev"], resolve=True).diagnostics.sorted()
    (problem,) = found
    assert str(problem.location) == "environments/dev/workflows/airflow_pipelines_ecs.yaml:2:13"
    assert "cannot be installed on MWAA's Airflow 3.3.1 (set at environments/base/environment" \
           ".yaml:6:19): the resolver finds no solution: Because openmetadata-ingestion" \
           ">=2.0.7.0 depends on urllib3>=2.8.0 and urllib3==2.7.0" in problem.message
