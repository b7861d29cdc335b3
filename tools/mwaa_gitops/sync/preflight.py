"""Preflight: an environment's settings checked against the MWAA environment they are for.

Before ``plan`` shows or ``sync`` writes anything, ``GetEnvironment`` says what MWAA really
runs, and a setting that contradicts it is refused at the line that set it:

- ``mwaa.airflowVersion`` must be the environment's ``AirflowVersion`` (the DAGs, the
  requirements and the task virtualenvs are built for that release);
- the target's DAG folder (``mwaa.target`` + ``mwaa.dagsPrefix``) must be the folder MWAA reads
  DAGs from (``SourceBucketArn`` + ``DagS3Path``) or one below it;
- ``mwaa.requirementsPath``, ``pluginsPath`` and ``startupScriptPath``, when set, must be the
  files the environment uses, unless ``mwaa.owns`` gives that setting to the repository.

A setting the repository does not own is left as the environment has it: its file is not
uploaded and ``UpdateEnvironment`` is never called for it; for the requirements, a note says
what the environment's own file must hold. Without access to MWAA (no credentials, no
``airflow:GetEnvironment``, no answer), one warning says what was not checked, and the caller
goes on: the refusals need MWAA's answer, and the one change that restarts the environment
(an owned setting's update) reads the environment again before it is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mwaa_gitops.config.model import Environment
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location
from mwaa_gitops.sync.plan import Layout
from mwaa_gitops.sync.targets import Target

if TYPE_CHECKING:
    from mypy_boto3_mwaa import MWAAClient

# (mwaa.owns name, config key, GetEnvironment member, what the file is)
SETTINGS = (
    ("requirements", "requirementsPath", "RequirementsS3Path", "requirements"),
    ("plugins", "pluginsPath", "PluginsS3Path", "plugins"),
    ("startupScript", "startupScriptPath", "StartupScriptS3Path", "startup script"),
)
# Not being allowed to read is not a wrong setting: preflight then says what it skipped.
NOT_ALLOWED = frozenset({"AccessDeniedException", "UnrecognizedClientException",
                         "InvalidSignatureException", "ExpiredTokenException",
                         "AccessDenied"})
ATTEMPTS = 3  # GetEnvironment is cheap; without an answer the caller goes on


@dataclass
class Preflight:
    """What the check found: refusals (errors) and notes for the output."""

    problems: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: bool = False  # MWAA answered and the settings were compared with it

    def refuse(self) -> None:
        """Raise the refusals, if any, as one config error (nothing is written)."""
        if self.problems:
            raise ConfigError(self.problems)


def connect(name: str, region: str) -> MWAAClient:
    """An ``mwaa`` client for the preflight's one read."""
    from botocore.config import Config

    from mwaa_gitops.aws import aws_session

    return aws_session().client("mwaa", region_name=region, config=Config(
        retries={"mode": "standard", "max_attempts": ATTEMPTS}, connect_timeout=10,
        read_timeout=30))


