"""Where rendered files go: an S3 bucket (boto3) or a local folder (``file://``).

Both speak the same small interface, keyed by paths relative to the environment's prefix, so
plan and apply never know which one they talk to. Every target reports a content fingerprint
(``etag``) per object: S3's ETag, or the MD5 of the file for a folder, which is what S3 reports
for a plain single-part upload.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import functools
import hashlib
import mimetypes
import os
import re
import stat
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from mwaa_gitops.sync import SyncError

if TYPE_CHECKING:
    from boto3.session import Session
    from botocore.exceptions import ClientError
    from mypy_boto3_s3 import S3Client

_CONTROL = re.compile("[\x00-\x1f\x7f]")
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


def key_problem(key: str, *, own: bool = False) -> str | None:
    """Why ``key`` may not name an object under a prefix (None: it may).

    The one rule for every writer and deleter (sync, render --out, stored manifests and
    markers): a relative path of plain segments, no control characters, and outside
    ``.mwaa-gitops/`` unless ``own`` (our manifest and lock).
    """
    if not key:
        return "it is empty"
    if key.startswith("/"):
        return "it is an absolute path"
    if "\\" in key:
        return "it holds a backslash"
    if _CONTROL.search(key):
        return "it holds a control character (e.g. a newline)"
    if any(part in ("", ".", "..") for part in key.split("/")):
        return "it has an empty, '.' or '..' segment"
    if not own and (key + "/").startswith(RESERVED):
        return f"it lies in '{RESERVED}', which mwaa-gitops keeps for itself"
    return None


def folder_collision(keys: Collection[str]) -> tuple[str, str] | None:
    """A key that is also the folder of another key (a folder target cannot hold both, and
    MWAA would read neither as meant), with that other key; None when there is none."""
    folders: dict[str, str] = {}
    for key in keys:
        for parent in PurePosixPath(key).parents:
            folders.setdefault(parent.as_posix(), key)
    clash = next((key for key in sorted(keys) if key in folders), None)
    return (clash, folders[clash]) if clash is not None else None


def check_key(key: str, *, own: bool = False) -> None:
    """Refuse keys that could escape the prefix or collide with our own objects."""
    problem = key_problem(key, own=own)
    if problem is not None:
        raise SyncError(f"cannot sync a file named {key!r}: {problem}",
                        f"keys are relative paths without '..' and outside '{RESERVED}'")


def open_target(url: str, *, root: Path, endpoint_url: str | None = None,
                region: str | None = None, jobs: int = DEFAULT_JOBS,
                attempts: int = DEFAULT_ATTEMPTS) -> Target:
    """The target named by ``url``: ``s3://bucket[/prefix]`` or ``file://path``.

    A ``file://`` path is a folder of ``root`` (the config repository), outside its
    ``environments/``.
    """
    if url.startswith("file://"):
        relative = url[len("file://"):].rstrip("/")
        problem = key_problem(relative, own=True)
        folder = (root / relative).resolve() if problem is None else root
        if problem is None and not folder.is_relative_to(root.resolve()):
            problem = "it leads out of the repository (through a link)"
        if problem is None and folder.is_relative_to((root / "environments").resolve()):
            problem = "it lies inside environments/"
        if problem is not None:
            raise SyncError(f"target '{url}' is not a folder of the repository: {problem}",
                            "write file://<folder>, relative to the repository, e.g. "
                            "file://.local-bucket")
        return LocalTarget(root / relative, url)
    if url.startswith("s3://"):
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise SyncError(f"target '{url}' names no bucket", "write s3://bucket/prefix")
        problem = key_problem(prefix.strip("/"), own=True) if prefix.strip("/") else None
        if problem is not None:
            # S3 servers differ in how they treat '//' and '..': refuse, never guess.
            raise SyncError(f"target '{url}' has an unusable prefix: {problem}",
                            "write the prefix as plain segments, e.g. s3://bucket/team-a/x")
        return S3Target(bucket, prefix.strip("/"), endpoint_url=endpoint_url, region=region,
                        jobs=jobs, attempts=attempts)
    raise SyncError(f"unsupported target '{url}'", "use s3://bucket/prefix or file://path")


class TargetFull(SyncError):
    """The target has no room left (a full disk under a ``file://`` target)."""


# Room a folder target keeps for the lock and the manifest, so that a full disk can still be
# brought back by a sync of a smaller config (which must lock and record before it deletes).
RESERVE_BYTES = 64 * 1024


class LocalTarget:
    """A folder standing in for a bucket: atomic renames, no versions, no account needed.

    Objects are regular files; a symbolic link, FIFO or device found in the folder is never
    followed or opened: it lists as an object of its own (so a sync replaces or removes the
    entry itself), and its name is the only thing read.
    """

    def __init__(self, root: Path, url: str | None = None) -> None:
        self.root = root
        self.url = url or f"file://{root}"
        self._scratch = root / RESERVED / "tmp"
        self._mode = 0o666 & ~_umask()

    def list(self) -> dict[str, RemoteObject]:
        found: dict[str, RemoteObject] = {}
        if not self.root.is_dir():
            return found
        with self._errors("list", "/"):
            for folder, dirs, files in os.walk(self.root):
                dirs.sort()
                # os.walk does not descend into linked folders; list them as entries instead.
                links = [d for d in dirs if Path(folder, d).is_symlink()]
                for name in sorted([*files, *links]):
                    path = Path(folder, name)
                    key = path.relative_to(self.root).as_posix()
                    if key.startswith(RESERVED + "tmp/"):
                        continue
                    data = _read_regular(path)
                    if data is None:  # not a regular file: fingerprint the entry, not its target
                        marker = f"special:{os.lstat(path).st_mode:o}".encode()
                        found[key] = RemoteObject(key, md5_hex(marker), 0)
                    else:
                        found[key] = RemoteObject(key, md5_hex(data), len(data))
        return found

    def read(self, key: str) -> tuple[bytes, str] | None:
        path = self._path(key)
        with self._errors("read", key):
            try:
                data = _read_regular(path)
            except FileNotFoundError:
                return None
        if data is None:
            raise SyncError(f"{self.url}/{key} is not a regular file (a link, FIFO or device)",
                            "remove it from the target folder")
        return data, md5_hex(data)

    def write(self, key: str, data: bytes, *, if_none_match: bool = False,
              if_match: str | None = None) -> Written:
        path = self._path(key)
        with self._errors("write", key):
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
        paths = [self._path(key) for key in keys]
        for key, path in zip(keys, paths, strict=True):
            with self._errors("delete", key):
                path.unlink(missing_ok=True)  # a link is removed itself, never its target
            # A bucket has no folders: drop the ones deletions leave empty.
            for parent in path.parents:
                if parent == self.root or not parent.is_relative_to(self.root):
                    break
                with contextlib.suppress(OSError):
                    parent.rmdir()

    def versioning(self) -> str | None:
        return None

    def _path(self, key: str) -> Path:
        """The file of ``key``; no folder on the way may be a link (it could lead anywhere)."""
        check_key(key, own=True)
        path = self.root / key
        for parent in list(path.relative_to(self.root).parents)[:-1]:
            if (self.root / parent).is_symlink():
                raise SyncError(f"refusing to touch '{key}': {self.url}/{parent.as_posix()} is "
                                "a symbolic link", "replace the link by a plain folder")
        return path

    def _replace(self, path: Path, data: bytes) -> None:
        try:
            self._replace_once(path, data)
        except OSError as exc:
            reserve = self._scratch / "reserve"
            if exc.errno != errno.ENOSPC or not reserve.exists():
                raise
            reserve.unlink()  # spend the reserve; it is put back once there is room again
            self._replace_once(path, data)
            return
        self._keep_reserve()

    def _keep_reserve(self) -> None:
        reserve = self._scratch / "reserve"
        if reserve.exists():
            return
        try:
            with reserve.open("wb") as handle:
                handle.write(bytes(RESERVE_BYTES))
        except OSError:
            reserve.unlink(missing_ok=True)  # no room yet: try again on the next write

    def _replace_once(self, path: Path, data: bytes) -> None:
        # Write beside the target and rename, so a killed run never leaves half a file.
        path.parent.mkdir(parents=True, exist_ok=True)
        self._scratch.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._scratch)
        try:
            # Readable like any rendered file (mkstemp creates 0600).
            os.fchmod(fd, self._mode)
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

    @contextlib.contextmanager
    def _errors(self, action: str, key: str) -> Iterator[None]:
        """A failing file system call (read-only, full, no permission) as a :class:`SyncError`."""
        try:
            yield
        except OSError as exc:
            where = self.url if key == "/" else f"{self.url}/{key}"
            reason = exc.strerror or str(exc)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise TargetFull(f"could not {action} {where}: {reason}",
                                 "free space there, or sync a smaller config (the folder keeps "
                                 "room for the lock and manifest, so that sync can run)") from None
            raise SyncError(f"could not {action} {where}: {reason}",
                            "check that the target folder is writable") from None


