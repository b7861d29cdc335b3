"""``mwaa-gitops diff``: what a change does to an environment's rendered files.

Both sides are rendered by the installed tool from the ``environments/`` and ``locks/`` folders
as they are at each revision, so the diff shows exactly what the configuration change does; a
change of the tool itself shows up in ``plan``, which compares with the bucket.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mwaa_gitops import git
from mwaa_gitops.config.locks import LOCKS
from mwaa_gitops.config.repository import ENVIRONMENTS, Repository
from mwaa_gitops.diagnostics import ConfigError, Diagnostic
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.render import pipeline
from mwaa_gitops.report import OutputFormat
from mwaa_gitops.sync.changes import is_rendered_dag, settings_change

# A job summary holds at most 1 MiB per step; keep each environment's diff well below that.
MAX_SUMMARY_CHARS = 200_000


@dataclass
class TreeDiff:
    """Two renderings of one environment, compared file by file."""

    environment: str
    base: str
    head: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    patch: str = ""
    base_problems: list[Diagnostic] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if not (self.added or self.changed or self.removed):
            return f"{self.environment}: no change to the rendered files ({self.unchanged} files)"
        return (f"{self.environment}: {len(self.changed)} changed, {len(self.added)} added, "
                f"{len(self.removed)} removed, {self.unchanged} unchanged")


def run(root: Path | None, env: str, base: str, head: str | None, fmt: OutputFormat,
        exit_code: bool = False, *, code: bool = False) -> int:
    """Render ``env`` at ``base`` and at ``head`` (default: the work tree) and compare; with
    ``exit_code``, exit 1 when the rendered files differ (as ``git diff --exit-code``).
    Rendered DAG code shows as the settings that changed, unless ``code``."""
    repo = pipeline.open_repository(root)
    result = compare(repo, env, base, head, code=code)
    if fmt is OutputFormat.json:
        print(json.dumps({
            "environment": result.environment, "base": result.base, "head": result.head,
            "added": result.added, "changed": result.changed, "removed": result.removed,
            "unchanged": result.unchanged, "patch": result.patch,
            "baseProblems": [d.text() for d in result.base_problems],
        }, indent=2))
    elif fmt is OutputFormat.github:
        from mwaa_gitops.report import publish_markdown

        publish_markdown(markdown(result))
    else:
        for problem in result.base_problems:
            sys.stderr.write(f"note: at {result.base}: {problem.text()}\n")
        sys.stdout.write(result.patch)
        print(result.summary)
    differs = bool(result.added or result.changed or result.removed)
    return ExitCode.DIFFERS if exit_code and differs else ExitCode.OK


def compare(repo: Repository, env: str, base: str, head: str | None = None, *,
            code: bool = False) -> TreeDiff:
    """The rendered files of ``env`` at ``base`` against ``head`` (None: the work tree);
    rendered DAG code is summarised by its settings unless ``code``."""
    base_id = git.require_commit(repo.root, base)
    head_id = git.require_commit(repo.root, head) if head is not None else None
    with tempfile.TemporaryDirectory(prefix="mwaa-gitops-diff-") as tmp:
        new_repo = repo if head_id is None else _checkout(repo, head_id, Path(tmp) / "head")
        new = render_tree(new_repo, env)  # a head that does not render is the error to report
        result = TreeDiff(env, base_id[:12], head_id[:12] if head_id else "work tree")
        old_repo = _checkout(repo, base_id, Path(tmp) / "base")
        try:  # the base may hold what the work tree refuses too (links, stray files)
            old = render_tree(old_repo, env) if env in old_repo.layer_names() else {}
        except ConfigError as exc:
            old, result.base_problems = {}, exc.diagnostics
    _fill(result, old, new, code)
    return result


def render_tree(repo: Repository, env: str) -> dict[str, bytes]:
    """Check and render one environment: bucket key → bytes."""
    (checked,) = pipeline.rendered(repo, [env])
    return checked.files


def _checkout(repo: Repository, rev: str, dest: Path) -> Repository:
    top = git.toplevel(repo.root)
    folder = PurePosixPath(repo.environments_dir.resolve().relative_to(top).as_posix())
    (dest / ENVIRONMENTS).mkdir(parents=True)
    git.export(repo.root, rev, folder, dest / ENVIRONMENTS)
    # The repository's locks at that revision: what its task virtualenvs install then.
    git.export(repo.root, rev, folder.parent / LOCKS, dest / LOCKS)
    return Repository(dest.resolve())


def _fill(result: TreeDiff, old: dict[str, bytes], new: dict[str, bytes],
          code: bool = False) -> None:
    chunks: list[str] = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            result.unchanged += 1
            continue
        if before is None:
            result.added.append(key)
        elif after is None:
            result.removed.append(key)
        else:
            result.changed.append(key)
        if not code and is_rendered_dag(key, before, after):
            chunks.append(_settings_section(key, before, after))
        else:
            chunks.append(_file_patch(key, before, after))
    result.patch = "".join(chunks)


def _settings_section(key: str, before: bytes | None, after: bytes | None) -> str:
    """A rendered DAG file by the settings that changed, in place of its Python diff."""
    mark = "+" if before is None else "-" if after is None else "~"
    lines = "".join(f"    {line}\n" for line in settings_change(before, after))
    return f"{mark} {key} (rendered DAG code, by its settings; --code shows the Python)\n{lines}"


def _file_patch(key: str, before: bytes | None, after: bytes | None) -> str:
    old_name = f"a/{key}" if before is not None else "/dev/null"
    new_name = f"b/{key}" if after is not None else "/dev/null"
    try:
        old_lines = (before or b"").decode("utf-8").splitlines(keepends=True)
        new_lines = (after or b"").decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"--- {old_name}\n+++ {new_name}\nBinary files differ\n"
    lines = []
    for line in difflib.unified_diff(old_lines, new_lines, old_name, new_name):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def markdown(result: TreeDiff) -> str:
    """The diff as a job-summary section: a headline, the files, and the patch."""
    out = [f"### Rendered diff: `{result.environment}`\n\n",
           f"`{result.base}` → `{result.head}`: {result.summary.split(': ', 1)[1]}\n\n"]
    if result.base_problems:
        out.append(f"> The base does not render ({len(result.base_problems)} problem(s)); "
                   "every file is shown as added.\n\n")
    for label, keys in (("changed", result.changed), ("added", result.added),
                        ("removed", result.removed)):
        out.extend(f"- {label}: `{key}`\n" for key in keys)
    if result.patch:
        patch = result.patch
        if len(patch) > MAX_SUMMARY_CHARS:
            patch = patch[:MAX_SUMMARY_CHARS] + "\n… (cut; run `mwaa-gitops diff` locally)\n"
        fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", patch)), default=0))
        out.append(f"\n<details open><summary>patch</summary>\n\n{fence}diff\n{patch}{fence}\n\n"
                   "</details>\n")
    out.append("\n")
    return "".join(out)