def read(client: MWAAClient, name: str) -> tuple[dict[str, Any] | None, str | None]:
    """``GetEnvironment``'s environment, or None and why it could not be read; raises only
    for an environment that does not exist (then the settings name the wrong one)."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return dict(client.get_environment(Name=name)["Environment"]), None
    except NoCredentialsError:
        return None, "no AWS credentials"
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code"))
        if code == "ResourceNotFoundException":
            raise LookupError(name) from exc
        if code in NOT_ALLOWED:
            return None, f"{code}: no airflow:GetEnvironment permission"
        return None, f"{code} {error.get('Message', '')}".rstrip()
    except BotoCoreError as exc:
        return None, str(exc)


def check(environment: Environment, settings: Node | None, target: Target, layout: Layout,
          withheld: Mapping[str, bytes], client: MWAAClient | None,
          fallback: Location) -> Preflight:
    """Compare ``environment``'s MWAA settings with the live environment (``client``; None
    for a target that serves no MWAA). ``settings`` are the merged settings with their
    provenance; ``fallback`` is where a problem without a setting of its own points."""
    mwaa = environment.mwaa
    result = Preflight()
    if client is None or not target.serves_mwaa:
        return result  # a folder: no MWAA environment to hold it to, nothing withheld

    def where(*keys: str) -> Location:
        for key in keys:
            node = settings.get("mwaa", key) if settings is not None else None
            if node is not None:
                return node.location
        return fallback

    try:
        live, why = read(client, mwaa.environment_name)
    except LookupError:
        result.problems.append(Diagnostic(
            where("environmentName"), f"MWAA has no environment '{mwaa.environment_name}' in "
            f"{mwaa.region}", "check mwaa.environmentName and mwaa.region (nothing was "
            "uploaded)", code="mwaa-environment"))
        return result
    if live is None:
        result.notes.append(
            f"warning: could not read MWAA environment '{mwaa.environment_name}' ({why}): its "
            "Airflow version, DAG folder and requirements, plugins and startup script paths "
            "were not checked against mwaa.airflowVersion, mwaa.target and mwaa.dagsPrefix")
        result.notes.extend(_requirements_note(mwaa.environment_name, layout, withheld, None,
                                               target))
        return result
    result.checked = True
    name = mwaa.environment_name
    running = str(live.get("AirflowVersion") or "")
    if running and running != mwaa.airflow_version:
        result.problems.append(Diagnostic(
            where("airflowVersion"), f"MWAA environment '{name}' runs Airflow {running}, not "
            f"{mwaa.airflow_version}", f"set mwaa.airflowVersion to \"{running}\": the DAGs, "
            "requirements and task virtualenvs are built for the release set here",
            code="mwaa-version"))
    location = mwaa.s3_location
    problem = _dag_folder(name, live, target, layout, location[1] if location else "")
    if problem is not None:
        message, hint, in_target = problem
        keys = ("target",) if in_target else ("dagsPrefix", "target")
        result.problems.append(Diagnostic(where(*keys), message, hint, code="mwaa-dag-folder"))
    for owned, key, member, label in SETTINGS:
        node = settings.get("mwaa", key) if settings is not None else None
        if owned in mwaa.owns or node is None or not isinstance(node.value, str):
            continue
        ours = target.object_key(node.value.strip("/"))
        theirs = live.get(member)
        if theirs != ours:
            source = str(live.get("SourceBucketArn") or "").rpartition(":::")[2]
            used = f"s3://{source or target.bucket}/{theirs}" if theirs else "no file"
            result.problems.append(Diagnostic(
                node.location, f"MWAA environment '{name}' uses {used} for its {label}, not "
                f"s3://{target.bucket}/{ours}, and this repository does not own that setting",
                f"remove mwaa.{key} to leave the environment's {label} setting alone, or add "
                f"{owned} to mwaa.owns to have sync upload the file and point the environment "
                "at it, which restarts it", code="mwaa-setting"))
    result.notes.extend(_requirements_note(name, layout, withheld, live, target))
    return result


def _dag_folder(name: str, live: Mapping[str, Any], target: Target, layout: Layout,
                prefix: str) -> tuple[str, str, bool] | None:
    """Why the target's DAG folder is not one MWAA reads (message, hint, whether the target
    itself is wrong rather than the dags prefix), or None when it is."""
    arn = str(live.get("SourceBucketArn") or "")
    dag_path = str(live.get("DagS3Path") or "").strip("/")
    if not arn or not dag_path:
        return None  # nothing to compare with
    bucket = arn.rpartition(":::")[2]
    folder = target.object_key(layout.dags_prefix)
    reads = f"s3://{bucket}/{dag_path}/"
    if target.bucket != bucket:
        return (f"MWAA environment '{name}' reads DAGs from {reads} (SourceBucketArn, "
                f"DagS3Path), not from bucket {target.bucket}",
                f"set mwaa.target to s3://{bucket} or a prefix of it, so that the DAGs land in "
                f"{dag_path}/ or a folder below it", True)
    if folder == dag_path or folder.startswith(dag_path + "/"):
        return None
    fixable = not prefix or dag_path.startswith(prefix + "/")
    return (f"MWAA environment '{name}' reads DAGs from {reads} (DagS3Path), but the DAGs "
            f"would go to s3://{bucket}/{folder}/, which it never reads",
            (f"set mwaa.dagsPrefix to {dag_path[len(prefix) + 1 if prefix else 0:]} or a "
             "folder below it" if fixable else
             f"set mwaa.target to s3://{bucket}/{dag_path}/<folder>, or to s3://{bucket} "
             f"with mwaa.dagsPrefix {dag_path} or a folder below it"), not fixable)


def _requirements_note(name: str, layout: Layout, withheld: Mapping[str, bytes],
                       live: Mapping[str, Any] | None, target: Target) -> list[str]:
    """What the environment's own requirements file must hold, when the repository does not
    own it."""
    rendered = [data for key, data in withheld.items()
                if layout.withheld.get(key) == "requirements"]
    if not rendered:
        return []
    lines = [line for line in rendered[0].decode("utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    path = live.get("RequirementsS3Path") if live is not None else None
    whose = (f"s3://{target.bucket}/{path}" if path else
             "its requirements file" if live is None else "a requirements file (it has none)")
    if not lines:
        return [f"note: requirements are not owned by this repository (mwaa.owns), and the "
                f"rendered DAGs need nothing added to the requirements of MWAA environment "
                f"'{name}'"]
    shown = "".join(f"\n  {line}" for line in lines)
    return [f"note: requirements are not owned by this repository (mwaa.owns), so MWAA "
            f"'{name}' is not updated; for the rendered DAGs, {whose} must contain:{shown}"]
