# Rendered by mwaa-gitops from dags/virtualenv_workflow.py for Airflow 3.
# Do not edit: change environments/ and re-render.
"""An OpenMetadata workflow that runs in a task-local virtualenv (PythonVirtualenvOperator).

``openmetadata-ingestion`` is installed into the task's virtualenv (cached between runs on the
worker), so it need not share the environment's requirements. The workflow config is the YAML file
beside this one, passed to the task as an argument; ``${var:NAME}``, ``${env:NAME}`` and
OpenMetadata's own ``${NAME}`` references in it are resolved inside the task, ``secret:`` references
by OpenMetadata's secrets manager.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from airflow.providers.standard.operators.python import PythonVirtualenvOperator
from airflow.sdk import DAG
from airflow.sdk.definitions.template import literal  # airflow.sdk 3.0 lacks it

# Settings from environments/, each written as a Python literal.
DAG_ID = "openmetadata_airflow_pipelines"
SCHEDULE = "@hourly"
START_DATE = "2024-01-01"
TAGS = ["openmetadata", "dev", "airflow-connector"]
OWNER = "data-platform"
RETRIES = 2
RETRY_DELAY_MINUTES = 5
MAX_ACTIVE_RUNS = 1
TIMEOUT_MINUTES = None
WORKFLOW_CLASS = "metadata.workflow.metadata.MetadataWorkflow"
REQUIREMENTS = [
    "agate==1.9.1",
    "antlr4-python3-runtime==4.9.2",
    "azure-core==1.41.0",
    "azure-identity==1.27.0",
    "azure-keyvault-secrets==4.12.0",
    "boto3==1.41.5",
    "botocore==1.41.6",
    "cached-property==1.5.2",
    "certifi==2026.10.19.post1",
    "chardet==4.0.0",
    "click==8.3.3",
    "collate-data-diff==0.11.18",
    "collate-sqlfluff==3.5.3",
    "collate-sqllineage==2.1.7",
    "daff==1.4.2",
    "dbt-adapters==1.24.5",
    "dbt-common==1.39.0",
    "dbt-core==1.11.16",
    "dbt-extractor==0.6.0",
    "dbt-protos==1.0.615",
    "dbt-semantic-interfaces==0.9.0",
    "deepdiff==8.6.2",
    "diff-cover==11.0.4",
    "dsnparse==0.1.15",
    "durationpy==0.12",
    "google-api-core==2.44.0",
    "google-auth==2.63.1",
    "google-cloud-secret-manager==2.24.0",
    "google-crc32c==1.9.0",
    "grpc-google-iam-v1==0.14.6",
    "grpcio-status==1.78.0",
    "iniconfig==2.3.1",
    "isodate==0.7.2",
    "jaraco-classes==3.4.0",
    "jaraco-context==6.1.2",
    "jaraco-functools==4.1.0",
    "jeepney==0.9.0",
    "jsonpatch==1.48",
    "jsonpointer==3.12",
    "keyring==25.7.0",
    "kubernetes==35.0.0",
    "leather==0.4.1",
    "mashumaro==3.10",
    "memory-profiler==0.61.0",
    "mistune==3.4.0",
    "more-itertools==10.8.0",
    "msal==1.39.0",
    "msal-extensions==1.3.1",
    "mypy-extensions==1.2.0",
    "networkx==3.7",
    "numpy==2.5.5",
    "oauthlib==4.0.1",
    "openmetadata-ingestion==2.0.7.0",
    "orderly-set==5.5.0",
    "parsedatetime==2.6",
    "pathspec==0.12.1",
    "proto-plus==1.29.0",
    "pyasn1==0.6.5",
    "pyasn1-modules==0.4.2",
    "pyjwt==2.15.1",
    "pymysql==1.2.4",
    "pytest==9.2.0",
    "pytimeparse==1.1.10",
    "regex==2026.11.24",
    "requests-aws4auth==1.4.0",
    "requests-oauthlib==2.0.0",
    "s3transfer==0.15.0",
    "secretstorage==3.5.0",
    "setuptools==84.2.1",
    "shapely==2.2.0",
    "snowplow-tracker==1.1.0",
    "sqlglot==29.0.1",
    "sqlparse==0.6.0",
    "tabulate==0.9.0",
    "tblib==3.2.2",
    "toml==0.10.2",
    "tqdm==4.70.1",
    "typing-inspect==0.9.0",
    "urllib3==2.8.0",
    "websocket-client==1.9.2",
]
# A private network's wheel bundle, relative to this file: installs use no package index.
WHEELS = None

CONFIG = Path(__file__).with_suffix(".yaml")
# Adapts the Airflow connector to MWAA's InvokeRestApi; rendered with the DAGs.
ADAPTER = Path(__file__).parent / "compat" / "mwaa_rest_api.py"
# The virtualenv is built once per worker and requirement set, not on every run.
VENV_CACHE = Path(tempfile.gettempdir()) / "openmetadata-ingestion-venvs"


def run_workflow(config_yaml: str, workflow_class: str, dag_id: str, run_id: str,
                 adapter: str | None = None) -> None:
    """Create the OpenMetadata workflow from its config, execute it, and fail on its errors.

    Self-contained (imports inside), so that the same function can run in a task virtualenv.
    ``adapter``: the path of the module that adapts the Airflow connector to MWAA's
    InvokeRestApi (rendered beside the DAGs), applied before the workflow is created.
    """
    import importlib
    import importlib.util
    import os
    import re
    import uuid

    import yaml

    # ${var:NAME}, ${env:NAME}, and OpenMetadata's own ${NAME}, which means ${env:NAME}.
    reference = re.compile(
        r"\$\{(?:(var|env):([A-Za-z_][A-Za-z0-9_.\-/]*)|([A-Za-z_][A-Za-z0-9_]*))\}")

    def resolve(value):
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [resolve(item) for item in value]
        match = reference.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            return value
        kind, name, bare = match.groups()
        if bare is not None:
            kind, name = "env", bare
        if kind == "env":
            if name not in os.environ:
                raise KeyError(f"the workflow config refers to environment variable {name!r}, "
                               "which is not set")
            return os.environ[name]
        from airflow.sdk import Variable
        return Variable.get(name)

    # The class comes from the renderer's table; still, only a workflow class of the package.
    module, _, name = workflow_class.rpartition(".")
    if not module.startswith("metadata.workflow."):
        raise ValueError(f"{workflow_class!r} is not an OpenMetadata workflow class")
    from metadata.workflow.base import BaseWorkflow

    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, BaseWorkflow)):
        raise TypeError(f"{workflow_class!r} is not an OpenMetadata workflow class")
    config = resolve(yaml.safe_load(config_yaml))
    # One id per Airflow run, the same for its retries: OpenMetadata records a run's RUNNING
    # and final states on one row of the ingestion pipeline's history.
    config["pipelineRunId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"airflow:{dag_id}/{run_id}"))
    if adapter is not None:
        spec = importlib.util.spec_from_file_location("mwaa_rest_api_compat", adapter)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {adapter}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.adapt(config)
    workflow = cls.create(config)
    # execute() already prints the summary and stops the workflow (its usage and status
    # posts included); calling them again would report every run twice.
    workflow.execute()
    workflow.raise_from_status()


with DAG(
    dag_id=DAG_ID,
    schedule=SCHEDULE,
    start_date=datetime.fromisoformat(START_DATE).replace(tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=MAX_ACTIVE_RUNS,
    tags=TAGS,
    default_args={
        "owner": OWNER,
        "retries": RETRIES,
        "retry_delay": timedelta(minutes=RETRY_DELAY_MINUTES),
        "execution_timeout": timedelta(minutes=TIMEOUT_MINUTES) if TIMEOUT_MINUTES else None,
    },
    doc_md=__doc__,
):
    PythonVirtualenvOperator(
        task_id="run_workflow",
        python_callable=run_workflow,
        requirements=REQUIREMENTS,
        pip_install_options=None if WHEELS is None
        else ["--no-index", "--find-links", str(Path(__file__).parent / WHEELS)],
        # MWAA's packages stay visible: the Airflow connector imports Airflow, Variables too.
        system_site_packages=True,
        venv_cache_path=str(VENV_CACHE),
        # literal(): the config is data for the workflow, never a Jinja template. run_id
        # comes from the task's context.
        op_kwargs={
            "config_yaml": literal(CONFIG.read_text(encoding="utf-8")),
            "workflow_class": literal(WORKFLOW_CLASS),
            "dag_id": literal(DAG_ID),
            "adapter": literal(str(ADAPTER)),
        },
    )
