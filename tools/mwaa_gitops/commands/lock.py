"""``mwaa-gitops lock``: write the repository's locks (``locks/``) for its environments, and
remove those no environment uses; ``--check`` only says what is missing, stale or unused."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mwaa_gitops.check import check_environment
from mwaa_gitops.config import locks
from mwaa_gitops.config.environments import MergedEnvironment, build
from mwaa_gitops.config.locks import LockSet
from mwaa_gitops.config.model import environment_from
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Location, did_you_mean
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.facts import custom_constraints, mwaa_releases, resolver, venv_locks
from mwaa_gitops.render import pipeline
from mwaa_gitops.render.installable import lock_sets
from mwaa_gitops.report import OutputFormat, report

Needed = dict[LockSet, dict[Location, list[str]]]  # lock → where it is needed → workflows


def run(root: Path | None, names: list[str], fmt: OutputFormat, *, check: bool = False) -> int:
    """Lock ``names`` (every deployable environment when empty); with ``check``, write nothing
    and exit 1 when a lock is missing, stale or unused."""
    repo = pipeline.open_repository(root)
    everything = pipeline.deployable(repo)
    for name in names:
        if name not in everything:
            raise ConfigError.at(Location(repo.display(repo.environments_dir)),
                                 f"unknown or abstract environment '{name}'",
                                 did_you_mean(name, everything), code="usage")
    wanted, needed, problems = _needed(repo, names or everything, everything)
    if any(d.severity == "error" for d in problems):
        report(problems, fmt, f"{len(problems)} problem(s): nothing locked")
        return ExitCode.INVALID
    if problems:  # another environment that does not validate: its locks are kept
        report(problems, fmt)
    unused = [] if problems else _unused(repo.root, needed)
    if check:
        return _check(repo, wanted, needed, unused, fmt)
    failures: list[Diagnostic] = []
    for lock_set in wanted:
        if locks.state(repo.root, lock_set) == "fresh":
            continue
        started = time.monotonic()
        reason = _write(repo.root, lock_set)
        if reason is not None:
            failures.extend(_unresolvable(lock_set, needed[lock_set], reason))
        else:
            _say(fmt, f"wrote {lock_set.path} ({time.monotonic() - started:.1f} s)")
    if not names:  # only a run over every environment knows what none of them uses
        for path in unused:
            path.unlink()
            _say(fmt, f"removed {repo.display(path)}: no environment uses it")
            _prune(path.parent, repo.root / locks.LOCKS)
    report(failures, fmt, f"{len(failures)} lock(s) not written" if failures else None)
    return ExitCode.INVALID if failures else ExitCode.OK


def _needed(repo: Repository, names: list[str], everything: list[str]
            ) -> tuple[list[LockSet], Needed, list[Diagnostic]]:
    """The locks ``names`` need (in order), what every environment needs, and the problems
    that stop locking (an environment that does not validate by its rules)."""
    wanted: list[LockSet] = []
    needed: Needed = {}
    problems: list[Diagnostic] = []
    for name in everything:
        try:
            merged = build(repo, name)
            errors = [d for d in check_environment(merged) if d.severity == "error"]
        except ConfigError as exc:
            errors = exc.diagnostics
        if errors:
            # Another environment's problems stop only the removal of unused locks.
            problems.extend(errors if name in names else [_unchecked(repo, name)])
            continue
        for lock_set, places in _sets(merged).items():
            for here, workflows in places.items():
                known = needed.setdefault(lock_set, {}).setdefault(here, [])
                known.extend(wf for wf in workflows if wf not in known)
            if name in names and lock_set not in wanted:
                wanted.append(lock_set)
    return wanted, needed, problems


def _unchecked(repo: Repository, name: str) -> Diagnostic:
    return Diagnostic(Location(repo.display(repo.environment_file(name))),
                      f"environment '{name}' does not validate, so which locks it uses is not "
                      "known", f"run `mwaa-gitops validate --env {name}`, fix it, then lock",
                      "usage", severity="warning")


def _sets(merged: MergedEnvironment) -> dict[LockSet, dict[Location, list[str]]]:
    environment = environment_from(merged)
    return {lock_set: {here: [wf.name for wf in workflows] for here, workflows in places.items()}
            for lock_set, places in lock_sets(merged, environment).items()}


def _unused(root: Path, needed: Needed) -> list[Path]:
    folder = root / locks.LOCKS
    kept = {root / lock_set.path for lock_set in needed}
    return sorted(path for path in folder.rglob("*.txt") if path not in kept) \
        if folder.is_dir() else []


def _prune(folder: Path, top: Path) -> None:
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _write(root: Path, lock_set: LockSet) -> str | None:
    """Resolve and write one lock; the resolver's reason when it does not resolve."""
    try:
        if lock_set.kind == "constraints":
            found, reason = custom_constraints.resolve(lock_set.airflow, lock_set.ingestion,
                                                       lock_set.extras)
            if found is None:
                return reason or "the resolver found no solution"
            head = locks.header(lock_set, "Apache Airflow's constraints, moved where they "
                                "must for", tuple(m.text() for m in found.moves))
            body = found.text
        elif lock_set.kind == "python":
            # The same resolution as the constraints' (the resolver's cache answers), hashed.
            found, reason = custom_constraints.resolve(lock_set.airflow, lock_set.ingestion,
                                                       lock_set.extras)
            if found is None:
                return reason or "the resolver found no solution"
            head = locks.header(lock_set, "What MWAA's pip installs, under the custom "
                                "constraints, for")
            body = resolver.hashes(found.pins, mwaa_releases.python_full_version(
                lock_set.airflow))
        else:
            text, reason = venv_locks.hashed_lock(lock_set.airflow, lock_set.ingestion,
                                                  lock_set.extras)
            if text is None:
                return reason or "the resolver found no solution"
            head = locks.header(lock_set, "The task virtualenv of")
            body = text
    except (resolver.ResolverUnavailable, venv_locks.LockFailed) as exc:
        raise ConfigError.at(Location(lock_set.path), f"{lock_set.requirement} on MWAA's "
                             f"Airflow {lock_set.airflow} could not be locked: {exc}",
                             f"reach the package index ({resolver.INDEX_URL}) and run "
                             f"`{locks.LOCK_COMMAND}` again", code="index-unavailable") from exc
    path = root / lock_set.path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("\n".join(head) + "\n" + body, encoding="utf-8")
    partial.replace(path)
    return None


