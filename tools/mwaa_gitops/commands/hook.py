"""``mwaa-gitops hook …``: the pre-commit entry points. Each takes the staged file names that
pre-commit passes and reports like ``validate`` (``file:line:col: message``)."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops import affected, pipeline
from mwaa_gitops.commands import EXIT_INVALID, EXIT_OK, guarded
from mwaa_gitops.diagnostics import Diagnostic
from mwaa_gitops.report import OutputFormat, report

# The code of a plaintext-secret finding; anything else the hook reports is a file it could
# not load (invalid YAML, several documents, tags such as CloudFormation's !Ref).
PLAINTEXT_SECRET = "plaintext-secret"
MALFORMED_REFERENCE = "malformed-reference"


def validate(root: Path | None, files: list[Path], fmt: OutputFormat) -> int:
    """Validate the environments whose chain includes a layer that ``files`` touch."""

    def action() -> int:
        from mwaa_gitops.commands import validate as command

        repo = pipeline.open_repository(root)
        touched = affected.classify(repo, affected.relative_paths(repo, files))
        strays = affected.stray_diagnostics(repo, touched)
        touched.everything = False  # only config files reach this hook; the rest is tested
        names = affected.environments(repo, touched)
        code = command.run(repo.root, names, fmt, abstract_ok=True) if names else EXIT_OK
        if strays:
            report(strays, fmt)
            return EXIT_INVALID
        return code

    return guarded(fmt, action)


def render(root: Path | None, fmt: OutputFormat) -> int:
    """Render every deployable environment in memory; report any that no longer renders."""

    def action() -> int:
        repo = pipeline.open_repository(root)
        names = pipeline.deployable(repo)
        result = pipeline.check(repo, names)  # checking renders every valid environment
        files = sum(len(r.files) for r in result.rendered.values())
        problems = result.diagnostics.sorted()
        report(problems, fmt, f"{len(problems)} problem(s)" if problems else
               f"ok: {len(names)} environments render ({files} files)")
        return EXIT_INVALID if problems else EXIT_OK

    return guarded(fmt, action)


def secrets(files: list[Path], fmt: OutputFormat) -> int:
    """Report credentials written in plain text in any of the YAML ``files``."""

    def action() -> int:
        from mwaa_gitops.check import check_files
        from mwaa_gitops.check.rules import plaintext_secrets

        problems = check_files(files, plaintext_secrets)
        report(problems, fmt, secrets_summary(problems) if problems else None)
        return EXIT_INVALID if problems else EXIT_OK

    return guarded(fmt, action)


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
