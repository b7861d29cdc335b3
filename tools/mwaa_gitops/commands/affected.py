"""``mwaa-gitops affected``: the deployable environments that a change reaches.

CI uses it after a merge to sync only what changed; the JSON rows are the same as
``envs --format json``, so the output feeds a job matrix directly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mwaa_gitops import git
from mwaa_gitops.config import affected
from mwaa_gitops.config.environments import describe
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.render import pipeline
from mwaa_gitops.report import OutputFormat


def run(root: Path | None, base: str | None, head: str | None, files: list[Path],
        fmt: OutputFormat) -> int:
    """Print the environments that ``files`` and the commits ``base..head`` affect."""
    repo = pipeline.open_repository(root)
    paths = affected.relative_paths(repo, files)
    touched = affected.classify(repo, paths)
    if base is not None:
        if git.commit(repo.root, base) is None:
            # A force-push leaves `before` out of the history: syncing all is always safe.
            sys.stderr.write(f"warning: revision '{base}' is not in this clone; every "
                             "environment counts as affected\n")
            touched.everything = True
        else:
            top = git.toplevel(repo.root)
            changed = [top / p for p in git.changed_paths(repo.root, base, head)]
            more = affected.classify(repo, affected.relative_paths(repo, changed))
            touched.layers |= more.layers
            touched.everything |= more.everything
    deployable = set(pipeline.deployable(repo))
    names = [n for n in affected.environments(repo, touched) if n in deployable]
    if fmt is OutputFormat.json:
        print(json.dumps([describe(repo, name) for name in names], indent=2))
    else:
        for name in names:
            print(name)
    return ExitCode.OK
