"""An S3 bucket prefix (``s3://bucket[/prefix]``), through boto3: what an MWAA environment reads."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mwaa_gitops.aws import aws_session
from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.targets.base import (
    DEFAULT_ATTEMPTS,
    DEFAULT_JOBS,
    ConditionalWritesUnsupported,
    PreconditionFailed,
    RemoteObject,
    Written,
    check_key,
    content_md5,
    content_type,
    key_problem,
)

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_s3 import S3Client


def open_url(location: str, url: str, *, endpoint_url: str | None = None,
                region: str | None = None, jobs: int = DEFAULT_JOBS,
                attempts: int = DEFAULT_ATTEMPTS, root: Path | None = None) -> S3Target:
    """The bucket prefix ``location`` (``bucket[/prefix]``)."""
    bucket, _, prefix = location.partition("/")
    if not bucket:
        raise SyncError(f"target '{url}' names no bucket", "write s3://bucket/prefix")
    problem = key_problem(prefix.strip("/"), own=True) if prefix.strip("/") else None
    if problem is not None:
        # S3 servers differ in how they treat '//' and '..': refuse, never guess.
        raise SyncError(f"target '{url}' has an unusable prefix: {problem}",
                        "write the prefix as plain segments, e.g. s3://bucket/team-a/x")
    return S3Target(bucket, prefix.strip("/"), endpoint_url=endpoint_url, region=region,
                    jobs=jobs, attempts=attempts)


class S3Target:
    """A bucket prefix, through boto3 (any S3-compatible server when an endpoint is given).

    Throttling, 5xx answers and dropped connections are retried by botocore's standard retry
    mode: exponential backoff with jitter, ``attempts`` tries per request.
    """

    serves_mwaa = True  # MWAA environments read their DAGs from a bucket
    reads_ahead = True  # a listing costs round trips: read it while the config is checked

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
