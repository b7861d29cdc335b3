"""Where things live in a config repository, and reading its files once."""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from mwaa_gitops.config.load import load_file
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location, did_you_mean, display_path

ENVIRONMENTS = "environments"
ENVIRONMENT_FILE = "environment.yaml"
WORKFLOWS = "workflows"
WORKFLOW_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Folded:
    """A layer's chain folded: settings and each workflow's files merged, directives kept (so
    a child layer merges onto it as onto the chain), with the layers each workflow is in."""

    settings: Node
    workflows: dict[str, Node]
    workflow_layers: dict[str, tuple[str, ...]]
    starts: dict[str, Location]  # where each workflow's first file starts


@dataclass
class Repository:
    """A checkout holding ``environments/``; every YAML file is parsed at most once."""

    root: Path
    _cache: dict[Path, Node] = field(default_factory=dict, repr=False)
    _layers: list[str] | None = field(default=None, repr=False)
    # Per layer, what every environment extending it reuses (config.environments): its chain,
    # and its layers' settings and workflow files folded (merged, directives kept). Each layer
    # is then merged once, however long the chains: linear in the depth of `extends`.
    chains: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    folds: dict[str, Folded] = field(default_factory=dict, repr=False)

    @classmethod
    def find(cls, start: Path | None = None) -> Repository:
        """The repository containing ``start`` (default: the working directory)."""
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / ENVIRONMENTS).is_dir():
                return cls(candidate)
        raise ConfigError.at(Location(display_path(here)),
                             f"no '{ENVIRONMENTS}/' folder here or in any parent folder",
                             "run inside a config repository, or pass --repo", code="usage")

    @property
    def environments_dir(self) -> Path:
        return self.root / ENVIRONMENTS

    def layer_names(self) -> list[str]:
        """Every folder under ``environments/`` (each must have an ``environment.yaml``).

        The first call checks the whole folder: anything the tool would not read (a misspelt
        folder or file, a link, a FIFO) is an error, never silently skipped, because a skipped
        workflow file would have its DAG deleted by the next sync.
        """
        if self._layers is None:
            problems: list[Diagnostic] = []
            layers = [entry.name for entry in self._entries(self.environments_dir, problems)
                      if self._is_layer(entry, problems)]
            if problems:
                raise ConfigError(problems)
            self._layers = sorted(layers)
        return self._layers

    def environment_file(self, layer: str) -> Path:
        return self.environments_dir / layer / ENVIRONMENT_FILE

    def workflow_files(self, layer: str) -> dict[str, Path]:
        """Workflow name (file stem) → file, for one layer."""
        self.layer_names()  # checks what the folders hold
        folder = self.environments_dir / layer / WORKFLOWS
        if not folder.is_dir():
            return {}
        files = sorted(p for p in folder.iterdir() if p.suffix in WORKFLOW_SUFFIXES)
        names: dict[str, Path] = {}
        for path in files:
            if path.stem in names:
                raise ConfigError.at(Location(self.display(path)),
                                     f"workflow '{path.stem}' is defined twice in this layer "
                                     f"(also {self.display(names[path.stem])})",
                                     "keep one of the two files", code="duplicate-workflow")
            names[path.stem] = path
        return names

    def _entries(self, folder: Path, problems: list[Diagnostic]) -> list[Path]:
        """The entries of ``folder`` that are plain files or folders; links, FIFOs, devices and
        sockets are reported (a link could lead out of the repository)."""
        plain = []
        for entry in sorted(folder.iterdir()):
            mode = entry.lstat().st_mode
            if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
                plain.append(entry)
                continue
            what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            problems.append(Diagnostic(Location(self.display(entry)), f"{what}; "
                                       f"'{ENVIRONMENTS}/' holds only plain files and folders",
                                       "replace it by the file or folder itself",
                                       "layout"))
        return plain

    def _is_layer(self, folder: Path, problems: list[Diagnostic]) -> bool:
        """Whether ``folder`` (directly under ``environments/``) is a layer; reports what in
        it the tool would not read."""
        here = Location(self.display(folder))
        if not folder.is_dir():
            if folder.suffix in WORKFLOW_SUFFIXES:
                problems.append(Diagnostic(here, f"a YAML file directly in '{ENVIRONMENTS}/' is "
                                           "never read", "settings go in <environment>/"
                                           f"{ENVIRONMENT_FILE}, workflows in <environment>/"
                                           f"{WORKFLOWS}/", "layout"))
            return False  # other files beside the layers are notes for people (a README)
        entries = self._entries(folder, problems)
        names = {entry.name for entry in entries}
        if ENVIRONMENT_FILE not in names:
            # Each file that would go unread, one level down too (workflows/*.yaml).
            files = [path for entry in entries
                     for path in (sorted(entry.iterdir()) if entry.is_dir() else [entry])]
            problems.extend(
                Diagnostic(Location(self.display(path)), f"'{folder.name}' is not an "
                           f"environment: {ENVIRONMENTS}/{folder.name}/{ENVIRONMENT_FILE} is "
                           "missing, so this file is never read",
                           _hint(names, ENVIRONMENT_FILE) or f"add {ENVIRONMENT_FILE} (e.g. "
                           "'extends: base'), or move the file into a layer", "not-a-layer")
                for path in files or [folder])
            return False
        for entry in entries:
            if (entry.name == ENVIRONMENT_FILE and entry.is_file()) or entry.suffix == ".md":
                continue
            if entry.name == WORKFLOWS and entry.is_dir():
                self._check_workflows(entry, problems)
                continue
            problems.append(self._stray(entry))
        return True

    def _check_workflows(self, folder: Path, problems: list[Diagnostic]) -> None:
        for entry in self._entries(folder, problems):
            if entry.is_file() and entry.suffix in WORKFLOW_SUFFIXES:
                continue
            problems.append(Diagnostic(
                Location(self.display(entry)), f"not a workflow file: '{WORKFLOWS}/' holds "
                f"only *.yaml files, one workflow each",
                "move it out of the folder" if entry.is_dir()
                else f"name it {entry.stem}.yaml, or move it elsewhere", "layout"))

    def _stray(self, entry: Path) -> Diagnostic:
        """The error for something in a layer folder that is neither its environment.yaml nor
        its workflows/ folder."""
        here = Location(self.display(entry))
        if entry.is_dir():
            hint = _hint({entry.name}, WORKFLOWS) or \
                f"an environment folder holds {ENVIRONMENT_FILE} and {WORKFLOWS}/ only"
            return Diagnostic(here, "unknown folder in an environment folder; it would be "
                              "ignored", hint, "layout")
        if _hint({entry.name}, ENVIRONMENT_FILE):
            return Diagnostic(here, "unknown file in an environment folder; it would be "
                              "ignored", f"did you mean '{ENVIRONMENT_FILE}'?", "layout")
        if entry.suffix in WORKFLOW_SUFFIXES:
            return Diagnostic(here, "a workflow file directly in an environment folder; it "
                              "would be ignored", f"move it to {WORKFLOWS}/{entry.name}", "layout")
        return Diagnostic(here, "unknown file in an environment folder; it would be ignored",
                          f"an environment folder holds {ENVIRONMENT_FILE} and {WORKFLOWS}/ only",
                          "layout")

    def display(self, path: Path) -> str:
        """``path`` relative to the repository root (no filesystem calls: paths here are
        built from ``root``)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return display_path(path, self.root)

    def load(self, path: Path) -> Node:
        """The parsed file (cached: shared layers are read once for all environments)."""
        node = self._cache.get(path)
        if node is None:
            node = load_file(path, self.display(path))
            if not isinstance(node.value, dict):
                raise ConfigError.at(node.location, "the file must hold a map of settings",
                                     code="type")
            self._cache[path] = node
        return node


def _hint(names: set[str], wanted: str) -> str | None:
    """``did you mean 'wanted'?`` when one of ``names`` is a near miss of it."""
    near = [name for name in names if name != wanted and
            did_you_mean(name, [wanted]) == f"did you mean '{wanted}'?"]
    return f"did you mean '{wanted}'?" if near else None
