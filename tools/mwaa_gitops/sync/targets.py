"""Where rendered files go: an S3 bucket (boto3) or a local folder (``file://``).

Both speak the same small interface, keyed by paths relative to the environment's prefix, so
plan and apply never know which one they talk to. Every target reports a content fingerprint
(``etag``) per object: S3's ETag, or the MD5 of the file for a folder, which is what S3 reports
for a plain single-part upload.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from mwaa_gitops.sync import SyncError

if TYPE_CHECKING:
    from boto3.session import Session
    from botocore.exceptions import ClientError
    from mypy_boto3_s3 import S3Client

# Our own objects (manifest, lock) live under this folder of the environment's prefix.
RESERVED = ".mwaa-gitops/"
DEFAULT_JOBS = 16
DEFAULT_ATTEMPTS = 6
CONTENT_TYPES = {".yaml": "application/yaml", ".yml": "application/yaml", ".py": "text/x-python",
                 ".txt": "text/plain", ".sh": "text/x-shellscript", ".zip": "application/zip",
                 ".json": "application/json"}


@dataclass(frozen=True)
class RemoteObject:
    """One object found in the target."""

    key: str
    etag: str
    size: int


@dataclass(frozen=True)
class Written:
    """What the target reported after a write."""

    etag: str
    version_id: str | None


class PreconditionFailed(SyncError):
    """A conditional write lost: the object exists (or no longer has the expected etag)."""


class ConditionalWritesUnsupported(SyncError):
    """The server ignores or rejects If-None-Match / If-Match on writes."""


class Target(Protocol):
    """A bucket prefix or folder holding one environment's files."""

    url: str

    def list(self) -> dict[str, RemoteObject]:
        """Every object under the prefix, keyed by prefix-relative path."""
        ...

    def read(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and etag, or None when it does not exist."""
        ...

    def write(self, key: str, data: bytes, *, if_none_match: bool = False,
              if_match: str | None = None) -> Written:
        """Store ``data`` at ``key``; conditional forms raise :class:`PreconditionFailed`."""
        ...

    def delete(self, keys: Sequence[str]) -> None:
        """Remove ``keys`` (missing ones are fine)."""
        ...

    def versioning(self) -> str | None:
        """``Enabled``/``Suspended``/``Disabled`` for a bucket; None when there are no versions."""
        ...


def md5_hex(data: bytes) -> str:
    """The fingerprint a plain S3 upload reports as its ETag."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def content_md5(data: bytes) -> str:
    """The Content-MD5 header: the server rejects a body that arrived damaged."""
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def content_type(key: str) -> str:
    """The Content-Type stored with an object (so the S3 console shows text as text)."""
    suffix = PurePosixPath(key).suffix
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def check_key(key: str) -> None:
    """Refuse keys that could escape the prefix or collide with our own objects."""
    parts = key.split("/")
    if (not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in parts)
            or key.startswith(RESERVED)):
        raise SyncError(f"cannot sync a file named '{key}'",
                        f"keys are relative paths without '..' and outside '{RESERVED}'")


def open_target(url: str, *, root: Path, endpoint_url: str | None = None,
                region: str | None = None, jobs: int = DEFAULT_JOBS,
                attempts: int = DEFAULT_ATTEMPTS) -> Target:
    """The target named by ``url``: ``s3://bucket[/prefix]`` or ``file://path``.

    A relative ``file://`` path is relative to ``root`` (the config repository).
    """
    if url.startswith("file://"):
        path = Path(url[len("file://"):])
        return LocalTarget(path if path.is_absolute() else root / path, url)
    if url.startswith("s3://"):
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise SyncError(f"target '{url}' names no bucket", "write s3://bucket/prefix")
        return S3Target(bucket, prefix.strip("/"), endpoint_url=endpoint_url, region=region,
                        jobs=jobs, attempts=attempts)
    raise SyncError(f"unsupported target '{url}'", "use s3://bucket/prefix or file://path")


