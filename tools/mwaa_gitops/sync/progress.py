"""Progress while a sync runs: a redrawn bar on a terminal, one plain line per object in CI."""

from __future__ import annotations

import os
import sys
import time
from typing import Protocol, TextIO


class Progress(Protocol):
    """Receives what apply is doing; every call comes from one thread."""

    def start(self, label: str, total: int, total_bytes: int) -> None:
        """A step begins (e.g. 'upload DAGs') with ``total`` objects."""
        ...

    def advance(self, key: str, size: int) -> None:
        """One object of the current step is done."""
        ...

    def finish(self) -> None:
        """The current step is over."""
        ...

    def note(self, message: str) -> None:
        """A line worth keeping in the log."""
        ...


def human_bytes(size: int) -> str:
    """``1.2 kB`` style sizes (powers of 1000, like the S3 console)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


class LineProgress:
    """Plain lines, for CI logs and anything that is not a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.label = ""

    def start(self, label: str, total: int, total_bytes: int) -> None:
        self.label = label.split(maxsplit=1)[0]
        self.stream.write(f"{label}: {total} object{'s' if total != 1 else ''}"
                          f"{f' ({human_bytes(total_bytes)})' if total_bytes else ''}\n")

    def advance(self, key: str, size: int) -> None:
        suffix = f" ({human_bytes(size)})" if size else ""
        self.stream.write(f"  {self.label} {key}{suffix}\n")

    def finish(self) -> None:
        self.stream.flush()

    def note(self, message: str) -> None:
        self.stream.write(message + "\n")
        self.stream.flush()


class BarProgress:
    """One line redrawn in place (at most ten times a second)."""

    WIDTH = 28

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.label = ""
        self.total = self.done = self.total_bytes = self.done_bytes = 0
        self.started = self.drawn = 0.0

    def start(self, label: str, total: int, total_bytes: int) -> None:
        self.label, self.total, self.total_bytes = label, total, total_bytes
        self.done = self.done_bytes = 0
        self.started = time.monotonic()
        self._draw(force=True)

    def advance(self, key: str, size: int) -> None:
        self.done += 1
        self.done_bytes += size
        self._draw(force=self.done == self.total)

    def finish(self) -> None:
        self._draw(force=True)
        self.stream.write("\n")
        self.stream.flush()

    def note(self, message: str) -> None:
        self.stream.write("\r\033[K" + message + "\n")
        self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.drawn < 0.1:
            return
        self.drawn = now
        filled = self.WIDTH * self.done // self.total if self.total else self.WIDTH
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r\033[K{self.label} [{bar}] {self.done}/{self.total} "
                          f"{human_bytes(self.done_bytes)} {now - self.started:.1f}s")
        self.stream.flush()


class SilentProgress:
    """Nothing at all (library use, tests)."""

    def start(self, label: str, total: int, total_bytes: int) -> None:
        """Ignored."""

    def advance(self, key: str, size: int) -> None:
        """Ignored."""

    def finish(self) -> None:
        """Ignored."""

    def note(self, message: str) -> None:
        """Ignored."""


def for_stream(stream: TextIO | None = None) -> Progress:
    """A bar on an interactive terminal, plain lines in CI, pipes and files."""
    stream = stream or sys.stderr
    interactive = (stream.isatty() and not os.environ.get("CI")
                   and os.environ.get("TERM", "") != "dumb")
    return BarProgress(stream) if interactive else LineProgress(stream)
