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
    is_secret_name,
    key_words,
    model_secret_names,
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
    # Round 3: each row a class the scanner missed.
    ("database URL whose password holds '?'",
     "connection: postgresql://admin:pa?S3cr3tPw@db.example.com:5432/x"),
    ("database URL whose password holds '#'", "connection: mysql://u:pa#S3cr3tPw@db/x"),
    ("database URL whose password holds '/'",
     "connection: postgresql://u:pa/S3cr3tPw@db.example.com/x"),
    ("Oracle URL", "connection: oracle+oracledb://scott:S3cr3tPw@db:1521/?service_name=x"),
    ("Kafka basic.auth.user.info", """
        consumerConfig: {basic.auth.user.info: "user:S3cr3tPw"}"""),
    ("basic.auth.user.info inside a text",
     "note: 'schema registry: basic.auth.user.info=user:S3cr3tPw'"),
    ("sasl.jaas.config with spaces around '='", """
        consumerConfig:
          sasl.jaas.config: >-
            org.apache.kafka.common.security.plain.PlainLoginModule required
            username = "svc" password = "S3cr3tPw";"""),
    ("Azure SAS URL", "url: 'https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=S3cr3tPw%3D'"),
    ("Azure storage connection string",
     "conn: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S3cr3tPw==;'"),
    ("PEM private key under an ordinary key", """
        note: |
          -----BEGIN PRIVATE KEY-----
          MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7S3cr3tPw
          -----END PRIVATE KEY-----"""),
    ("a service account's JSON inside a string", """
        gcpConfig: {path: '{"type": "service_account", "private_key": "S3cr3tPw"}'}"""),
    ("pw in connectionOptions", "connectionOptions: {pw: S3cr3tPw}"),
    ("passwords in connectionOptions", "connectionOptions: {passwords: S3cr3tPw}"),
    ("password_value in connectionOptions", "connectionOptions: {password_value: S3cr3tPw}"),
    ("camelCase pw", "connectionOptions: {dbPw: S3cr3tPw}"),
    ("mysql -pPW inside a string", "command: 'mysql -h db -u admin -pS3cr3tPw'"),
    ("mysql -p PW inside a string", "command: [sh, -c, 'mysql -h db -p S3cr3tPw']"),
    ("--password PW on a command line", "command: 'tool --password S3cr3tPw'"),
    ("Authorization header on a command line",
     "command: 'curl -H \"Authorization: Bearer S3cr3tPw\" https://x.example.com'"),
    ("curl -u user:password", "command: 'curl -u admin:S3cr3tPw https://x.example.com'"),
    ("libpq connection string", "dsn: 'host=db user=u password=S3cr3tPw dbname=x'"),
    ("ODBC connection string", "dsn: 'Driver={ODBC};Server=x;UID=u;PWD=S3cr3tPw;'"),
    ("Oracle EZConnect with a password", "dsn: 'scott/S3cr3tPw@db.example.com:1521/ORCL'"),
    ("sqlplus user/password@service", "command: 'sqlplus scott/S3cr3tPw@orcl @run.sql'"),
    ("look-alike key with an accent", "p\u00e4ssword: S3cr3tPw"),
    ("look-alike key with a combining accent", "pa\u0308ssword: S3cr3tPw"),
    ("a database URL as a map key", "hosts: {'postgresql://u:S3cr3tPw@db/x': primary}"),
    ("a JSON Web Token under an ordinary key", "note: eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9."
     "eyJzdWIiOiAiaW5nZXN0aW9uLWJvdCJ9.c2lnbmF0dXJlUzNjcjN0UHc"),
    ("a high-entropy string under an ordinary key",
     "extra: {opaque: S3cr3tPwQ9xZ7vL2mK8nB4hJ6gF1dS5aP0oI}"),
    ("an AWS secret key under an ordinary key",
     "note: 'aws secret: \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYS3cr3tPw12\"'"),
    ("X-Auth-Token header", "extraHeaders: {X-Auth-Token: S3cr3tPw}"),
    ("the model's basicAuthUserInfo", "consumerConfig: {basicAuthUserInfo: S3cr3tPw}"),
    ("the model's privateKeyValue", "config: {privateKeyValue: S3cr3tPw}"),
    ("the model's sslKey", "sslConfig: {sslKey: S3cr3tPw}"),
    ("the model's jwt", "config: {jwt: S3cr3tPw}"),
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
    ("a field about a password", "passwordPath: /etc/secrets/db-password"),
    ("a token endpoint", "tokenUrl: https://login.example.com/oauth2/token"),
    ("a certificate path", "clientKeyCertificate: /path/to/client_key.pem"),
    ("an address in a URL's path", "sourceUrl: https://medium.com/@data-team/post-1"),
    ("a mailto address", "contact: 'mailto:data@example.com'"),
    ("a port on a command line", "command: 'psql -h db -p 5432 -U ingest'"),
    ("mkdir -p", "command: [sh, -c, 'mkdir -p /tmp/x && ssh -p 2222 host']"),
    ("an image digest", "image: 'openmetadata/ingestion@sha256:"
     "3b1c5e7a9d2f4b6c8e0a1f3d5b7c9e2a4f6d8b0c1e3a5f7d9b2c4e6a8f0d1b3c'"),
    ("a commit id", "commit: 3b1c5e7a9d2f4b6c8e0a1f3d5b7c9e2a4f6d8b0c"),
    ("a UUID", "id: 123e4567-e89b-12d3-a456-426614174000"),
    ("an IAM role ARN", "roleArn: arn:aws:iam::123456789012:role/openmetadata-ingestion"),
    ("a Kerberos JAAS config", """
        consumerConfig:
          sasl.jaas.config: com.sun.security.auth.module.Krb5LoginModule required
            useKeyTab=true keyTab="/etc/kafka.keytab" principal="svc@EXAMPLE.COM";"""),
    ("libpq connection string with a reference",
     "dsn: 'host=db user=u password=${env:DB_PASSWORD} sslmode=require'"),
    ("a header named by a reference", "command: 'curl -H \"Authorization: ${env:AUTH}\"'"),
    ("a masked password", "note: 'sql_alchemy_conn = postgresql://u:****@db/x'"),
    ("the secrets manager's own settings",
     "secretsManagerLoader: airflow\nsecretsManagerCredentials: {awsRegion: us-east-1}"),
    ("a long lower-case name", "service: openmetadata-ingestion-airflow-pipelines-ecs-prod"),
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
    assert len(PLAINTEXT) >= 66


