"""The secret detection model: every realistic way a credential gets written in clear is found
(by the secrets hook, which runs the same scanner as validate), every reference is left alone,
and no message quotes the secret it found."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.check.secrets import (
    embedded_reference,
    find_plaintext,
    normalise_key,
    reference_kind,
)
from mwaa_gitops.cli import app
from mwaa_gitops.config.load import load_text

runner = CliRunner()
SECRET = "S3cr3tPw"

# (form, YAML). Each holds SECRET in clear; the hook must refuse it without printing it.
PLAINTEXT = [
    ("bearer token in an extra header", """
        openmetadata: {server: {extraHeaders: {Authorization: "Bearer S3cr3tPw"}}}"""),
    ("API key header", "extraHeaders: {X-Api-Key: S3cr3tPw}"),
    ("cookie header", "extraHeaders: {Cookie: session=S3cr3tPw}"),
    ("token as the user of an https URL", "hostPort: https://S3cr3tPw@git.example.com/x"),
    ("password without a user", "hostPort: https://:S3cr3tPw@db.example.com"),
    ("user and password without a scheme", "hostPort: admin:S3cr3tPw@db.example.com:443"),
    ("scheme-relative URL", "hostPort: //admin:S3cr3tPw@db.example.com"),
    ("database URL", "connection: postgresql://admin:S3cr3tPw@db.example.com:5432/x"),
    ("token query parameter", "hostPort: https://api.example.com/v1?token=S3cr3tPw"),
    ("password query parameter", "hostPort: https://db.example.com/?user=a&password=S3cr3tPw"),
    ("access token in a fragment", "callback: https://app.example.com/#access_token=S3cr3tPw"),
    ("api_key among other parameters", "url: https://x.example.com/p?x=1&api_key=S3cr3tPw"),
    ("pwd in connectionOptions", "connectionOptions: {pwd: S3cr3tPw}"),
    ("PGPASS in connectionArguments", "connectionArguments: {PGPASS: S3cr3tPw}"),
    ("sslpassphrase", "connectionArguments: {sslpassphrase: S3cr3tPw}"),
    ("key with a trailing space", '"password ": S3cr3tPw'),
    ("snake and mixed case", "Pass_Word: S3cr3tPw"),
    ("look-alike letters", "p\u0430ssw\u043erd: S3cr3tPw"),
    ("full-width letters", "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44: S3cr3tPw"),
    ("password as a list", "password: [S3cr3tPw]"),
    ("password as a map", "password: {value: S3cr3tPw}"),
    ("password as a number", "password: 12345678"),
    ("secret: with characters no secret name has", "password: 'secret:S3cr3tPw!#'"),
    ("reference with text after it", 'password: "${env:DB_PASSWORD} S3cr3tPw"'),
    ("reference with a trailing newline", 'password: "${env:S3cr3tPw}\\n"'),
    ("${NAME} with text after it", 'password: "${DB_PASSWORD}S3cr3tPw"'),
    ("${NAME} with a name no variable has", 'password: "${S3cr3tPw!}"'),
    ("PGPASSWORD in an ECS command", 'command: [sh, -c, "PGPASSWORD=S3cr3tPw psql -h db"]'),
    ("--password= option in a command", 'command: [tool, "--password=S3cr3tPw"]'),
    ("API key field in connection options", "connectionOptions: {apiKey: S3cr3tPw}"),
    ("client secret", "authConfig: {clientSecret: S3cr3tPw}"),
]

# (form, YAML) that hold no secret in clear.
REFERENCES = [
    ("OpenMetadata secret reference", "password: secret:/openmetadata/db/password"),
    ("Airflow Variable", "password: ${var:db_password}"),
    ("environment variable", "password: ${env:DB_PASSWORD}"),
    ("OpenMetadata's own ${NAME} reference", "password: ${DB_PASSWORD}"),
    ("OpenMetadata's ${NAME} as a token", "securityConfig: {jwtToken: '${OM_JWT_TOKEN}'}"),
    ("URL with a user only", "connection: postgresql://admin@db.example.com/x"),
    ("URL with a reference as its password", "url: postgresql://u:${env:PW}@db/x"),
    ("plain https URL with a port", "hostPort: https://db.example.com:443/api"),
    ("e-mail address", "owner: data-platform@example.com"),
    ("boolean switch with a secret-like name", "passwordless: true"),
    ("secrets manager settings", "secretsManagerProvider: aws"),
    ("empty password", 'password: ""'),
    ("query without credentials", "hostPort: https://x.example.com/?page=2&sort=name"),
]


def hook(tmp_path: Path, text: str) -> tuple[int, str]:
    file = tmp_path / "workflow.yaml"
    file.write_text(textwrap.dedent(text).strip() + "\n")
    result = runner.invoke(app, ["hook", "secrets", str(file)])
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize(("form", "text"), PLAINTEXT, ids=[f for f, _ in PLAINTEXT])
def test_secrets_hook_finds_a_secret_written_in_clear(tmp_path: Path, form: str,
                                                      text: str) -> None:
    code, output = hook(tmp_path, text)
    assert code == 1, f"{form}: {output}"
    assert "workflow.yaml:" in output
    assert SECRET not in output and "12345678" not in output


@pytest.mark.parametrize(("form", "text"), REFERENCES, ids=[f for f, _ in REFERENCES])
def test_secrets_hook_accepts_references_and_plain_values(tmp_path: Path, form: str,
                                                          text: str) -> None:
    code, output = hook(tmp_path, text)
    assert code == 0, f"{form}: {output}"


def test_the_table_holds_the_forms_the_attack_found() -> None:
    assert len(PLAINTEXT) >= 27


def test_key_names_are_compared_after_folding_case_separators_and_look_alikes() -> None:
    assert normalise_key("P\u0410SS_word ") == "password"
    assert normalise_key("ssl-Pass\u200bphrase") == "sslpassphrase"


def test_scanning_a_one_mebibyte_value_takes_linear_time() -> None:
    # Shapes that made the old URL pattern quadratic: long runs without '/', '@' or spaces.
    for value in ("a" * 2**20, "a:" * 2**19, "x://" * 2**18, "=&" * 2**19, "@:" * 2**19):
        tree = load_text(json.dumps({"dag": {"owner": value}}), "big.yaml")
        started = time.monotonic()
        list(find_plaintext(tree))
        assert time.monotonic() - started < 2.0


def test_validate_of_the_largest_file_with_one_huge_value_is_bounded(tmp_path: Path) -> None:
    import shutil

    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "environments", tmp_path / "environments")
    workflow = tmp_path / "environments/base/workflows/airflow_pipelines.yaml"
    text = workflow.read_text()
    owner = "a:" * ((1024 * 1024 - len(text) - 20) // 2)
    workflow.write_text(text.replace("dag:\n", f"dag:\n  owner: '{owner}'\n"))
    assert workflow.stat().st_size <= 1024 * 1024
    started = time.monotonic()
    result = runner.invoke(app, ["validate", "--repo", str(tmp_path)])
    assert time.monotonic() - started < 30
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(Path(__file__).resolve().parent.parent / "environments",
                    tmp_path / "environments")
    return tmp_path


def edit(repo: Path, relative: str, old: str, new: str) -> None:
    path = repo / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


ECS = "environments/base/workflows/airflow_pipelines_ecs.yaml"
URL = "postgresql://admin:S3cr3tPw@db.example.com:5432/x"


@pytest.mark.parametrize(("old", "new"), [
    ("      connection:\n", f"      connection: {URL}\n      unused:\n"),  # expected a map
    ("  loggerLevel: INFO", f"  loggerLevel: '{URL}'"),  # not one of the levels
    ("tags: !append [airflow-connector]", f"tags: !append ['{URL}{'x' * 100}']"),  # too long
], ids=["type", "enum", "maxLength"])
def test_schema_errors_never_quote_a_secret(repo: Path, old: str, new: str) -> None:
    edit(repo, ECS, old, new)
    for fmt in ("text", "json", "github"):
        result = runner.invoke(app, ["validate", "--repo", str(repo), "--format", fmt])
        assert result.exit_code == 1
        assert SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_explain_hides_secrets_written_in_clear(repo: Path, fmt: str) -> None:
    edit(repo, "environments/local/environment.yaml", "    hostPort: http://localhost:8585/api",
         "    hostPort: http://localhost:8585/api\n"
         "    extraHeaders: {Authorization: Bearer S3cr3tPw, X-Team: data}")
    result = runner.invoke(app, ["explain", "--repo", str(repo), "--env", "local",
                                 "environment", "openmetadata.server", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert SECRET not in result.stdout and "X-Team" in result.stdout
    assert "hidden" in result.stdout


@pytest.mark.parametrize("url", [
    "postgresql://admin:pa/ss?w#rdS3cr3tPw@db.example.com:5432/AirflowMetadata",
    "postgresql://admin:S3cr3tPw@db.example.com:port/AirflowMetadata",
], ids=["unencoded", "bad-port"])
def test_connection_from_url_never_prints_the_password(repo: Path, url: str) -> None:
    result = runner.invoke(app, ["connection", "from-url", url, "--env", "local", "--repo",
                                 str(repo)])
    assert "Traceback" not in result.output
    for leaked in (SECRET, "pa/ss", "'pa'"):
        assert leaked not in result.stdout + result.stderr


@pytest.mark.parametrize(("value", "kind"), [
    ("secret:/openmetadata/db", "secret"), ("${var:db_password}", "var"),
    ("${env:DB_PASSWORD}", "env"), ("${DB_PASSWORD}", "env"), ("$DB_PASSWORD", None),
    ("${DB_PASSWORD} ", None), ("${DB-PASSWORD}", None),
])
def test_openmetadata_reference_means_an_environment_variable(value: str,
                                                              kind: str | None) -> None:
    assert reference_kind(value) == kind


def test_a_reference_inside_a_longer_text_is_found_for_its_own_message() -> None:
    assert embedded_reference("warehouse_${ENV}") == "${ENV}"
    assert embedded_reference("postgresql://u:${env:PW}@db/x") == "${env:PW}"
    assert embedded_reference("${ENV}") is None
    assert embedded_reference("costs $5 {each}") is None
