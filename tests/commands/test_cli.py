"""The command line: exit codes, output formats, and what each command prints."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from tests.conftest import Writer

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def errors(err: str) -> list[str]:
    """The lines of ``err`` but warnings (the examples have one)."""
    return [line for line in err.splitlines() if ": warning: " not in line]


def break_logger_level(write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelines.yaml", """
        workflowConfig:
          loggerLevel: LOUD
        """)


def test_validate_exits_0_when_everything_is_valid(repo: Path) -> None:
    code, out, err = run("validate", "--repo", str(repo))
    assert code == 0
    # With a warning (the examples' ECS workflow: check/ecs_advice.py) it all goes to stderr.
    *warnings, summary = (out + err).strip().splitlines()
    assert summary == "ok: 3 environments, 24 workflows valid"
    assert all(": warning: " in line for line in warnings)


def test_validate_exits_1_with_file_line_col_and_no_traceback(repo: Path, write: Writer) -> None:
    break_logger_level(write)
    code, _, err = run("validate", "--repo", str(repo))
    assert code == 1
    assert errors(err)[0].startswith("environments/dev/workflows/airflow_pipelines.yaml:2:16: ")
    assert "Traceback" not in err


def test_validate_exits_1_on_broken_yaml(repo: Path, write: Writer) -> None:
    write("environments/prod/workflows/airflow_pipelines.yaml", "dag: [\n")
    code, _, err = run("validate", "--repo", str(repo))
    assert code == 1
    assert errors(err)[0].startswith(
        "environments/prod/workflows/airflow_pipelines.yaml:2:1: invalid YAML")


def test_validate_unknown_environment_is_a_usage_error(repo: Path) -> None:
    code, _, err = run("validate", "--repo", str(repo), "--env", "prdo")
    assert code == 2
    assert "did you mean 'prod'?" in err


def test_unknown_option_is_a_usage_error() -> None:
    assert run("validate", "--nope")[0] == 2


def test_validate_json_format(repo: Path, write: Writer) -> None:
    break_logger_level(write)
    code, out, _ = run("validate", "--repo", str(repo), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    (item,) = [d for d in report["diagnostics"] if d["severity"] == "error"]
    assert (item["path"], item["line"], item["col"]) == (
        "environments/dev/workflows/airflow_pipelines.yaml", 2, 16)


def test_validate_github_format_emits_annotations(repo: Path, write: Writer) -> None:
    break_logger_level(write)
    code, out, _ = run("validate", "--repo", str(repo), "--format", "github")
    assert code == 1
    (error,) = [line for line in out.splitlines() if line.startswith("::error")]
    assert error.startswith("::error file=environments/dev/workflows/airflow_pipelines.yaml,"
                            "line=2,col=16,title=mwaa-gitops enum::workflowConfig.loggerLevel")


def test_envs_lists_deployable_environments_as_json(repo: Path) -> None:
    code, out, _ = run("envs", "--repo", str(repo), "--format", "json")
    rows = json.loads(out)
    assert code == 0
    assert [r["name"] for r in rows] == ["dev", "local", "prod"]
    assert rows[0]["chain"] == ["base", "dev"]


def test_explain_shows_origin_and_overridden_layers(repo: Path) -> None:
    code, out, _ = run("explain", "--repo", str(repo), "--env", "dev", "airflow_pipelines",
                       "workflowConfig.loggerLevel")
    assert code == 0
    assert out.splitlines() == [
        "workflowConfig.loggerLevel = DEBUG",
        "  set at    environments/dev/workflows/airflow_pipelines.yaml:9:16",
        "  overrides environments/base/workflows/airflow_pipelines.yaml:33:16  INFO",
    ]


def test_explain_mwaa_environment_name_filled_into_a_rest_connection(repo: Path) -> None:
    code, out, _ = run("explain", "--repo", str(repo), "--env", "prod", "airflow_pipelines",
                       "source.serviceConnection.config.connection.authConfig.mwaaConfig"
                       ".mwaaEnvironmentName")
    assert code == 0
    assert out.splitlines() == [
        "source.serviceConnection.config.connection.authConfig.mwaaConfig.mwaaEnvironmentName"
        " = openmetadata-prod",
        "  set at    environments/prod/environment.yaml:4:20"]


def test_render_refuses_the_discovery_dag_on_airflow_3(repo: Path, tmp_path: Path) -> None:
    code, _, err = run("render", "--repo", str(repo), "--env", "dev", "--out",
                       str(tmp_path / "out"), "--discovery")
    assert code == 2
    assert "runs Airflow 3.3.1, where no task can read the metadata database" in err
    assert "RestAPI" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_explain_environment_value_filled_into_a_workflow(repo: Path) -> None:
    code, out, _ = run("explain", "--repo", str(repo), "--env", "prod", "airflow_pipelines",
                       "workflowConfig.openMetadataServerConfig.hostPort", "--format", "json")
    assert code == 0
    assert json.loads(out)["setAt"] == "environments/prod/environment.yaml:14:15"


def test_explain_missing_path_suggests_a_key(repo: Path) -> None:
    code, _, err = run("explain", "--repo", str(repo), "--env", "dev", "airflow_pipelines",
                       "source.serviceConection")
    assert code == 2
    assert "did you mean 'serviceConnection'?" in err


def test_lint_checks_a_plain_openmetadata_workflow(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "source:\n  type: airflow\n  serviceName: s\n  serviceConnection:\n    config:\n"
        "      type: Airflow\n      hostPort: http://x\n      connection:\n        type: Backend\n"
        "  sourceConfig:\n    config:\n      type: PipelineMetadata\n"
        "sink:\n  type: metadata-rest\n  config: {}\n"
        "workflowConfig:\n  openMetadataServerConfig:\n    hostPort: http://om:8585/api\n"
        "    authProvider: openmetadata\n    securityConfig:\n      jwtToken: abc.def.ghi\n")
    code, _, err = run("lint", str(good))
    assert code == 1
    assert f"{good}:21:17: " in err or "good.yaml:21:17: " in err
    good.write_text(good.read_text().replace("abc.def.ghi", "secret:/om/jwt"))
    assert run("lint", str(good))[0] == 0


def test_lint_checks_against_the_model_of_the_ingestion_version_given(tmp_path: Path) -> None:
    pubsub = tmp_path / "pubsub.yaml"
    # Google Pub/Sub came with openmetadata-ingestion 1.13: 1.12's model has no such connector.
    pubsub.write_text(
        "source:\n  type: pubsub\n  serviceName: events\n  serviceConnection:\n    config:\n"
        "      type: PubSub\n      projectId: analytics-events\n"
        "  sourceConfig:\n    config:\n      type: MessagingMetadata\n"
        "workflowConfig:\n  openMetadataServerConfig:\n    hostPort: http://om:8585/api\n")
    assert run("lint", str(pubsub))[0] == 0
    assert run("lint", "--ingestion-version", "1.13.6.3", str(pubsub))[0] == 0
    code, _, err = run("lint", "--ingestion-version", "1.12", str(pubsub))
    assert code == 1
    assert "pubsub.yaml:6:13: source.serviceConnection.config.type: 'PubSub' is not one of the " \
        in err
    code, _, err = run("lint", "--ingestion-version", "1.11.4", str(pubsub))
    assert code == 2
    assert "--ingestion-version: openmetadata-ingestion '1.11.4' is of no supported line (use " \
        "one of 1.12, 1.13, 2.0)" in err


def test_lint_takes_any_release_of_a_supported_line_as_its_lines_model(tmp_path: Path) -> None:
    prefect = tmp_path / "prefect.yaml"
    # Prefect's pipeline connector came with openmetadata-ingestion 2.0.
    prefect.write_text(
        "source:\n  type: prefect\n  serviceName: flows\n  serviceConnection:\n    config:\n"
        "      type: Prefect\n      hostPort: http://prefect:4200/api\n"
        "      authType:\n        authString: secret:/prefect/token\n"
        "  sourceConfig:\n    config:\n      type: PipelineMetadata\n"
        "workflowConfig:\n  openMetadataServerConfig:\n    hostPort: http://om:8585/api\n")
    # Patches the tool has not vendored: 2.0.3.0 (not 2.0.7.0), 1.13.2.0 (not 1.13.6.3).
    assert run("lint", "--ingestion-version", "2.0.3.0", str(prefect))[0] == 0
    code, _, err = run("lint", "--ingestion-version", "1.13.2.0", str(prefect))
    assert code == 1
    assert "prefect.yaml:6:13: source.serviceConnection.config.type: 'Prefect' is not one of " \
        in err


def test_render_writes_configs_as_laid_out_in_the_bucket(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, _ = run("render", "--repo", str(repo), "--env", "prod", "--out", str(out))
    assert code == 0
    config = out / "dags/openmetadata/airflow_pipelines_ecs.yaml"
    assert "secret:/openmetadata/prod/mwaa-metadata-db/password" in config.read_text()


def test_render_refuses_a_folder_it_did_not_write(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    code, _, err = run("render", "--repo", str(repo), "--env", "prod", "--out", str(tmp_path))
    assert code == 2 and "not empty" in err
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_render_refuses_invalid_environment_and_writes_nothing(repo: Path, write: Writer,
                                                               tmp_path: Path) -> None:
    break_logger_level(write)
    out = tmp_path / "out"
    assert run("render", "--repo", str(repo), "--env", "dev", "--out", str(out))[0] == 1
    assert not out.exists()


@pytest.mark.parametrize("heavy", ["jsonschema", "boto3", "botocore", "airflow", "yaml"])
def test_help_does_not_import_heavy_modules(heavy: str) -> None:
    code = ("import sys; from mwaa_gitops.cli import app; from typer.testing import CliRunner; "
            "CliRunner().invoke(app, ['--help']); "
            f"print({heavy!r} in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_validate_an_abstract_layer_is_a_usage_error_naming_what_to_validate(
        repo: Path) -> None:
    code, out, err = run("validate", "--repo", str(repo), "--env", "base")
    assert (code, out) == (2, "")
    assert err == ("error: environments/base/environment.yaml: 'base' is an abstract layer "
                   "(abstract: true): it is validated as part of the environments that extend "
                   "it (validate those: --env dev --env local --env prod; or omit --env)\n")


def test_explain_unknown_environment_is_a_usage_error_with_did_you_mean(repo: Path) -> None:
    code, out, err = run("explain", "--repo", str(repo), "--env", "prd",
                         "airflow_pipelines_ecs", "dag.tags")
    assert (code, out) == (2, "")
    assert err == "error: environments: unknown environment 'prd' (did you mean 'prod'?)\n"


def test_version_prints_the_package_version() -> None:
    from mwaa_gitops import __version__

    assert run("--version") == (0, f"mwaa-gitops {__version__}\n", "")


def test_command_summaries_are_whole_sentences_and_render_help_names_its_required_choice(
        ) -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=80)
    commands = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert len(commands) >= 12
    for line in commands:
        assert line.rstrip().endswith("."), line
        assert "..." not in line, line
    render_help = CliRunner().invoke(app, ["render", "--help"], terminal_width=80).stdout
    assert "Give one of --env ENV or --all." in render_help
    assert "<path>" not in run("validate", "--help")[1]  # --repo DIR, not a Python type
    assert "range>" not in run("sync", "--help")[1]  # --jobs N, --wait-timeout MINUTES
    assert "--install-completion" in result.stdout


@pytest.mark.parametrize("args", [["envs"], ["explain", "--env", "prod", "airflow_pipelines_ecs",
                                            "dag.tags"]])
def test_github_format_of_envs_and_explain_prints_what_text_prints(repo: Path,
                                                                   args: list[str]) -> None:
    text = run(*args, "--repo", str(repo))
    github = run(*args, "--repo", str(repo), "--format", "github")
    assert github == text
    assert not text[1].startswith(("{", "["))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_diagnostics_are_coloured_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from mwaa_gitops.diagnostics import Diagnostic, Location
    from mwaa_gitops.report import OutputFormat, report

    problem = [Diagnostic(Location("environments/dev/environment.yaml", 3, 1), "bad")]
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    terminal, pipe = Terminal(), io.StringIO()
    report(problem, OutputFormat.text, "1 problem", terminal)
    report(problem, OutputFormat.text, "1 problem", pipe)
    assert terminal.getvalue() == ("\x1b[1menvironments/dev/environment.yaml:3:1:\x1b[0m"
                                   "\x1b[31m bad\x1b[0m\n\x1b[31m1 problem\x1b[0m\n")
    assert pipe.getvalue() == "environments/dev/environment.yaml:3:1: bad\n1 problem\n"
    monkeypatch.setenv("NO_COLOR", "1")
    plain = Terminal()
    report(problem, OutputFormat.text, "1 problem", plain)
    assert plain.getvalue() == pipe.getvalue()


SCRIPT = Path(sys.executable).with_name("mwaa-gitops")


@pytest.mark.parametrize("args", [[], ["plan"], ["hook"], ["connection", "from-url"]])
def test_h_is_help_on_the_program_every_command_and_every_group(args: list[str]) -> None:
    short = run(*args, "-h")
    assert short[0] == 0 and short[1].startswith("Usage: mwaa-gitops")
    assert short == run(*args, "--help")


def test_output_into_a_reader_that_left_ends_quietly(repo: Path) -> None:
    # The reader closes the pipe before a byte is written, as `| head -0` would.
    process = subprocess.Popen([str(SCRIPT), "envs", "--format", "json", "--repo", str(repo)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    assert process.wait(timeout=60) == 1
    assert process.stderr.read() == b""


def test_a_pipe_closed_after_the_first_line_is_not_an_internal_error(repo: Path) -> None:
    result = subprocess.run(f"'{SCRIPT}' envs --repo '{repo}' | head -1", shell=True,
                            capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.startswith("environment ")
    assert result.stderr == ""


def complete(repo: Path, words: str) -> list[str]:
    """What bash completion offers after ``words`` (the shell's own protocol)."""
    env = {"PATH": "/usr/bin:/bin", "_MWAA_GITOPS_COMPLETE": "complete_bash",
           "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    result = subprocess.run([str(SCRIPT)], cwd=repo, env=env, capture_output=True, text=True,
                            check=True, timeout=60)
    return result.stdout.split()


def test_env_completes_the_deployable_environments_of_the_repository(repo: Path) -> None:
    assert complete(repo, "mwaa-gitops plan --env ") == ["dev", "local", "prod"]
    assert complete(repo, "mwaa-gitops validate -e p") == ["prod"]
    # Given --repo, the environments come from there, wherever the shell is.
    assert complete(repo.parent, f"mwaa-gitops sync --repo {repo} --env d") == ["dev"]


def test_explain_completes_workflow_names_and_environment(repo: Path) -> None:
    names = complete(repo, "mwaa-gitops explain ")
    assert names[0] == "environment" and "airflow_pipelines_ecs" in names
    assert complete(repo, "mwaa-gitops explain airflow_pipelines_v") == [
        "airflow_pipelines_virtualenv"]


def test_completion_outside_a_config_repository_offers_nothing(tmp_path: Path) -> None:
    assert complete(tmp_path, "mwaa-gitops plan --env ") == []
