"""The package as a release publishes it: ``python -m build`` makes a wheel and an sdist that
hold the package and its data (templates, schemas, MWAA facts, the scaffold) and none of the
maintainer generators; the requirement ``init`` writes installs with the pip Python bundles."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from mwaa_gitops.distribution import requirement_from

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.network  # the build backend and pip come from the package index


def build(source: Path, out: Path, *kinds: str) -> list[Path]:
    done = subprocess.run([sys.executable, "-m", "build", *kinds, "--outdir", str(out),
                           str(source)], capture_output=True, text=True, check=False,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr
    return sorted(out.iterdir())


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and wheel of this checkout (built from a copy: building writes beside it)."""
    source = tmp_path_factory.mktemp("source")
    # scripts/ and tests/ come along to show that the sdist leaves them out.
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "tools", "dags",
                 "schemas", "scripts", "tests"):
        subprocess.run(["cp", "-R", str(ROOT / name), str(source / name)], check=True)
    files = build(source, tmp_path_factory.mktemp("dist"))
    return {path.suffix: path for path in files}


def test_build_makes_a_wheel_with_the_data_and_without_the_generators(
        dist: dict[str, Path]) -> None:
    names = zipfile.ZipFile(dist[".whl"]).namelist()
    for expected in ("mwaa_gitops/py.typed", "mwaa_gitops/data/mwaa/releases.json",
                     "mwaa_gitops/data/dags/virtualenv_workflow.py",
                     "mwaa_gitops/data/schemas/environment.schema.json",
                     "mwaa_gitops/data/scaffold/dot-pre-commit-config.yaml",
                     "mwaa_gitops/data/scaffold/dot-vscode/settings.json"):
        assert expected in names, expected
    assert not [n for n in names if n.startswith(("scripts/", "tests/", "bench/"))]
    assert not [n for n in names if "__pycache__" in n]


def test_the_sdist_builds_the_same_wheel_and_leaves_generators_and_tests_out(
        dist: dict[str, Path], tmp_path: Path) -> None:
    with tarfile.open(dist[".gz"]) as sdist:
        names = sdist.getnames()
        sdist.extractall(tmp_path, filter="data")
    top = names[0].split("/")[0]
    assert not [n for n in names if n.startswith((f"{top}/scripts", f"{top}/tests"))]
    (wheel,) = build(tmp_path / top, tmp_path / "out", "--wheel")
    assert sorted(zipfile.ZipFile(wheel).namelist()) == sorted(
        zipfile.ZipFile(dist[".whl"]).namelist())


def test_init_requirement_for_a_local_git_clone_installs_with_pythons_bundled_pip(
        tmp_path: Path) -> None:
    clone = tmp_path / "mwaa-gitops"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    line = requirement_from({"url": clone.as_uri(), "vcs_info": {
        "vcs": "git", "commit_id": commit}}, "0").line
    (tmp_path / "requirements-gitops.txt").write_text(line + "\n")
    # The pip that `python -m venv` installs (ensurepip's), not the newest one.
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    pip = tmp_path / "venv" / "bin" / "pip"
    done = subprocess.run([str(pip), "install", "--dry-run", "--no-deps",
                           "--disable-pip-version-check", "-r", "requirements-gitops.txt"],
                          cwd=tmp_path, capture_output=True, text=True, check=False,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Would install mwaa-gitops-" in done.stdout