def _read_regular(path: Path) -> bytes | None:
    """The bytes of a regular file, or None for anything else; never follows a link and never
    blocks on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symbolic link
            return None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


@functools.cache
def _umask() -> int:
    # Read once, before upload threads start: setting it to read it is process-wide.
    current = os.umask(0)
    os.umask(current)
    return current


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
        self._client = client
        self._settings = (region, jobs, attempts)
        # Answers read ahead by another process (see sync.observe), each used once.
        self._replay: dict[tuple[str, str], Any] = {}

    @property
    def client(self) -> S3Client:
        """The boto3 client, made on first use: replayed answers need none."""
        if self._client is None:
            self._client = _s3_client(self.endpoint_url, *self._settings)
        return self._client

    def replay(self, answers: Mapping[tuple[str, str], Any]) -> None:
        """Answer the next ``list``/``read``/``versioning`` calls from ``answers``, once each
        (an answer may be the :class:`SyncError` the call would have raised)."""
        self._replay = dict(answers)

    def _replayed(self, call: str, key: str = "") -> tuple[bool, Any]:
        if (call, key) not in self._replay:
            return False, None
        answer = self._replay.pop((call, key))
        if isinstance(answer, SyncError):
            raise answer
        return True, answer

    def object_key(self, key: str) -> str:
        """The bucket-level key of a prefix-relative key (checked: every request goes here)."""
        check_key(key, own=True)
        return f"{self.prefix}/{key}" if self.prefix else key

    def list(self) -> dict[str, RemoteObject]:
        replayed, answer = self._replayed("list")
        if replayed:
            return dict(answer)
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
        replayed, answer = self._replayed("read", key)
        if replayed:
            return answer  # type: ignore[no-any-return]
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
        replayed, answer = self._replayed("versioning")
        if replayed:
            return answer  # type: ignore[no-any-return]
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

    session = boto3.session.Session()
    # dateutil's generic parser took most of the time of parsing a 1,000-key listing page.
    session._session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=_timestamp)
    return session


def _timestamp(value: str) -> datetime:
    """S3's ISO 8601 timestamps through the C parser; anything else as botocore reads it."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        from botocore.utils import parse_timestamp

        return parse_timestamp(value)


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
