"""Read a bucket's state in a process of its own while the parent validates and renders.

A no-change sync is mostly waiting: for boto3 to import, for the client to load its model and
for the listing to arrive and be parsed. None of it depends on the rendered files, so the
parent starts this process as soon as it knows the target, and the child answers the read-only
calls a sync's first inspection makes (list, manifest, versioning, lock) in the order it makes
them. The parent replays each answer once (see :meth:`S3Target.replay`); anything unanswered,
and every later call, goes to the bucket as before. Errors travel as the message and hint the
parent would have raised itself.

Run as ``python -m mwaa_gitops.sync.observe URL ENDPOINT REGION JOBS``; it prints one JSON
document and exits 0.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from mwaa_gitops.sync import SyncError
from mwaa_gitops.sync.lock import LOCK_KEY
from mwaa_gitops.sync.manifest import MANIFEST_KEY

# The calls of deploy.inspect, in its order: the first error ends the recording there.
CALLS = (("list", ""), ("read", MANIFEST_KEY), ("versioning", ""), ("read", LOCK_KEY))
Answers = dict[tuple[str, str], Any]


class Observer:
    """A child process observing one target; :meth:`answers` collects what it found."""

    def __init__(self, url: str, endpoint_url: str | None, region: str | None,
                 jobs: int) -> None:
        self.key = (url, endpoint_url, region)
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, url, endpoint_url or "", region or "", str(jobs)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def answers(self, timeout: float = 120.0) -> Answers:
        """The recorded answers; empty when the child failed (the parent then asks itself)."""
        try:
            out, _ = self._process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.cancel()
            return {}
        if self._process.returncode != 0:
            return {}
        try:
            return decode(json.loads(out))
        except (ValueError, TypeError, KeyError):
            return {}

    def cancel(self) -> None:
        """Stop the child (validation failed, or the target turned out to differ)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()


def record(target: Any) -> list[dict[str, Any]]:
    """Make :data:`CALLS` against ``target``, as JSON-ready records."""
    records: list[dict[str, Any]] = []
    for call, key in CALLS:
        try:
            if call == "list":
                value: Any = [[o.key, o.etag, o.size] for o in target.list().values()]
            elif call == "read":
                found = target.read(key)
                value = None if found is None else [base64.b64encode(found[0]).decode(),
                                                    found[1]]
            else:
                value = target.versioning()
        except SyncError as exc:
            records.append({"call": call, "key": key, "error": [exc.message, exc.hint]})
            break
        records.append({"call": call, "key": key, "value": value})
    return records


def decode(records: list[dict[str, Any]]) -> Answers:
    """The records as :meth:`S3Target.replay` takes them."""
    from mwaa_gitops.sync.targets import RemoteObject

    answers: Answers = {}
    for entry in records:
        call, key = entry["call"], entry["key"]
        if "error" in entry:
            message, hint = entry["error"]
            answers[(call, key)] = SyncError(str(message), hint)
            continue
        value = entry["value"]
        if call == "list":
            value = {k: RemoteObject(str(k), str(etag), int(size)) for k, etag, size in value}
        elif call == "read" and value is not None:
            value = (base64.b64decode(value[0]), str(value[1]))
        answers[(call, key)] = value
    return answers


def main(argv: list[str]) -> int:
    from mwaa_gitops.sync.targets import open_target

    url, endpoint_url, region, jobs = argv
    target = open_target(url, root=Path.cwd(), endpoint_url=endpoint_url or None,
                         region=region or None, jobs=int(jobs))
    if not target.reads_ahead:
        return 2
    sys.stdout.write(json.dumps(record(target)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
