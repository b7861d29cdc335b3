"""How MWAA installs a ``requirements.txt``, and the conflicts visible without a resolver.

MWAA runs ``pip3 install --constraint $MWAA_ESSENTIAL_CONSTRAINTS_FILE -r requirements.txt`` and
adds ``-c $AIRFLOW_CONSTRAINTS_FILE`` only when no line of the file matches ``-c `` or
``--constraint `` (a commented-out one counts; see :mod:`mwaa_gitops.facts.mwaa_releases`). The
constraints URL the renderer writes is Apache Airflow's file for the release and its Python, of
which the image's ``airflow_constraints.txt`` is a copy, so the vendored copy stands for it.

The direct check compares every requirement of the set (openmetadata-ingestion expanded into its
vendored Requires-Dist, with markers evaluated for the release's Python on linux x86_64 and for
each requested extra, a conflict an extra brings named with it) with the pins of those constraint
files, using ``packaging``: fast, offline, and each conflict it finds is one the resolver would
also hit. What those packages require in turn (the connector drivers' own dependencies) is not
vendored, so transitive conflicts need the resolver (:mod:`.resolver`, ``validate --resolve``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from mwaa_gitops.facts import mwaa_releases, requirements_data

CONSTRAINT_LINE = re.compile(r"-c |--constraint ")  # MWAA's own test, comments included
_URL = re.compile(r"""(?:-c|--constraint)\s+["']?([^"'\s]+)""")


@dataclass(frozen=True)
class ConstraintFile:
    """One constraints file MWAA applies: its name and its pins (normalized name → version)."""

    name: str
    pins: dict[str, str]
    text: str


@dataclass(frozen=True)
class DirectConflict:
    """A requirement that a constraint pin does not satisfy."""

    package: str  # normalized name
    wanted: str  # the specifier, e.g. ``>=1.41.5,<1.42``
    wanted_by: str  # ``openmetadata-ingestion==1.13.6.3`` or the requirements.txt line
    pinned: str
    pinned_in: str  # constraints file name
    extras: tuple[str, ...] = ()  # the extras that bring it, when the base package does not

    def text(self) -> str:
        brought = f"for [{','.join(self.extras)}]; " if self.extras else ""
        return f"{self.package}{self.wanted} ({brought}MWAA pins {self.pinned})"


class UnknownIngestion(LookupError):
    """An openmetadata-ingestion release of no supported line: its Requires-Dist is neither
    vendored nor read from the package index."""


def applied_constraints(requirements_txt: str, airflow: str) -> list[ConstraintFile]:
    """The constraint files MWAA's pip runs under for this requirements.txt on ``airflow``."""
    release = mwaa_releases.release(airflow)
    files = [ConstraintFile(release.essential_constraints_path.name,
                            mwaa_releases.essential_constraints(airflow),
                            mwaa_releases.essential_constraints_text(airflow))]
    airflow_file = ConstraintFile(release.airflow_constraints_path.name,
                                  mwaa_releases.airflow_constraints(airflow),
                                  mwaa_releases.airflow_constraints_text(airflow))
    named = [_URL.search(line) for line in requirements_txt.splitlines()
             if CONSTRAINT_LINE.search(line) and not line.lstrip().startswith("#")]
    has_line = any(CONSTRAINT_LINE.search(line) for line in requirements_txt.splitlines())
    from mwaa_gitops.facts.mwaa_releases import constraints_url

    if not has_line or any(m and m[1] == constraints_url(airflow) for m in named):
        files.append(airflow_file)
    return files


def marker_environment(airflow: str) -> dict[str, str]:
    """PEP 508 marker values of the release's image (CPython on Amazon Linux, x86_64)."""
    release = mwaa_releases.release(airflow)
    return {"python_version": release.python_minor, "python_full_version": release.python,
            "implementation_name": "cpython", "implementation_version": release.python,
            "platform_python_implementation": "CPython", "os_name": "posix",
            "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
            "platform_release": "", "platform_version": "", "extra": ""}


@cache
def direct_conflicts(requirements_txt: str, airflow: str) -> tuple[DirectConflict, ...]:
    """Every requirement of ``requirements_txt`` (openmetadata-ingestion expanded) that a pin
    of the constraints MWAA applies rejects, by package. Raises :class:`UnknownIngestion`.
    Cached: environments sharing a release and a requirement set are checked once."""
    constraints = applied_constraints(requirements_txt, airflow)
    found: list[DirectConflict] = []
    for requirement, by, extras in _expanded(requirements_txt, airflow):
        name = canonicalize_name(requirement.name)
        for constraint in constraints:
            pinned = constraint.pins.get(name)
            if pinned is not None and not requirement.specifier.contains(pinned,
                                                                          prereleases=True):
                found.append(DirectConflict(name, str(requirement.specifier), by, pinned,
                                            constraint.name, extras))
    unique: dict[tuple[str, str, str], DirectConflict] = {}
    for conflict in found:  # the base package's requirement first, then the extras'
        unique.setdefault((conflict.package, conflict.wanted, conflict.pinned), conflict)
    return tuple(sorted(unique.values(), key=lambda c: c.package))


def _expanded(requirements_txt: str, airflow: str
              ) -> list[tuple[Requirement, str, tuple[str, ...]]]:
    """Every requirement, by whom, and the extras that bring it (none: the line itself or the
    base package), base requirements first."""
    environment = marker_environment(airflow)
    found: list[tuple[Requirement, str, tuple[str, ...]]] = []
    brought: list[tuple[Requirement, str, tuple[str, ...]]] = []
    for line in requirements_txt.splitlines():
        text = line.split("#", 1)[0].strip()
        if not text or text.startswith("-"):
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue  # the renderer writes no such line; pip would report it
        found.append((requirement, text, ()))
        if canonicalize_name(requirement.name) != requirements_data.PACKAGE:
            continue
        version = _pinned(requirement)
        dist = requirements_data.requires_dist(version) if version else None
        if dist is None:
            raise UnknownIngestion(version or text)
        extras = sorted(requirement.extras)
        by = f"{requirements_data.PACKAGE}=={version}"
        for dependency in _parsed(dist):
            if dependency.marker is None or dependency.marker.evaluate(environment):
                found.append((dependency, by, ()))
                continue
            wanting = tuple(extra for extra in extras
                            if dependency.marker.evaluate({**environment, "extra": extra}))
            if wanting:
                brought.append((dependency, by, wanting))
    return [*found, *brought]


def extra_requirements(ingestion: str, extras: tuple[str, ...], airflow: str) -> tuple[str, ...]:
    """The requirements ``openmetadata-ingestion[extras]==ingestion`` adds to the base package
    on the release's Python (one the base has as well is not added), without their markers, in
    Requires-Dist order."""
    dist = requirements_data.requires_dist(ingestion)
    if dist is None:
        raise UnknownIngestion(ingestion)
    environment = marker_environment(airflow)
    base, added = set(), []
    for dependency in _parsed(dist):
        plain = Requirement(str(dependency))
        plain.marker = None
        if dependency.marker is None or dependency.marker.evaluate(environment):
            base.add(str(plain))
        elif any(dependency.marker.evaluate({**environment, "extra": e}) for e in extras):
            added.append(str(plain))
    return tuple(dict.fromkeys(a for a in added if a not in base))


@cache
def _parsed(dist: tuple[str, ...]) -> tuple[Requirement, ...]:
    return tuple(Requirement(entry) for entry in dist)


def _pinned(requirement: Requirement) -> str | None:
    specs = list(requirement.specifier)
    return specs[0].version if len(specs) == 1 and specs[0].operator == "==" else None