class LocalTarget:
    """A folder standing in for a bucket: atomic renames, no versions, no account needed."""

    def __init__(self, root: Path, url: str | None = None) -> None:
        self.root = root
        self.url = url or f"file://{root}"
        self._scratch = root / RESERVED / "tmp"

    def list(self) -> dict[str, RemoteObject]:
        found: dict[str, RemoteObject] = {}
        if not self.root.is_dir():
            return found
        for folder, dirs, files in os.walk(self.root):
            dirs.sort()
            for name in sorted(files):
                path = Path(folder, name)
                key = path.relative_to(self.root).as_posix()
                if key.startswith(RESERVED + "tmp/"):
                    continue
                data = path.read_bytes()
                found[key] = RemoteObject(key, md5_hex(data), len(data))
        return found

    def read(self, key: str) -> tuple[bytes, str] | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        return data, md5_hex(data)

    def write(self, key: str, data: bytes, *, if_none_match: bool = False,
              if_match: str | None = None) -> Written:
        path = self._path(key)
        if not (if_none_match or if_match):
            self._replace(path, data)
            return Written(md5_hex(data), None)
        with self._exclusive():
            current = self.read(key)
            if if_none_match and current is not None:
                raise PreconditionFailed(f"{key} already exists")
            if if_match and (current is None or current[1] != if_match):
                raise PreconditionFailed(f"{key} changed since it was read")
            self._replace(path, data)
        return Written(md5_hex(data), None)

    def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            # A bucket has no folders: drop the ones deletions leave empty.
            for parent in path.parents:
                if parent == self.root or not parent.is_relative_to(self.root):
                    break
                with contextlib.suppress(OSError):
                    parent.rmdir()

    def versioning(self) -> str | None:
        return None

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise SyncError(f"refusing to touch '{key}': it lies outside {self.url}")
        return path

    def _replace(self, path: Path, data: bytes) -> None:
        # Write beside the target and rename, so a killed run never leaves half a file.
        path.parent.mkdir(parents=True, exist_ok=True)
        self._scratch.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._scratch)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        self._scratch.mkdir(parents=True, exist_ok=True)
        with (self._scratch / "cas.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # compare-and-swap across processes
            yield


class S3Target:
    """A bucket prefix, through boto3 (any S3-compatible server when an endpoint is given).

    Throttling, 5xx answers and dropped connections are retried by botocore's standard retry
    mode: exponential backoff with jitter, ``attempts`` tries per request.
    """

    def __init__(self, bucket: str, prefix: str, *, endpoint_url: str | None = None,
                 region: str | None = None, jobs: int = DEFAULT_JOBS,
                 attempts: int = DEFAULT_ATTEMPTS, client: S3Client | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.url = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
        self.endpoint_url = endpoint_url
        self.client = client or _s3_client(endpoint_url, region, jobs, attempts)

    def object_key(self, key: str) -> str:
        """The bucket-level key of a prefix-relative key."""
        return f"{self.prefix}/{key}" if self.prefix else key

    def list(self) -> dict[str, RemoteObject]:
        found: dict[str, RemoteObject] = {}
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                     Prefix=start)
        with self._errors("list", "/"):
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(start):]
                    if key and not key.endswith("/"):
                        found[key] = RemoteObject(key, _etag(item["ETag"]), item["Size"])
        return found

    def read(self, key: str) -> tuple[bytes, str] | None:
        from botocore.exceptions import ClientError

        try:
            with self._errors("read", key, passthrough=("NoSuchKey", "404")):
                answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
                return answer["Body"].read(), _etag(answer["ETag"])
        except ClientError:
            return None

    def write(self, key: str, data: bytes, *, if_none_match: bool = False,
              if_match: str | None = None) -> Written:
        from botocore.exceptions import ClientError

        extra: dict[str, str] = {}
        if if_none_match:
            extra["IfNoneMatch"] = "*"
        if if_match:
            extra["IfMatch"] = f'"{if_match}"'
        try:
            answer = self.client.put_object(Bucket=self.bucket, Key=self.object_key(key),
                                            Body=data, ContentType=content_type(key),
                                            ContentMD5=content_md5(data),
                                            **extra)  # type: ignore[arg-type]
        except ClientError as exc:
            code, status = _code(exc)
            if extra and (status == 412 or code in ("PreconditionFailed",
                                                   "ConditionalRequestConflict")):
                raise PreconditionFailed(f"{key} was written by someone else") from exc
            if extra and (status == 501 or code == "NotImplemented"):
                raise ConditionalWritesUnsupported(
                    f"{self.endpoint_url or 'the S3 server'} does not support conditional "
                    "writes") from exc
            raise _translate(exc, "write", self._where(key)) from exc
        except Exception as exc:
            raise _transport(exc, "write", self._where(key)) from exc
        return Written(_etag(answer["ETag"]), answer.get("VersionId"))

    def delete(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
            batch = keys[start:start + 1000]
            with self._errors("delete", batch[0]):
                answer = self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": self.object_key(k)} for k in batch],
                            "Quiet": True})
            errors = answer.get("Errors", [])
            if errors:
                first = errors[0]
                raise SyncError(f"could not delete {len(errors)} object(s), e.g. "
                                f"s3://{self.bucket}/{first.get('Key')}: "
                                f"{first.get('Code')} {first.get('Message', '')}".rstrip())

    def versioning(self) -> str | None:
        from botocore.exceptions import ClientError

        try:
            with self._errors("read versioning of", "/", passthrough=("AccessDenied",)):
                answer = self.client.get_bucket_versioning(Bucket=self.bucket)
        except ClientError:
            return "Unknown"  # no s3:GetBucketVersioning: writes still report their versions
        # A bucket that never had versioning reports no status at all.
        return answer.get("Status") or "Disabled"

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.object_key(key)}" if key != "/" else self.url

    @contextlib.contextmanager
    def _errors(self, action: str, key: str, passthrough: tuple[str, ...] = ()
                ) -> Iterator[None]:
        """Translate failures into :class:`SyncError`, except ``passthrough`` error codes."""
        from botocore.exceptions import ClientError

        try:
            yield
        except ClientError as exc:
            if _code(exc)[0] in passthrough:
                raise
            raise _translate(exc, action, self._where(key)) from exc
        except SyncError:
            raise
        except Exception as exc:
            raise _transport(exc, action, self._where(key)) from exc


