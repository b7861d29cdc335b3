"""``mwaa-gitops hook …``: the pre-commit entry points. They take the staged file names that
pre-commit passes (``render`` takes none) and report like ``validate`` (``file:line:col:
message``). ``all`` is the other three in one process: the repository is loaded and checked
once, and each problem is printed once."""

from __future__ import annotations

import os
from pathlib import Path

from mwaa_gitops.commands import guarded
from mwaa_gitops.config import affected
from mwaa_gitops.diagnostics import ConfigError, Diagnostic, Diagnostics
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.render import pipeline
from mwaa_gitops.report import OutputFormat, report

# The code of a plaintext-secret finding; anything else the hook reports is a file it could
# not load (invalid YAML, several documents, tags such as CloudFormation's !Ref).
PLAINTEXT_SECRET = "plaintext-secret"
MALFORMED_REFERENCE = "malformed-reference"
YAML_SUFFIXES = (".yaml", ".yml")
# Each hook entry point: whether it takes --repo, whether it takes file names.
HOOKS = {"all": (True, True), "validate": (True, True), "render": (True, False),
         "secrets": (False, True)}


def all_checks(root: Path | None, files: list[Path], fmt: OutputFormat) -> int:
    """What ``validate``, ``render`` and ``secrets`` check, in one pass over the repository."""
    from mwaa_gitops.check.rules import plaintext_secrets
    from mwaa_gitops.config.load import load_file

    repo = pipeline.open_repository(root)
    found = Diagnostics()
    touched = affected.classify(repo, affected.relative_paths(repo, files))
    found.extend(affected.stray_diagnostics(repo, touched))
    # Every layer, whatever was touched: a deletion or a shared layer reaches them all, and
    # checking an environment renders it, so this is also the render check.
    result = pipeline.check(repo)
    found.extend(result.diagnostics)
    for file in files:
        if file.suffix not in YAML_SUFFIXES or not file.is_file():
            continue
        # Named as validation names them, so a finding both make is printed once.
        absolute = Path(os.path.realpath(file))
        try:
            found.extend(list(plaintext_secrets(load_file(absolute, repo.display(absolute)))))
        except ConfigError as exc:
            found.extend(exc.diagnostics)
    problems = found.sorted()
    if found:  # an error among them; warnings are shown and pass
        summary = (f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
                   f"{len({d.location.path for d in problems})} file(s)")
    else:
        rendered = sum(len(r.files) for r in result.rendered.values())
        summary = (f"ok: {len(result.rendered)} environments valid, rendered ({rendered} "
                   f"files), no plaintext secrets")
    report(problems, fmt, summary)
    return ExitCode.INVALID if found else ExitCode.OK


def validate(root: Path | None, files: list[Path], fmt: OutputFormat) -> int:
    """Validate the environments whose chain includes a layer that ``files`` touch."""
    repo = pipeline.open_repository(root)
    touched = affected.classify(repo, affected.relative_paths(repo, files))
    strays = affected.stray_diagnostics(repo, touched)
    touched.everything = False  # only config files reach this hook; the rest is tested
    names = affected.environments(repo, touched)
    code = ExitCode.OK
    if names:  # what `validate` checks, and says, for the layers the commit reaches
        result = pipeline.check(repo, names, keep=False)
        report(result.diagnostics.sorted(), fmt, pipeline.summary_line(result))
        code = ExitCode.INVALID if result.diagnostics else ExitCode.OK
    if strays:
        report(strays, fmt)
        return ExitCode.INVALID
    return code


def render(root: Path | None, fmt: OutputFormat) -> int:
    """Render every deployable environment in memory; report any that no longer renders."""
    repo = pipeline.open_repository(root)
    names = pipeline.deployable(repo)
    result = pipeline.check(repo, names)  # checking renders every valid environment
    files = sum(len(r.files) for r in result.rendered.values())
    problems = result.diagnostics.sorted()
    report(problems, fmt, f"{len(problems)} problem(s)" if result.diagnostics else
           f"ok: {len(names)} environments render ({files} files)")
    return ExitCode.INVALID if result.diagnostics else ExitCode.OK


def secrets(files: list[Path], fmt: OutputFormat) -> int:
    """Report credentials written in plain text in any of the YAML ``files``."""
    from mwaa_gitops.check import check_files
    from mwaa_gitops.check.rules import plaintext_secrets

    problems = check_files(files, plaintext_secrets)
    report(problems, fmt, secrets_summary(problems) if problems else None)
    return ExitCode.INVALID if problems else ExitCode.OK


def secrets_summary(problems: list[Diagnostic]) -> str:
    """The closing line of the secrets hook: secrets found, and files it could not check."""
    secrets = sum(1 for d in problems if d.code == PLAINTEXT_SECRET)
    malformed = sum(1 for d in problems if d.code == MALFORMED_REFERENCE)
    if secrets == len(problems):
        return f"{secrets} plaintext secret(s)"
    unchecked = len({d.location.path for d in problems
                     if d.code not in (PLAINTEXT_SECRET, MALFORMED_REFERENCE)})
    parts = [f"{secrets} plaintext secret(s)"] if secrets else []
    parts += [f"{malformed} malformed secret reference(s)"] if malformed else []
    parts += [f"{unchecked} file(s) that could not be checked"] if unchecked else []
    return f"{len(problems)} problem(s): " + ", ".join(parts)


def from_argv(argv: list[str]) -> int | None:
    """Run ``hook NAME [--repo DIR] [--format F] [FILE…]`` without building the Typer app.

    pre-commit starts the hook on every commit; Typer converts each parameter through pydantic,
    which costs more than the checks themselves. Anything but a plain invocation (help, an
    unknown option, a misplaced argument) returns None, and the Typer app handles it.
    """
    if len(argv) < 2 or argv[0] != "hook" or argv[1] not in HOOKS:
        return None
    name, takes_repo, takes_files = argv[1], HOOKS[argv[1]][0], HOOKS[argv[1]][1]
    repo: Path | None = None
    fmt = OutputFormat.text
    files: list[Path] = []
    rest = iter(argv[2:])
    for token in rest:
        option, has_value, value = token.partition("=")
        if token == "--":
            files.extend(Path(f) for f in rest)
        elif option in ("--repo", "--format") or token == "-f":
            value = value if has_value else next(rest, "")
            if option == "--repo" and takes_repo and value:
                repo = Path(value)
            elif option != "--repo" and value in OutputFormat.__members__:
                fmt = OutputFormat(value)
            else:
                return None
        elif token.startswith("-"):
            return None
        else:
            files.append(Path(token))
    if files and not takes_files:
        return None
    if name == "all":
        return guarded(fmt, lambda: all_checks(repo, files, fmt))
    if name == "validate":
        return guarded(fmt, lambda: validate(repo, files, fmt))
    if name == "render":
        return guarded(fmt, lambda: render(repo, fmt))
    return guarded(fmt, lambda: secrets(files, fmt))
