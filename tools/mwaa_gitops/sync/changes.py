"""What a change does to one file, as a reviewer reads it: before → after content.

Configs, requirements and other text files become a unified diff. Rendered DAG code is
summarised by the settings it was rendered with (the ``NAME = literal`` block every template
opens with): which changed, from what to what; a change of the template's code itself is one
line, not 200 lines of Python. Pure functions over bytes: ``plan`` hands in what the target
holds, ``diff`` what the base revision rendered.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from mwaa_gitops.sync.plan import Action, Desired, Plan
from mwaa_gitops.sync.targets import Target

# A diff longer than this is cut, with a line that says how much was left out.
MAX_LINES = 200
# The first line of every rendered DAG file (render/templates.py writes it).
RENDERED_HEADER = b"# Rendered by mwaa-gitops"
_MISSING = object()
# Archives (plugins.zip) are not read back just to say that they differ.
BINARY_SUFFIXES = (".zip",)


@dataclass(frozen=True)
class FileChange:
    """One file's change: ``kind`` is ``diff`` (unified diff lines) or ``settings``."""

    key: str
    kind: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The lines, newline-terminated."""
        return "".join(line + "\n" for line in self.lines)


def describe(key: str, before: bytes | None, after: bytes | None, *,
             code: bool = False) -> FileChange:
    """The change of ``key`` from ``before`` to ``after`` (None: absent on that side).

    Rendered DAG code is summarised by its settings unless ``code`` asks for the full diff.
    """
    if not code and is_rendered_dag(key, before, after):
        return FileChange(key, "settings", tuple(settings_change(before, after)))
    return FileChange(key, "diff", tuple(unified(key, before, after)))


def is_rendered_dag(key: str, *sides: bytes | None) -> bool:
    """Whether ``key`` is Python that mwaa-gitops rendered (on every side that exists)."""
    present = [s for s in sides if s is not None]
    return (PurePosixPath(key).suffix == ".py" and bool(present)
            and all(s.startswith(RENDERED_HEADER) for s in present))


def unified(key: str, before: bytes | None, after: bytes | None,
            max_lines: int = MAX_LINES) -> list[str]:
    """A unified diff of ``key`` (no line endings), cut after ``max_lines`` lines."""
    old_name = f"a/{key}" if before is not None else "/dev/null"
    new_name = f"b/{key}" if after is not None else "/dev/null"
    try:
        old = (before or b"").decode("utf-8").splitlines()
        new = (after or b"").decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return [f"--- {old_name}", f"+++ {new_name}", "Binary files differ"]
    lines = list(difflib.unified_diff(old, new, old_name, new_name, lineterm=""))
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"… {len(lines) - max_lines} more diff lines"]
    return lines


def settings_of(data: bytes) -> tuple[str, dict[str, Any]] | None:
    """The template line and the module-level ``NAME = literal`` settings of rendered DAG
    code; None when it is not Python. Parsed, never run (the bucket's copy is untrusted)."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return None
    settings = {name: value for name, value, _ in _settings(tree)}
    header = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    return header, settings


def settings_change(before: bytes | None, after: bytes | None) -> list[str]:
    """Lines naming each setting that differs (``~ SCHEDULE: '@daily' → '@hourly'``), the
    settings of a new DAG (``+``), or that the DAG goes away."""
    if after is None:
        return ["- DAG file deleted"]
    new = settings_of(after)
    old = settings_of(before) if before is not None else None
    if new is None or (before is not None and old is None):
        return ["~ not Python on one side: the whole file is replaced"]
    header, settings = new
    if before is None or old is None:
        return [f"+ {header.lstrip('# ')}", *(f"+ {name} = {_shown(value)}"
                                             for name, value in settings.items())]
    lines: list[str] = []
    if old[0] != header:
        lines.append(f"~ {old[0].lstrip('# ')} → {header.lstrip('# ')}")
    for name in [*settings, *(n for n in old[1] if n not in settings)]:
        was, now = old[1].get(name, _MISSING), settings.get(name, _MISSING)
        if was == now:
            continue
        if isinstance(was, list) and isinstance(now, list):
            lines.extend(_list_change(name, was, now))
        elif was is _MISSING:
            lines.append(f"+ {name} = {_shown(now)}")
        elif now is _MISSING:
            lines.append(f"- {name} = {_shown(was)}")
        else:
            lines.append(f"~ {name}: {_shown(was)} → {_shown(now)}")
    if _code_without_settings(before) != _code_without_settings(after):
        lines.append("~ the template's code changed (a new mwaa-gitops release; `diff --code` "
                     "shows it)")
    return lines or ["~ formatting only"]


def _list_change(name: str, was: list[Any], now: list[Any]) -> list[str]:
    gone = [v for v in was if v not in now]
    new = [v for v in now if v not in was]
    if not gone and not new:
        return [f"~ {name}: reordered"]
    return [f"~ {name}:", *(f"    - {_shown(v)}" for v in gone),
            *(f"    + {_shown(v)}" for v in new)]


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _code_without_settings(data: bytes | None) -> list[str]:
    """The file's lines outside its settings block and its header line."""
    if data is None:
        return []
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return data.decode("utf-8", "replace").splitlines()
    lines = data.decode("utf-8", "replace").splitlines()
    skip: set[int] = {0}
    for _, _, node in _settings(tree):
        skip.update(range(node.lineno - 1, node.end_lineno or node.lineno))
    return [line for i, line in enumerate(lines) if i not in skip]


def _settings(tree: ast.Module) -> list[tuple[str, Any, ast.Assign]]:
    """Module-level ``NAME = literal`` assignments: the settings a template was filled with
    (``NAME = Path(...)`` is code, not a setting)."""
    found = []
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()):
            try:
                found.append((node.targets[0].id, ast.literal_eval(node.value), node))
            except (ValueError, TypeError, SyntaxError, RecursionError):
                continue
    return found


def plan_changes(plan: Plan, desired: Mapping[str, Desired], target: Target, *,
                 code: bool = False) -> dict[str, FileChange]:
    """The content change of each file a sync would write or delete, what the target holds
    now against what it would hold (a drifted file shows the outside edit it undoes)."""
    changes: dict[str, FileChange] = {}
    for item in plan.items:
        if item.action is Action.unchanged:
            continue  # the same bytes, drifted or not
        want = desired.get(item.key)
        after = want.data if want is not None else None
        if PurePosixPath(item.key).suffix in BINARY_SUFFIXES:
            changes[item.key] = FileChange(item.key, "diff", ("Binary files differ",))
            continue
        found = target.read(item.key) if item.action is not Action.add else None
        changes[item.key] = describe(item.key, found[0] if found else None, after, code=code)
    return changes
