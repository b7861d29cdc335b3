# Rendered by mwaa-gitops from dags/connection_discovery.py for Airflow 2.
# Do not edit: change environments/ and re-render.
# Airflow 2 names on purpose: airflow.sdk and the standard provider are the
# Airflow 3 homes that ruff's AIR311/AIR312 suggest.
# ruff: noqa: AIR311, AIR312
"""Finds this MWAA environment's Airflow metadata database, for the ECS approach's connector.

Airflow 2 only: on Airflow 3 no task can read the metadata database, and the Airflow connector's
``RestAPI`` connection with MWAA authentication needs no database connection at all.

MWAA does not show the metadata database's connection. This DAG (paused when it appears; unpause
it and it runs once) reads ``sql_alchemy_conn`` from the ``[database]`` section, or ``[core]`` on
older Airflow, logs everything about it except the password, and stores the password where the
team can read it safely: an AWS Secrets Manager secret or an Airflow Variable. A password that
MWAA shows masked (``****``) cannot be stored; the log says so.

Then turn the logged URL into the workflow's connection block:
``mwaa-gitops connection from-url 'postgresql://USER@HOST:PORT/DB' --env ENV``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from airflow.models.dag import DAG
from airflow.operators.python import PythonOperator
from airflow.utils.template import literal

# Settings from environments/, each written as a Python literal.
DAG_ID = "openmetadata_connection_discovery"
ENVIRONMENT = "prod"
REGION = "us-east-1"
SECRET_ID = "/openmetadata/prod/mwaa-metadata-db/password"
VARIABLE = None


def discover_connection(environment: str, region: str, secret_id: str | None,
                        variable: str | None) -> dict[str, object]:
    """Read the metadata database URL, store its password, and return the rest of it."""
    import logging
    import re
    from urllib.parse import parse_qsl, unquote, urlsplit

    from airflow.configuration import conf

    log = logging.getLogger("airflow.task")
    url = (conf.get("database", "sql_alchemy_conn", fallback="")
           or conf.get("core", "sql_alchemy_conn", fallback=""))
    # User and password as SQLAlchemy reads them: the password runs to the next '@' and may
    # hold '/', '?' or '#' unencoded, which urlsplit would take for the path, query or fragment.
    scheme, _, rest = url.partition("://")
    userinfo = re.match(r"([^:/@]*)(?::([^@]*))?@", rest)
    username, password = (userinfo.group(1), userinfo.group(2)) if userinfo else ("", None)
    try:
        parts = urlsplit(f"{scheme}://{rest[userinfo.end():] if userinfo else rest}")
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        parts = urlsplit("")
    if not parts.hostname:
        raise ValueError(f"sql_alchemy_conn on this worker names no database server that can "
                         f"be read (scheme {scheme or 'none'!r}); run this DAG in MWAA")
    password = unquote(password) if password is not None else None
    found = {
        "scheme": parts.scheme,
        "username": unquote(username),
        "hostPort": f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname,
        "database": unquote(parts.path.lstrip("/")),
        "queryParameters": sorted(name for name, _ in parse_qsl(parts.query)),
    }
    without_password = (f"{found['scheme']}://{username}@{found['hostPort']}"
                        f"/{parts.path.lstrip('/')}")
    log.info("Airflow metadata database: %s (query parameters: %s)", without_password,
             ", ".join(found["queryParameters"]) or "none")

    if password is None or password == "":
        found["password"] = "none in sql_alchemy_conn"
        log.warning("sql_alchemy_conn holds no password: nothing stored")
    elif re.fullmatch(r"\*+", password):
        found["password"] = "masked by MWAA, not stored"
        log.warning("the password in sql_alchemy_conn is masked: nothing stored; put the real "
                    "password in the store by hand")
    elif secret_id is not None:
        import boto3

        client = boto3.client("secretsmanager", region_name=region)
        try:
            client.put_secret_value(SecretId=secret_id, SecretString=password)
        except client.exceptions.ResourceNotFoundException:
            client.create_secret(Name=secret_id, SecretString=password,
                                 Description="Airflow metadata database password (mwaa-gitops)")
        found["password"] = f"stored in AWS Secrets Manager secret {secret_id!r}"
        found["reference"] = f"secret:{secret_id}"
    else:
        from airflow.models import Variable
        Variable.set(variable, password)
        found["password"] = f"stored in Airflow Variable {variable!r}"
        found["reference"] = f"${{var:{variable}}}"
    log.info("password: %s", found["password"])
    log.info("next: mwaa-gitops connection from-url '%s' --env %s", without_password, environment)
    return found


with DAG(
    dag_id=DAG_ID,
    schedule="@once",
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    is_paused_upon_creation=True,
    tags=["openmetadata", "mwaa-gitops"],
    doc_md=__doc__,
):
    PythonOperator(
        task_id="discover_connection",
        python_callable=discover_connection,
        # literal(): these values are data, never Jinja templates.
        op_kwargs={
            "environment": literal(ENVIRONMENT),
            "region": literal(REGION),
            "secret_id": literal(SECRET_ID),
            "variable": literal(VARIABLE),
        },
    )
