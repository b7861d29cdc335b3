"""DAG templates (``dags/``) → the Python file for one Airflow version and one set of values.

A template is an ordinary, lint-clean Python module with two kinds of marked places:

* ``if AIRFLOW_3:`` / ``else:`` blocks (at any depth): rendering keeps the branch for the declared
  Airflow major and drops the other, together with the ``AIRFLOW_3 = ...`` switch itself;
* top-level ``NAME = <example>`` settings: rendering replaces each example value with the Python
  literal of the environment's value (``render.literals``), so data can never become code.

Full-line comments that start with ``# template:`` are notes for template authors and are dropped.
Each filled-in statement is parsed on its own and must be exactly one assignment whose value reads
back unchanged; since it replaces a whole top-level statement of a template that parses, the
rendered file keeps the template's structure and a value can never become code.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

from mwaa_gitops.render.literals import python_literal

SWITCH = "AIRFLOW_3"
TEMPLATE_NOTE = "# template:"
INDENT = "    "


@dataclass(frozen=True)
class Template:
    """One template file from ``dags/``."""

    name: str
    source: str

    @staticmethod
    @functools.cache
    def load(name: str) -> Template:
        """The packaged template ``name`` (e.g. ``python_workflow.py``), read once."""
        path = resources.files("mwaa_gitops") / "data" / "dags" / name
        return Template(name, path.read_text(encoding="utf-8"))


def render_template(template: Template, airflow_major: int, settings: dict[str, Any],
                    header: list[str]) -> bytes:
    """The template for ``airflow_major`` with ``settings`` filled in, ``header`` on top."""
    lines = _fill_settings(template, airflow_major >= 3, settings)
    return ("\n".join([*header, *lines]) + "\n").encode("utf-8")


def settings_of(source: str | ast.Module) -> dict[str, Any]:
    """The top-level ``NAME = literal`` settings of a rendered file, read back as data."""
    found: dict[str, Any] = {}
    tree = ast.parse(source) if isinstance(source, str) else source
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue  # computed at parse time (e.g. a path beside the file), not a setting
    return found


@functools.cache
def _for_major(template: Template, airflow_3: bool) -> tuple[str, ...]:
    """The template's lines for one major, without notes (the same for every workflow)."""
    lines = [line for line in template.source.splitlines()
             if not line.lstrip().startswith(TEMPLATE_NOTE)]
    return tuple(_resolve_switches(lines, airflow_3))


def _resolve_switches(lines: list[str], airflow_3: bool) -> list[str]:
    """Drop the switch assignment and keep one branch of each ``if AIRFLOW_3:``, outermost first."""
    while True:
        tree = ast.parse("\n".join(lines))
        node = next((n for n in ast.walk(tree) if _is_switch_if(n)), None)
        if node is None:
            break
        assert isinstance(node, ast.If)
        first, last = node.lineno - 1, _end(node) - 1
        if airflow_3:
            kept = lines[first + 1:_end(node.body[-1])] if not node.orelse else \
                lines[first + 1:_else_line(lines, node)]
        else:
            kept = lines[_else_line(lines, node) + 1:last + 1] if node.orelse else []
        lines = lines[:first] + _dedent(kept) + lines[last + 1:]
    tree = ast.parse("\n".join(lines))
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and _names(stmt) == [SWITCH]:
            first, after = stmt.lineno - 1, _end(stmt)
            # Drop a blank line too, so that removing the switch leaves no double gap.
            if after < len(lines) and not lines[after].strip():
                after += 1
            lines = lines[:first] + lines[after:]
            break
    left = ast.walk(ast.parse("\n".join(lines)))
    if any(isinstance(n, ast.Name) and n.id == SWITCH for n in left):
        raise ValueError(f"{SWITCH} is used outside an `if {SWITCH}:` test")
    return lines


@functools.cache
def _setting_spans(template: Template, airflow_3: bool) -> dict[str, tuple[int, int]]:
    """Line span (start index, end index) of each top-level ``NAME = ...`` of a template."""
    tree = ast.parse("\n".join(_for_major(template, airflow_3)))
    return {stmt.targets[0].id: (stmt.lineno - 1, _end(stmt)) for stmt in tree.body
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)}


def _fill_settings(template: Template, airflow_3: bool, settings: dict[str, Any]) -> list[str]:
    """Replace the example value of each top-level setting with the literal of its value."""
    lines = list(_for_major(template, airflow_3))
    spans = _setting_spans(template, airflow_3)  # parsed once per template, not per workflow
    missing = sorted(set(settings) - set(spans))
    if missing:
        raise ValueError(f"template {template.name} has no setting {', '.join(missing)}")
    # Bottom-up, so that earlier line numbers stay valid while later lines change.
    for key in sorted(settings, key=lambda k: spans[k][0], reverse=True):
        start, end = spans[key]
        statement = f"{key} = {python_literal(settings[key])}"
        _verify(statement, key, settings[key], template.name)
        lines = lines[:start] + statement.split("\n") + lines[end:]
    return lines


def _verify(statement: str, key: str, value: Any, name: str) -> None:
    """``statement`` is one assignment of ``key`` that carries ``value`` back unchanged."""
    tree = ast.parse(statement)
    if len(tree.body) != 1 or settings_of(tree) != {key: value}:
        raise ValueError(f"rendering {name}: setting {key} did not survive")


def _is_switch_if(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == SWITCH


def _names(stmt: ast.Assign) -> list[str]:
    return [t.id for t in stmt.targets if isinstance(t, ast.Name)]


def _end(node: ast.stmt) -> int:
    assert node.end_lineno is not None
    return node.end_lineno


def _else_line(lines: list[str], node: ast.If) -> int:
    """Index of the ``else:`` line that belongs to ``node``."""
    indent = lines[node.lineno - 1][: node.col_offset]
    for index in range(_end(node.body[-1]), node.orelse[0].lineno - 1):
        if lines[index] == f"{indent}else:":
            return index
    raise ValueError(f"line {node.lineno}: `if {SWITCH}:` needs a plain `else:`, not `elif`")


def _dedent(block: list[str]) -> list[str]:
    out = []
    for line in block:
        if line.strip() and not line.startswith(INDENT):
            raise ValueError(f"unexpected indentation in a switch block: {line!r}")
        out.append(line[len(INDENT):] if line.strip() else "")
    return out
