"""Reporters: one diagnostics list, three renderings (human text, JSON, GitHub annotations)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TextIO

from mwaa_gitops.diagnostics import Diagnostic, printable


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


def report(diagnostics: Sequence[Diagnostic], fmt: OutputFormat, summary: str | None = None,
           stream: TextIO | None = None) -> None:
    """Write ``diagnostics`` to ``stream`` (stderr for text, stdout for machine formats)."""
    if fmt is OutputFormat.json:
        out = stream or sys.stdout
        json.dump({"ok": not any(d.severity == "error" for d in diagnostics),
                   "diagnostics": [as_dict(d) for d in diagnostics]}, out, indent=2)
        out.write("\n")
        return
    quiet = not diagnostics and fmt is OutputFormat.text
    out = stream or (sys.stdout if fmt is OutputFormat.github or quiet else sys.stderr)
    colour = fmt is OutputFormat.text and use_colour(out)
    for d in diagnostics:
        text = github_line(d) if fmt is OutputFormat.github else d.text()
        out.write((_painted(d, text) if colour else text) + "\n")
    if summary and fmt is OutputFormat.text:
        tone = RED if any(d.severity == "error" for d in diagnostics) else GREEN
        out.write((f"{tone}{summary}{RESET}" if colour else summary) + "\n")


BOLD, RED, YELLOW, GREEN, RESET = "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[0m"


def use_colour(stream: TextIO) -> bool:
    """Colour for a terminal only: never when piped, with NO_COLOR set, or on a dumb terminal."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _painted(d: Diagnostic, text: str) -> str:
    """``text`` (``d.text()``) with its location in bold and its severity coloured."""
    tone = YELLOW if d.severity == "warning" else RED
    if d.code == "usage":
        return f"{BOLD}{tone}error:{RESET}{text.removeprefix('error:')}"
    where = f"{d.location}:"
    return f"{BOLD}{where}{RESET}{tone}{text.removeprefix(where)}{RESET}"


def as_dict(d: Diagnostic) -> dict[str, object]:
    return {"path": d.location.path or None, "line": d.location.line, "col": d.location.col,
            "severity": d.severity, "code": d.code, "subject": d.subject,
            "message": d.message, "hint": d.hint}


def github_line(d: Diagnostic) -> str:
    """A workflow command that GitHub turns into an inline annotation on the file's line."""
    level = "error" if d.severity == "error" else "warning"
    # A usage error is about the command line, not a line of a file: no annotation position.
    where = (f"file={_prop(printable(d.location.path))},line={d.location.line},"
             f"col={d.location.col},"
             if d.location.path and d.code != "usage" else "")
    props = f"{where}title={_prop('mwaa-gitops ' + d.code)}"
    message = d.summary()
    return f"::{level} {props}::{_data(message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def publish_markdown(markdown: str) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` when running in Actions, else print."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    else:
        print(markdown)
