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


# Every diagnostic code, with what it means: users see them in JSON output and as the titles
# of GitHub annotations; docs/diagnostics.md lists this table, and a test keeps both in step
# with the codes the package reports.
CODES: dict[str, str] = {
    # load and merge
    "yaml": "the file is not valid YAML",
    "encoding": "the file is not UTF-8",
    "unreadable": "the file cannot be read",
    "too-large": "the file is larger than a config file can be",
    "too-deep": "the YAML nests deeper than a config file can",
    "duplicate-key": "a map sets the same key twice",
    "unsafe-tag": "a YAML tag other than the overlay directives",
    "directive": "an overlay directive (!append, !delete, !replace, !merge) misused",
    "cycle": "the layers' `extends` chain loops",
    "unknown-parent": "`extends` names a layer that does not exist",
    "layout": "environments/ holds something other than plain files and folders",
    "not-a-layer": "a folder of environments/ without its environment.yaml",
    "duplicate-workflow": "two files of one layer define the same workflow",
    "orphan-overlay": "a workflow overlay with nothing below it to overlay",
    # schemas
    "invalid": "a problem with no more specific code",
    "schema": "the value breaks its JSON Schema",
    "unknown-key": "a key the model does not have",
    "required": "a required key is missing",
    "type": "a value of the wrong type",
    "enum": "a value that is not one of those allowed",
    "unsupported-line": "an openmetadata-ingestion release of no supported line",
    # domain rules
    "plaintext-secret": "a secret written in clear where a reference belongs",
    "malformed-reference": "a secret reference that is not of a known form",
    "embedded-reference": "a secret reference inside a longer value, where none is resolved",
    "secret-provider": "a `secret:` reference without OpenMetadata's secrets manager",
    "version-mismatch": "the ingestion client's major.minor differs from the server's",
    "environment-name": "an environment name MWAA or the bucket cannot use",
    "workflow-name": "a workflow file name that cannot name a DAG file",
    "backend-airflow3": "a `Backend` connection on Airflow 3, whose tasks have no database",
    "discovery-airflow3": "the connection discovery DAG on Airflow 3",
    "mwaa-auth-version": "MWAA authentication on an ingestion release without it",
    "ecs-backend": "a `Backend` connection in an ECS task",
    "ecs-settings": "an ECS workflow in an environment without `ecs:` settings",
    "ecs-reference": "a reference an ECS task cannot resolve",
    "ecs-overrides": "an ECS workflow too large for container overrides",
    "ecs-dag-tasks": "an ECS workflow that reads no edges of DAGs with ids over 52 characters",
    "kind-mismatch": "a sourceConfig type that is not of the source's kind",
    "unknown-source-type": "a source type of no connector the ingestion release ships",
    "custom-connector-class": "a custom connector without its sourcePythonClass",
    "start-date": "a dag.startDate that is no day of the calendar",
    "case-collision": "workflow files or DAG ids equal but for letter case",
    "target-overlap": "a target that is another environment's, inside its DAG folder, or inside "
                      "the repository's .git/ or environments/",
    "key-collision": "an MWAA setting naming a rendered file's key, its folder or its case",
    "kind-approach": "a workflow kind the chosen approach cannot run",
    "kind-not-runnable": "a workflow kind the server runs, not MWAA",
    "processor-missing": "a workflow kind whose processor block is missing",
    "classification-models": "a classification workflow without its models' extra",
    "dbt-bucket": "a dbt config reading a bucket without naming it",
    "usage-steps": "a usage workflow without its processor, stage or bulkSink",
    "usage-staging": "a usage workflow whose staging folder is not usable",
    "usage-staging-shared": "two usage workflows staging in one folder",
    "ingestion-pipeline": "an ingestion pipeline name or FQN OpenMetadata would not accept",
    "static-run-id": "a pipelineRunId written in a config, where each run needs its own",
    # installing
    "dependency-conflict": "the requirements cannot be installed under MWAA's constraints",
    "requirements-unverified": "the requirements fit MWAA only as far as is known offline",
    "missing-lock": "the repository has no lock (locks/) for a requirement set it installs",
    "stale-lock": "a lock in locks/ written for other inputs than its requirement set's",
    "unused-lock": "a lock in locks/ that no environment uses",
    "missing-wheels": "a private-network environment's wheel bundle lacks wheels of its locks",
    "custom-constraints": "the python approach's custom constraints move MWAA's packages",
    "private-network-constraints": "the python approach on a private network without custom "
                                   "constraints (Airflow's constraints are a URL)",
    "unsupported-ingestion": "an ingestion release whose requirements are not known",
    "index-unavailable": "a release not vendored, and the package index could not be read",
    "no-such-release": "a release not vendored, which the package index does not have",
    "driver-unknown": "a connector whose database driver extra is not known",
    # render
    "discovery-name": "a workflow named like the discovery DAG",
    "render-path": "a rendered path that cannot be written under --out",
    "render-write": "writing a rendered file failed",
    "render-marker": "the --out folder's render marker cannot be read",
    # sync and plan
    "sync": "the target refused or failed a sync step",
    "drift": "an object in the target changed since the last sync",
    "registration": "OpenMetadata refused to register an ingestion pipeline",
    "mwaa-environment": "MWAA has no environment of mwaa.environmentName in mwaa.region",
    "mwaa-version": "mwaa.airflowVersion is not the Airflow version the MWAA environment runs",
    "mwaa-dag-folder": "the target's DAG folder is not where the MWAA environment reads DAGs",
    "mwaa-setting": "a requirements, plugins or startup script path that the MWAA environment "
                    "does not use, for a setting the repository does not own (mwaa.owns)",
    # verify
    "no-mwaa": "verify asked of a target with no MWAA environment behind it",
    "mwaa-unreachable": "MWAA or its Airflow API did not answer",
    "mwaa-denied": "the caller may not call InvokeRestApi or GetEnvironment",
    "mwaa-unavailable": "the MWAA environment is updating, failed or does not exist",
    "airflow-refused": "Airflow's REST API refused a call",
    "path-too-long": "an Airflow API path over InvokeRestApi's 64 characters",
    "import-error": "MWAA failed to import one of our DAG files",
    "not-parsed": "MWAA had not parsed one of our DAG files when the wait ended",
    "dag-id-collision": "another file in MWAA defines one of our dag ids",
    "pause-differs": "a DAG's pause state in MWAA differs from its dag.paused",
    "paused": "a scheduled DAG that is paused in MWAA",
    "smoke": "the smoke run did not succeed",
    # the command line
    "usage": "a wrong command line (unknown environment, option or file)",
    "git": "a git command the tool needs failed",
    "exists": "`init` would overwrite a file",
    "no-requirement": "`init` cannot name the tool's own requirement",
    "stale-copies": "the repository's schemas are not the installed tool's (`init --force`)",
}
# Codes named after the JSON Schema keyword that failed (a value's `pattern`, `minimum`, …).
SCHEMA_KEYWORDS = frozenset({
    "const", "format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "minProperties",
    "maxProperties", "additionalProperties", "propertyNames", "dependentRequired", "oneOf",
    "anyOf", "allOf", "not", "if", "contains", "unevaluatedProperties",
})
