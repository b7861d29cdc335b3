"""Which environments a set of changed files affects.

A file under ``environments/<layer>/`` affects every environment whose chain includes that
layer (so a change to ``base`` affects all of them). Any other file may change what is rendered
(the tool, its DAG templates, schemas, dependency pins) and so affects every environment, unless
it is one that cannot: documentation, tests, CI and editor settings.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from mwaa_gitops.config.environments import chain_of
from mwaa_gitops.config.repository import ENVIRONMENT_FILE, ENVIRONMENTS, Repository
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location

# Files that never change what is rendered or synced (relative to the repository root).
INERT = (
    "*.md", "*.rst", "*.txt.example", "LICENSE*", "NOTICE*", ".gitignore", ".gitattributes",
    ".editorconfig", ".yamllint.yaml", ".yamllint", ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml", ".github/*", ".ci/*", "docs/*", "tests/*", "bench/*", "Makefile",
)


@dataclass
class Affected:
    """The layers touched, the environments they reach, and files that fit no layer."""

    layers: set[str] = field(default_factory=set)
    everything: bool = False
    strays: list[PurePosixPath] = field(default_factory=list)


def relative_paths(repo: Repository, files: Iterable[Path]) -> list[PurePosixPath]:
    """``files`` (absolute, or relative to the working directory) relative to the repository
    root; files outside the repository are dropped."""
    out = []
    root = Path(os.path.realpath(repo.root))
    for file in files:
        absolute = Path(os.path.realpath(Path.cwd() / file))
        try:
            out.append(PurePosixPath(absolute.relative_to(root).as_posix()))
        except ValueError:
            continue
    return out


def classify(repo: Repository, paths: Iterable[PurePosixPath]) -> Affected:
    """Sort repository-relative ``paths`` into touched layers and the rest."""
    layers = set(repo.layer_names())
    result = Affected()
    for path in paths:
        parts = path.parts
        if len(parts) >= 2 and parts[0] == ENVIRONMENTS:
            if len(parts) == 2:
                continue  # a file beside the layers (a README): not read by the tool
            if parts[1] in layers:
                result.layers.add(parts[1])
            elif (repo.root / ENVIRONMENTS / parts[1]).is_dir():
                result.strays.append(path)
            # else: a layer deleted altogether; there is nothing left to validate or sync
        elif not any(fnmatch(path.as_posix(), pattern) for pattern in INERT):
            result.everything = True
    return result


def environments(repo: Repository, affected: Affected) -> list[str]:
    """Every layer (abstract ones included) whose chain includes a touched layer.

    A layer whose chain cannot be worked out (a broken ``extends``, unreadable YAML) is
    included whenever anything is touched, so that validating it reports why.
    """
    names = repo.layer_names()
    if affected.everything:
        return names
    if not affected.layers:
        return []
    out = []
    for name in names:
        try:
            chain = chain_of(repo, name)
        except ConfigError:
            out.append(name)
            continue
        if affected.layers.intersection(chain):
            out.append(name)
    return out


def stray_diagnostics(repo: Repository, affected: Affected) -> list[Diagnostic]:
    """Files in a folder under ``environments/`` that is not a layer: the tool never reads
    them, which is almost always a mistake (a missing ``environment.yaml``)."""
    return [
        Diagnostic(Location(repo.display(repo.root / path)),
                   f"'{path.parts[1]}' is not an environment: {ENVIRONMENTS}/{path.parts[1]}/"
                   f"{ENVIRONMENT_FILE} is missing, so this file is never read",
                   f"add {ENVIRONMENT_FILE} (e.g. 'extends: base'), or move the file into a "
                   "layer", code="not-a-layer")
        for path in affected.strays
    ]
