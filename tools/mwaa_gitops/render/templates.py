"""DAG templates (``dags/``) → the Python file for one Airflow version and one set of values.

A template is an ordinary, lint-clean Python module with two kinds of marked places:

* ``if AIRFLOW_3:`` / ``else:`` blocks (at any depth): rendering keeps the branch for the declared
  Airflow major and drops the other, together with the ``AIRFLOW_3 = ...`` switch itself;
* top-level ``NAME = <example>`` settings: rendering replaces each example value with the Python
  literal of the environment's value (``render.literals``), so data can never become code.

A setting whose every use is a keyword argument on a line of its own (``name=NAME,``) is
*optional*: given the value :data:`OMIT`, rendering drops its assignment and those lines, so the
call keeps the callee's default and a file rendered without the setting is the same as before the
setting existed.

Full-line comments that start with ``# template:`` are notes for template authors and are dropped.
A setting is a whole top-level statement of a template that parses; rendering replaces those lines
with ``NAME = <literal>``, and a literal is a complete expression by construction
(:mod:`render.literals`), so the rendered file keeps the template's structure and a value can
never become code. What that rests on is checked once per template and Airflow major, when the
template is cut at its settings: each setting is a plain ``NAME = ...`` assignment on lines of its
own.
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


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()  # a setting value: leave the optional setting out of the rendered file


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
    body = _fill_settings(template, airflow_major >= 3, settings)
    return ("".join(f"{line}\n" for line in header) + body).encode("utf-8")


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


@dataclass(frozen=True)
class _Cut:
    """A template's text for one major cut at its top-level settings: ``text[0]``, the
    statement of ``names[0]`` (``examples[0]`` in the template), ``text[1]``, and so on."""

    text: tuple[str, ...]
    names: tuple[str, ...]
    examples: tuple[str, ...]
    # Optional setting → the (segment, line) places of the keyword lines that pass it.
    optional: dict[str, frozenset[tuple[int, int]]]


@functools.cache
def _cut(template: Template, airflow_3: bool) -> _Cut:
    lines = _for_major(template, airflow_3)
    tree = ast.parse("\n".join(lines))
    text: list[str] = []
    names: list[str] = []
    examples: list[str] = []
    done = 0
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            continue
        first, end = stmt.lineno - 1, _end(stmt)
        if stmt.end_col_offset != len(lines[end - 1]):
            raise ValueError(f"{template.name}: setting {stmt.targets[0].id} shares its last "
                             "line with other code")
        text.append(_joined(lines[done:first]))
        names.append(stmt.targets[0].id)
        examples.append(_joined(lines[first:end]))
        done = end
    text.append(_joined(lines[done:]))
    return _Cut(tuple(text), tuple(names), tuple(examples), _optional(tree, lines, names))


def _optional(tree: ast.Module, lines: tuple[str, ...],
              names: list[str]) -> dict[str, frozenset[tuple[int, int]]]:
    """The settings used only as ``name=NAME,`` keyword lines, with the segment of the cut
    (the text after setting ``i`` is segment ``i + 1``) and line in it of each such line."""
    settings = [stmt for stmt in tree.body if isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)]
    # Segment i of the cut holds the lines [starts[i], stops[i]).
    starts = [0] + [_end(stmt) for stmt in settings]
    stops = [stmt.lineno - 1 for stmt in settings] + [len(lines)]
    assigned = {stmt.targets[0].id: stmt for stmt in settings
                if isinstance(stmt.targets[0], ast.Name)}
    keywords = {id(k.value): k for k in ast.walk(tree) if isinstance(k, ast.keyword)}
    found: dict[str, frozenset[tuple[int, int]]] = {}
    for name in names:
        places = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Name) or node.id != name:
                continue
            if node is assigned[name].targets[0]:
                continue
            keyword = keywords.get(id(node))
            line = node.lineno - 1
            if keyword is None or lines[line].strip() != f"{keyword.arg}={name},":
                break  # used in an expression: the setting cannot be left out
            segment = next((i for i, (start, stop) in enumerate(zip(starts, stops, strict=True))
                            if start <= line < stop), None)
            if segment is None:
                break  # inside another setting's statement
            places.add((segment, line - starts[segment]))
        else:
            if places:
                found[name] = frozenset(places)
    return found


def _joined(lines: tuple[str, ...]) -> str:
    return "".join(f"{line}\n" for line in lines)


def _fill_settings(template: Template, airflow_3: bool, settings: dict[str, Any]) -> str:
    """The template's text with the example value of each setting in ``settings`` replaced by
    the literal of its value (settings left out keep the template's example)."""
    cut = _cut(template, airflow_3)
    missing = sorted(set(settings) - set(cut.names))
    if missing:
        raise ValueError(f"template {template.name} has no setting {', '.join(missing)}")
    omitted = {name for name, value in settings.items() if value is OMIT}
    fixed = sorted(omitted - set(cut.optional))
    if fixed:
        raise ValueError(f"template {template.name} cannot leave out {', '.join(fixed)}: "
                         "each use must be a keyword argument on a line of its own")
    dropped = {place for name in omitted for place in cut.optional[name]}
    text = [_without(segment, index, dropped) if dropped else segment
            for index, segment in enumerate(cut.text)]
    out = [text[0]]
    for name, example, after in zip(cut.names, cut.examples, text[1:], strict=True):
        if name in omitted:
            pass
        elif name in settings:
            out.append(f"{name} = {python_literal(settings[name])}\n")
        else:
            out.append(example)
        out.append(after)
    return "".join(out)


def _without(segment: str, index: int, dropped: set[tuple[int, int]]) -> str:
    """``segment`` (segment ``index`` of a cut) without the lines in ``dropped``."""
    lines = segment.splitlines(keepends=True)
    return "".join(line for number, line in enumerate(lines) if (index, number) not in dropped)


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


def header(template: str, airflow_major: int) -> list[str]:
    """Comment lines on top of every rendered DAG file (constant text, no config values)."""
    lines = [f"# Rendered by mwaa-gitops from dags/{template} for Airflow {airflow_major}.",
             "# Do not edit: change environments/ and re-render."]
    if airflow_major < 3:
        # Those homes do not exist on the Airflow 2 this file is rendered for.
        lines += ["# Airflow 2 names on purpose: airflow.sdk and the standard provider are the",
                  "# Airflow 3 homes that ruff's AIR311/AIR312 suggest.",
                  "# ruff: noqa: AIR311, AIR312"]
    return lines
