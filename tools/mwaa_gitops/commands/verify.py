"""``mwaa-gitops verify``: has MWAA parsed what the last sync wrote, and do our DAGs work there?

Exit codes: 0 verified; 1 invalid config or nothing synced yet; 2 usage; 4 import errors,
missing or colliding DAGs, or a failed smoke run; 5 MWAA had not parsed the files (or the smoke
run had not ended) when the wait ended; 6 MWAA unreachable; 7 permission denied; 8 the
environment is updating, failed or does not exist.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mwaa_gitops.report import OutputFormat
from mwaa_gitops.sync.prepare import prepare
from mwaa_gitops.sync.progress import for_stream
from mwaa_gitops.verify.check import Options, verify_prepared


def run(root: Path | None, env: str, fmt: OutputFormat, options: Options) -> int:
    """Verify ``env``'s last sync in its MWAA environment."""
    prepared = prepare(root, env)
    return verify_prepared(prepared, env, fmt, options, for_stream(sys.stderr))
