"""Locations and diagnostics: the one error type every stage reports through."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Location:
    """A 1-based line and column in a file (column 1 is the first character)."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{printable(self.path)}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the configuration, written for the user."""

    location: Location
    message: str
    hint: str | None = None
    code: str = "invalid"
    severity: str = "error"
    subject: str | None = None  # the dotted path the message is about, e.g. `dag.retries`

    def text(self) -> str:
        """``file:line:col: subject: message (hint)``; usage errors name no line."""
        if self.code == "usage":
            where = f"error: {printable(self.location.path)}: " if self.location.path \
                else "error: "
        else:
            where = f"{self.location}: "
        # Uncoloured output (a pipe, CI) still tells a warning from an error.
        return where + ("warning: " if self.severity == "warning" else "") + self.summary()

    def summary(self) -> str:
        """The message with its subject and hint, without the location."""
        subject = f"{self.subject}: " if self.subject else ""
        hint = f" ({self.hint})" if self.hint else ""
        # Names from files and targets can hold terminal escapes: never print them raw.
        return printable(f"{subject}{self.message}{hint}")


@dataclass(slots=True)
class Diagnostics:
    """Problems accumulated across files; reported once at the end."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def extend(self, diagnostics: list[Diagnostic] | Diagnostics) -> None:
        more = diagnostics.items if isinstance(diagnostics, Diagnostics) else diagnostics
        self.items.extend(more)

    def __bool__(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        """Each problem once, ordered by position.

        The subject is left out of the identity: a value set once in a shared layer is one
        problem, even when it reaches several environments or workflows under other paths.
        """
        unique: dict[tuple[Location, str, str], Diagnostic] = {}
        for d in self.items:
            unique.setdefault((d.location, d.code, d.message), d)
        return sorted(unique.values(), key=lambda d: (d.location.path, d.location.line,
                                                      d.location.col, d.message))


class ConfigError(Exception):
    """Raised when input cannot be used; carries diagnostics for the reporter."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.text() for d in diagnostics))
        self.diagnostics = diagnostics

    @classmethod
    def at(cls, location: Location, message: str, hint: str | None = None,
           code: str = "invalid") -> ConfigError:
        return cls([Diagnostic(location, message, hint, code)])


def printable(text: str) -> str:
    """``text`` with control characters (ANSI escapes, carriage returns, newlines) escaped."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as users see it: relative to the repository (or cwd) when inside it."""
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def did_you_mean(word: str, choices: set[str] | list[str]) -> str | None:
    """A hint naming the closest known choice, for misspelt keys, values and names."""
    # Case-insensitive, so `ECS` finds `ecs` and `Loggerlevel` finds `loggerLevel`.
    by_lower = {choice.lower(): choice for choice in sorted(choices)}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1)
    if close:
        return f"did you mean '{by_lower[close[0]]}'?"
    return f"known: {', '.join(sorted(choices))}" if choices else None