def test_key_names_are_compared_after_folding_case_separators_and_look_alikes() -> None:
    assert normalise_key("P\u0410SS_word ") == "password"
    assert normalise_key("ssl-Pass\u200bphrase") == "sslpassphrase"


def test_scanning_a_one_mebibyte_value_takes_linear_time() -> None:
    # Shapes that made the old URL pattern quadratic: long runs without '/', '@' or spaces.
    for value in ("a" * 2**20, "a:" * 2**19, "x://" * 2**18, "=&" * 2**19, "@:" * 2**19,
                  # ... and shapes the detector's and the parsers' patterns could backtrack on
                  "eyJ" * 2**18, "eyJa." * 2**18, 'a="' * 2**18, "a = " * 2**18,
                  "mysql -p " * 2**17, "//" * 2**19 + "/:_authToken=x", "{" * 2**20,
                  "[" * 2**19 + "]" * 2**19, "sk-" + "A" * 2**20, "u/p@" * 2**18,
                  "Ab1" * 2**18, "-----BEGIN PRIVATE KEY-----" * 2**15, "a@b:c" * 2**18):
        tree = load_text(json.dumps({"dag": {"owner": value}}), "big.yaml")
        started = time.monotonic()
        list(find_plaintext(tree))
        assert time.monotonic() - started < 2.0, value[:20]


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


@pytest.mark.parametrize("field", ["basicAuthUserInfo", "sslKey", "privateKeyValue", "jwt"])
def test_explain_hides_the_model_s_secret_fields(repo: Path, field: str) -> None:
    # Fields the model marks `format: password`, whatever their name says.
    edit(repo, "environments/local/environment.yaml", "    hostPort: http://localhost:8585/api",
         f"    hostPort: http://localhost:8585/api\n    extraHeaders: {{{field}: S3cr3tPw}}")
    result = runner.invoke(app, ["explain", "--repo", str(repo), "--env", "local",
                                 "environment", "openmetadata.server"])
    assert SECRET not in result.stdout + result.stderr
    assert "hidden" in result.stdout