def _s3_client(endpoint_url: str | None, region: str | None, jobs: int,
               attempts: int) -> S3Client:
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": attempts},
                    # Writes carry Content-MD5 (computed for the plan anyway) instead of a CRC.
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    max_pool_connections=max(jobs, 10), connect_timeout=10, read_timeout=60,
                    # S3-compatible servers rarely resolve bucket sub-domains.
                    s3={"addressing_style": "path" if endpoint_url else "auto"})
    return aws_session().client("s3", endpoint_url=endpoint_url, region_name=region,
                                config=config)


@functools.cache
def aws_session() -> Session:
    """One boto3 session per process: loading service models is the slow part of a client."""
    import boto3

    return boto3.session.Session()


def _etag(raw: str) -> str:
    return raw.strip('"')


def _code(exc: ClientError) -> tuple[str, int]:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return str(error.get("Code", "")), int(status)


def _translate(exc: ClientError, action: str, where: str) -> SyncError:
    code, status = _code(exc)
    message = exc.response.get("Error", {}).get("Message") or code
    hints = {
        "NoSuchBucket": "create the bucket, or fix mwaa.target",
        "AccessDenied": "the credentials in use lack permission for this bucket",
        "InvalidAccessKeyId": "check AWS_ACCESS_KEY_ID / the profile in use",
        "SignatureDoesNotMatch": "check the secret key, and mwaa.region",
    }
    return SyncError(f"could not {action} {where}: {code or status} {message}".rstrip(),
                     hints.get(code, "retried with backoff where that helps; run again (a "
                               "sync converges from wherever it stopped)"))


def _transport(exc: Exception, action: str, where: str) -> SyncError:
    from botocore.exceptions import BotoCoreError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return SyncError(f"could not {action} {where}: no AWS credentials found",
                         "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
    if isinstance(exc, BotoCoreError):
        return SyncError(f"could not {action} {where}: {exc}",
                         "retried with backoff; check the network and mwaa.endpointUrl, then "
                         "run again (a sync converges from wherever it stopped)")
    raise exc
