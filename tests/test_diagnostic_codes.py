"""Every diagnostic code the package reports is in the one table, and docs/diagnostics.md lists
that table: users meet the codes in JSON output and as GitHub annotation titles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from mwaa_gitops.diagnostics import CODES, SCHEMA_KEYWORDS
from tests.conftest import ROOT

PACKAGE = ROOT / "tools" / "mwaa_gitops"
DOC = ROOT / "docs" / "diagnostics.md"
ROW = re.compile(r"^\| `([a-z0-9-]+)` \| (.+) \|$", re.MULTILINE)


def reported_codes() -> dict[str, set[str]]:
    """Code literals in the source: ``code="…"`` arguments and defaults, and a
    ``Diagnostic``'s fourth positional argument."""
    found: dict[str, set[str]] = {}

    def note(node: ast.expr | None, path: Path) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.setdefault(node.value, set()).add(path.relative_to(PACKAGE).as_posix())

    for path in PACKAGE.rglob("*.py"):
        if "data" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "code":
                        note(keyword.value, path)
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "Diagnostic" and len(node.args) >= 4:
                    note(node.args[3], path)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args
                positional = arguments.args[len(arguments.args) - len(arguments.defaults):]
                pairs = [*zip(positional, arguments.defaults, strict=True),
                         *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)]
                for arg, default in pairs:
                    if arg.arg == "code":
                        note(default, path)
            elif isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "code":
                note(node.value, path)
    return found


def documentation() -> str:
    """docs/diagnostics.md as it must read: the table, in the table's order."""
    rows = "\n".join(f"| `{code}` | {meaning} |" for code, meaning in CODES.items())
    keywords = ", ".join(f"`{k}`" for k in sorted(SCHEMA_KEYWORDS))
    return f"""# Diagnostic codes

Every problem mwaa-gitops reports carries a code: the `code` field of `--format json` and the
title of a GitHub annotation (`--format github`), so scripts and reviewers can tell problems
apart without parsing messages. The table lives in `tools/mwaa_gitops/diagnostics.py`
(`CODES`); this page is generated from it and a test keeps the two identical.

| code | what it means |
| --- | --- |
{rows}

A schema violation with no code of its own is named after the JSON Schema keyword that failed:
{keywords}.
"""


def test_every_reported_code_is_in_the_table() -> None:
    unknown = {code: sorted(paths) for code, paths in reported_codes().items()
               if code not in CODES and code not in SCHEMA_KEYWORDS}
    assert unknown == {}


def test_every_code_in_the_table_is_reported_somewhere() -> None:
    reported = reported_codes()
    # "schema" is the fallback of a failed keyword with no message of its own.
    assert sorted(set(CODES) - set(reported) - {"schema"}) == []


def test_the_docs_list_the_table() -> None:
    assert DOC.read_text() == documentation()
    assert [code for code, _ in ROW.findall(DOC.read_text())] == list(CODES)