def test_a_map_key_holding_a_secret_is_hidden_in_every_message(tmp_path: Path) -> None:
    code, output = hook(tmp_path, """
        hosts:
          'postgresql://u:S3cr3tPw@db/x':
            password: S3cr3tPw""")
    assert code == 1 and SECRET not in output
    assert output.count("workflow.yaml:") == 2  # the key, and the password under it


@pytest.mark.parametrize(("key", "words"), [
    ("dbPassword", ("db", "password")), ("X-Api-Key", ("x", "api", "key")),
    ("sasl.jaas.config", ("sasl", "jaas", "config")), ("HTTPHeader", ("http", "header")),
    ("oauth2Token", ("oauth", "2", "token")), ("p\u00e4ss_w\u043erd", ("pass", "word")),
    ("PGPASSWORD", ("pgpassword",)),
])
def test_key_names_are_cut_into_folded_words(key: str, words: tuple[str, ...]) -> None:
    assert key_words(key) == words


@pytest.mark.parametrize(("key", "secret"), [
    ("password_value", True), ("passwords", True), ("pw", True), ("dbPw", True),
    ("PGPASSWORD", True), ("sslpassphrase", True), ("basic.auth.user.info", True),
    ("basicAuthUserInfo", True), ("sslKey", True), ("jwt", True),
    ("passwordPath", False), ("tokenUrl", False), ("secretsManagerProvider", False),
    ("awsAccessKeyId", False), ("noPassword", False), ("passwordless", False),
    ("keyTab", False), ("sortKey", False), ("bypass", False), ("clientId", False),
])
def test_a_credential_name_is_a_whole_word_no_qualifier_follows(key: str, secret: bool) -> None:
    assert is_secret_name(key) is secret


def test_the_model_s_secret_fields_come_from_every_line_s_schema() -> None:
    names = model_secret_names()
    assert {"basicAuthUserInfo", "sslKey", "privateKeyValue", "jwt", "password"} <= names
    assert "clientId" not in names  # also a plain field elsewhere: checked per path only


def _example_workflows(line: str) -> list[Path]:
    from tests.support.venvs import openmetadata_python

    venv = openmetadata_python(line).parent.parent
    return sorted(venv.glob("lib/python*/site-packages/metadata/examples/workflows/*.yaml"))


# What OpenMetadata's examples write as text outside a secret field, and is a credential all
# the same: AWS's documented example key id, an MLflow registry URL with a password.
CREDENTIALS_IN_EXAMPLES = {("kinesisfirehose.yaml", "awsAccessKeyId"),
                           ("mlflow.yaml", "registryUri")}


@pytest.mark.openmetadata
@pytest.mark.parametrize("line", ["1.12", "1.13"])
def test_no_complaint_on_a_value_of_openmetadata_s_examples_that_is_no_secret(line: str) -> None:
    # Every finding is a secret field of the model holding text (the examples write
    # `password: password`), or one of the credentials listed above: none is a false positive.
    files = _example_workflows(line)
    assert len(files) >= 120
    fields = 0
    for file in files:
        for path, _, why in find_plaintext(load_text(file.read_text(), file.name)):
            name = str(path[-1])
            if why in ("plaintext secret", "a secret field holds a map",
                       "a secret field holds a list") or name == "jwtToken":
                fields += 1
                continue
            assert (file.name, name) in CREDENTIALS_IN_EXAMPLES, f"{file.name}: {name}: {why}"
    assert fields > len(files) // 2


def test_no_complaint_on_this_repository_s_environments() -> None:
    root = Path(__file__).resolve().parent.parent / "environments"
    files = sorted(root.glob("**/*.yaml"))
    assert len(files) >= 20
    assert [(f.name, path) for f in files
            for path, _, _ in find_plaintext(load_text(f.read_text(), f.name))] == []
