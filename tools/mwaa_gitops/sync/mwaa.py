"""MWAA environment updates: point the environment at new object versions, then wait.

MWAA reads ``requirements.txt``, ``plugins.zip`` and the startup script only when told to by
``UpdateEnvironment`` with their S3 object versions (hence the bucket must be versioned). An
update restarts the environment and takes tens of minutes, so it is only called when one of
those files changed (or an earlier run uploaded it and stopped before calling).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from mwaa_gitops.aws import aws_session
from mwaa_gitops.facts.mwaa_releases import BUSY
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.plan import Layout
from mwaa_gitops.sync.progress import Progress

if TYPE_CHECKING:
    from mypy_boto3_mwaa import MWAAClient

PARAMETERS = {
    "requirements": ("RequirementsS3Path", "RequirementsS3ObjectVersion"),
    "plugins": ("PluginsS3Path", "PluginsS3ObjectVersion"),
    "startup": ("StartupScriptS3Path", "StartupScriptS3ObjectVersion"),
}
DEFAULT_POLL_SECONDS = 30.0


def update_request(name: str, layout: Layout, bucket_key: Callable[[str], str],
                   versions: Mapping[str, str | None]) -> dict[str, str]:
    """``UpdateEnvironment`` parameters pointing ``name`` at ``versions`` of its files.

    ``versions`` maps prefix-relative keys of rendered environment files to object versions;
    ``bucket_key`` turns such a key into the bucket-level path MWAA expects.
    """
    request = {"Name": name}
    for key, kind in sorted(layout.environment_files.items()):
        if key not in versions:
            continue
        version = versions[key]
        if not version:
            raise SyncError(f"{bucket_key(key)} has no object version, which MWAA needs",
                            "enable versioning on the bucket and sync again")
        path_param, version_param = PARAMETERS[kind]
        request[path_param] = bucket_key(key)
        request[version_param] = version
    return request


class MwaaEnvironment:
    """One MWAA environment, through boto3 (injected, so tests can use a stubbed client)."""

    def __init__(self, client: MWAAClient, name: str) -> None:
        self.client = client
        self.name = name

    @classmethod
    def connect(cls, name: str, region: str) -> MwaaEnvironment:
        """A client for ``name`` in ``region``, retrying throttling like the S3 client."""
        from botocore.config import Config

        client = aws_session().client(
            "mwaa", region_name=region, config=Config(retries={"mode": "standard",
                                                               "max_attempts": 6}))
        return cls(client, name)

    def describe(self) -> dict[str, Any]:
        """The environment as ``GetEnvironment`` reports it."""
        with _errors(f"read MWAA environment '{self.name}'"):
            return dict(self.client.get_environment(Name=self.name)["Environment"])

    def ensure_ready(self) -> None:
        """Refuse to start while the environment is busy (MWAA would reject the update)."""
        status = self.describe().get("Status", "UNKNOWN")
        if status in BUSY:
            raise SyncError(f"MWAA environment '{self.name}' is {status}; it accepts no update "
                            "now", "run the sync again once it is AVAILABLE (nothing was "
                            "uploaded)")

    def update(self, request: Mapping[str, str]) -> None:
        """Call ``UpdateEnvironment`` with ``request`` (from :func:`update_request`)."""
        with _errors(f"update MWAA environment '{self.name}'"):
            self.client.update_environment(**request)  # type: ignore[arg-type]

    def wait(self, progress: Progress, *, timeout: float, poll: float = DEFAULT_POLL_SECONDS,
             sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic) -> None:
        """Poll until the environment is no longer busy; raises if the update failed."""
        started = clock()
        last = ""
        while True:
            environment = self.describe()
            status = str(environment.get("Status", "UNKNOWN"))
            elapsed = clock() - started
            if status != last or status in BUSY:
                progress.note(f"MWAA {self.name}: {status} ({_minutes(elapsed)})")
                last = status
            if status not in BUSY:
                break
            if elapsed >= timeout:
                raise SyncError(f"MWAA environment '{self.name}' still {status} after "
                                f"{_minutes(elapsed)}", "the update goes on; check the MWAA "
                                "console, or wait longer with --wait-timeout")
            sleep(poll)
        update = environment.get("LastUpdate") or {}
        if status != "AVAILABLE" or update.get("Status") == "FAILED":
            error = update.get("Error") or {}
            detail = error.get("ErrorMessage") or error.get("ErrorCode") or status
            raise SyncError(f"MWAA environment '{self.name}' update failed: {detail}",
                            "MWAA rolls back to the previous versions; fix the files and "
                            "sync again")


@contextlib.contextmanager
def _errors(action: str) -> Iterator[None]:
    """Turns botocore failures into a :class:`SyncError` for ``action``."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        hint = ("check mwaa.environmentName and mwaa.region"
                if error.get("Code") == "ResourceNotFoundException" else None)
        raise SyncError(f"could not {action}: {error.get('Code')} "
                        f"{error.get('Message', '')}".rstrip(), hint) from exc
    except NoCredentialsError as exc:
        raise SyncError(f"could not {action}: no AWS credentials found",
                        "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from exc
    except BotoCoreError as exc:
        raise SyncError(f"could not {action}: {exc}") from exc


def _minutes(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"
