"""The repository's copies of the tool's schemas (what ``init`` wrote under ``schemas/``, for
editors and pre-commit) against the installed tool's: a copy that differs was written by another
mwaa-gitops, and an editor checks against a model ``validate`` no longer uses."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops import __version__
from mwaa_gitops.check.schemas import SCHEMA_DIR
from mwaa_gitops.diagnostics import Diagnostic, Location, display_path

FOLDER = "schemas"


def stale_copies(root: Path) -> list[Diagnostic]:
    """One warning when any ``schemas/*.json`` of the repository differs from the installed
    tool's file of that name, or one the tool has is missing (none: no copies at all, or the
    repository is the tool's own checkout)."""
    copies = root / FOLDER
    if not copies.is_dir() or copies.resolve() == SCHEMA_DIR.resolve():
        return []
    ours = {p.relative_to(SCHEMA_DIR).as_posix(): p for p in SCHEMA_DIR.rglob("*.json")}
    differing = sorted(name for name, path in ours.items()
                       if not (copies / name).is_file()
                       or (copies / name).read_bytes() != path.read_bytes())
    if not differing:
        return []
    first = display_path(copies / differing[0])
    more = f" and {len(differing) - 1} more" if len(differing) > 1 else ""
    return [Diagnostic(
        Location(first), f"the repository's copy of {differing[0]}{more} is not the installed "
        f"mwaa-gitops {__version__}'s: editors and hooks check against another model than "
        "validate does", f"run `mwaa-gitops init --force {display_path(root)}` to refresh the "
        "tool's copies (it keeps everything under environments/)", "stale-copies",
        severity="warning")]
