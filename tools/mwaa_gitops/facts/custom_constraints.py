"""The python approach's custom constraints: Apache Airflow's constraints of an MWAA release
with only the lines that must move for ``openmetadata-ingestion[extras]==V`` to install.

MWAA installs ``requirements.txt`` with ``pip3 install --constraint <essential constraints>``
and adds Apache Airflow's full constraints only when the file names no constraints of its own
(:mod:`mwaa_gitops.facts.mwaa_install`). So the requirement set is resolved under the essential
constraints alone, for the release's Python on linux x86_64, together with
``apache-airflow==<release>`` and every other package of MWAA's image (so MWAA's Airflow and
its providers stay consistent), preferring the image's versions and those Airflow's constraints
pin; each Airflow constraint the resolution moves is rewritten, every other line (and every
essential pin) is left as it is, and what the set brings beyond those constraints is pinned as
resolved after them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mwaa_gitops.facts import mwaa_releases, resolver
from mwaa_gitops.facts.requirements_data import PACKAGE, WHEELS_ONLY, undeclared

ADDED = "# Added by mwaa-gitops lock: what the set brings beyond these constraints, as resolved."
_PIN_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)(.*)$")


@dataclass(frozen=True)
class Move:
    """A package of MWAA's image that the custom constraints install at another version."""

    name: str
    mwaa: str
    new: str

    def text(self) -> str:
        return f"{self.name} {self.mwaa} → {self.new}"


@dataclass(frozen=True)
class CustomConstraints:
    text: str  # Airflow's constraints, the moved lines changed, then the added pins
    changed: tuple[str, ...]  # the constraint lines that moved, as written
    moves: tuple[Move, ...]  # the image's packages installed at another version
    # ``name==version`` of the whole resolution but apache-airflow (the image's packages at the
    # image's versions included): what pip finds installed or installs under the constraints
    pins: tuple[str, ...] = ()


def resolve(airflow: str, ingestion: str, extras: tuple[str, ...]
            ) -> tuple[CustomConstraints | None, str | None]:
    """The custom constraints of that set, or the resolver's reason why it does not install
    under MWAA's essential constraints. Raises :class:`resolver.ResolverUnavailable`."""
    suffix = f"[{','.join(extras)}]" if extras else ""
    installed = mwaa_releases.installed_packages(airflow)
    # Every package of the image stays installable with what the set brings (a moved botocore
    # moves the aiobotocore that pins it), at the image's version wherever that fits.
    wanted = [f"{PACKAGE}{suffix}=={ingestion}", *undeclared(ingestion),
              *(f"apache-airflow=={airflow}" if name == "apache-airflow" else name
                for name in sorted(installed))]
    airflow_text = mwaa_releases.airflow_constraints_text(airflow)
    preferences = "".join(f"{name}=={pin}\n" for name, pin in sorted(installed.items()))
    options: list[str] = []
    for name in WHEELS_ONLY:
        options += ["--only-binary", name]
    result = resolver.resolve("".join(f"{line}\n" for line in wanted),
                              [mwaa_releases.essential_constraints_text(airflow)],
                              mwaa_releases.python_full_version(airflow),
                              preferences=preferences + airflow_text, options=tuple(options))
    if not result.ok:
        return None, result.message
    resolved = {mwaa_releases.normalize(name): pin for name, pin in result.pins.items()}
    lines, changed = [], []
    for line in airflow_text.splitlines():
        match = _PIN_LINE.match(line.strip())
        name = mwaa_releases.normalize(match[1]) if match else ""
        if match and name in resolved and resolved[name] != match[2]:
            moved = f"{match[1]}=={resolved[name]}{match[3]}"
            changed.append(moved)
            lines.append(moved)
        else:
            lines.append(line)
    # What the set adds beyond Airflow's constraints, pinned as resolved: the install is the one
    # resolved here, and pip never explores another release (some source releases build only
    # by downloading from outside the index).
    known = {mwaa_releases.normalize(m[1]) for m in map(_PIN_LINE.match, (
        line.strip() for line in airflow_text.splitlines())) if m}
    known |= set(mwaa_releases.essential_constraints(airflow))
    added = [f"{name}=={pin}" for name, pin in sorted(resolved.items()) if name not in known]
    if added:
        lines += ["", f"{ADDED}", *added]
    moves = tuple(Move(name, installed[name], resolved[name]) for name in sorted(installed)
                  if name in resolved and resolved[name] != installed[name])
    pins = tuple(f"{name}=={pin}" for name, pin in sorted(resolved.items())
                 if name != "apache-airflow")
    return CustomConstraints("\n".join(lines) + "\n", tuple(changed), moves, pins), None
