"""Lock files for tests that need a repository's lock of a set no example environment uses,
without the package index: the vendored pins of the set, each with a hash made up from the pin
(the format ``mwaa-gitops lock`` writes; pip would refuse these hashes, nothing here installs)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mwaa_gitops.config import locks
from mwaa_gitops.config.locks import LockSet
from mwaa_gitops.facts import requirements_data


def write_vendored_lock(root: Path, lock_set: LockSet) -> tuple[str, ...]:
    """Write ``lock_set``'s lock from the vendored pins; its requirement lines."""
    vendored = requirements_data.venv_lock(lock_set.airflow, lock_set.ingestion, lock_set.extras)
    assert vendored is not None and vendored.pins, lock_set
    body = "".join(f"{pin} \\\n    --hash=sha256:{hashlib.sha256(pin.encode()).hexdigest()}\n"
                   for pin in vendored.pins)
    path = root / lock_set.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(locks.header(lock_set, "The task virtualenv of")) + "\n" + body)
    read = locks.read(root, lock_set)
    assert read is not None
    return read.lines