def _unresolvable(lock_set: LockSet, places: dict[Location, list[str]], reason: str
                  ) -> list[Diagnostic]:
    what = {"constraints": "custom constraints", "python": "python approach's set",
            "venv": "task virtualenv"}[lock_set.kind]
    return [Diagnostic(here, f"the {what} of {lock_set.requirement} on MWAA's Airflow "
                       f"{lock_set.airflow} (for {', '.join(map(repr, workflows))}) does not "
                       f"resolve: {reason}", "change the approach, the connector or the "
                       "versions: nothing was written for this set", "dependency-conflict")
            for here, workflows in places.items()]


def _check(repo: Repository, wanted: list[LockSet], needed: Needed, unused: list[Path],
           fmt: OutputFormat) -> int:
    problems = []
    for lock_set in wanted:
        state = locks.state(repo.root, lock_set)
        if state != "fresh":
            for here, workflows in needed[lock_set].items():
                message = (f"{lock_set.path} ({lock_set.requirement} on MWAA's Airflow "
                           f"{lock_set.airflow}, for {', '.join(map(repr, workflows))}) is "
                           f"{state}")
                hint = f"run `{locks.LOCK_COMMAND}` and commit {locks.LOCKS}/"
                problems.append(Diagnostic(here, message, hint, "missing-lock")
                                if state == "missing" else
                                Diagnostic(here, message, hint, "stale-lock"))
    for path in unused:
        problems.append(Diagnostic(Location(repo.display(path)), "no environment uses this "
                                   "lock", f"run `{locks.LOCK_COMMAND}` (it removes it) and "
                                   "commit the removal", "unused-lock"))
    report(problems, fmt, f"{len(problems)} lock problem(s)" if problems
           else f"ok: {len(wanted)} lock(s) fresh")
    return ExitCode.INVALID if problems else ExitCode.OK


def _say(fmt: OutputFormat, line: str) -> None:
    if fmt is OutputFormat.text:
        print(line, file=sys.stderr)
