"""Where things live in a config repository, and reading its files once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mwaa_gitops.diagnostics import ConfigError, Location, display_path
from mwaa_gitops.load import load_file
from mwaa_gitops.provenance import Node

ENVIRONMENTS = "environments"
ENVIRONMENT_FILE = "environment.yaml"
WORKFLOWS = "workflows"
WORKFLOW_SUFFIXES = (".yaml", ".yml")


@dataclass
class Repository:
    """A checkout holding ``environments/``; every YAML file is parsed at most once."""

    root: Path
    _cache: dict[Path, Node] = field(default_factory=dict, repr=False)

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
        """Every folder under ``environments/`` that has an ``environment.yaml``."""
        return sorted(p.parent.name for p in self.environments_dir.glob(f"*/{ENVIRONMENT_FILE}"))

    def environment_file(self, layer: str) -> Path:
        return self.environments_dir / layer / ENVIRONMENT_FILE

    def workflow_files(self, layer: str) -> dict[str, Path]:
        """Workflow name (file stem) → file, for one layer."""
        folder = self.environments_dir / layer / WORKFLOWS
        if not folder.is_dir():
            return {}
        files = sorted(p for p in folder.iterdir() if p.suffix in WORKFLOW_SUFFIXES and p.is_file())
        names: dict[str, Path] = {}
        for path in files:
            if path.stem in names:
                raise ConfigError.at(Location(self.display(path)),
                                     f"workflow '{path.stem}' is defined twice in this layer "
                                     f"(also {self.display(names[path.stem])})",
                                     "keep one of the two files", code="duplicate-workflow")
            names[path.stem] = path
        return names

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
