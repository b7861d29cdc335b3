"""``mwaa-gitops unlock``: break the sync lock of a run that died, named by its lock id."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops.exits import ExitCode
from mwaa_gitops.report import OutputFormat
from mwaa_gitops.sync.lock import break_lock
from mwaa_gitops.sync.prepare import prepare


def run(root: Path | None, env: str, lock_id: str | None, fmt: OutputFormat) -> int:
    """Mark ``env``'s lock stale when ``lock_id`` is its id; without it, name the holder."""
    prepared = prepare(root, env)
    with prepared.errors():
        holder = break_lock(prepared.target, lock_id)
    print(f"broke the sync lock of {prepared.target.url} held by {holder.describe()}; the "
          "next sync takes it over")
    return ExitCode.OK
