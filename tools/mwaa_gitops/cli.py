"""The ``mwaa-gitops`` command line: parses arguments and dispatches, nothing more.

Each command lives in ``mwaa_gitops.commands.<verb>`` and is imported only when it runs,
so ``--help`` stays fast (no jsonschema, boto3 or Airflow on the start-up path).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from mwaa_gitops.exits import ExitCode
from mwaa_gitops.report import OutputFormat

# `-h` as well as `--help`, on every command and command group.
HELP = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="mwaa-gitops",
    help="GitOps for OpenMetadata ingestion on Amazon MWAA: merge and check environment "
    "overlays, render DAGs, and sync them to each environment's bucket.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP,
)

def _repo_of(ctx: typer.Context) -> Path | None:
    """The ``--repo`` already typed on the command line being completed, if any."""
    value = ctx.params.get("repo")
    return value if isinstance(value, Path) else None


def _complete_environments(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: the deployable environments of the repository (none outside one)."""
    from mwaa_gitops.diagnostics import ConfigError
    from mwaa_gitops.render.pipeline import deployable, open_repository

    try:
        names = deployable(open_repository(_repo_of(ctx)))
    except ConfigError:
        return []
    return [name for name in names if name.startswith(incomplete)]


def _complete_workflows(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: the workflow names of every layer, and ``environment``."""
    from mwaa_gitops.diagnostics import ConfigError
    from mwaa_gitops.render.pipeline import open_repository

    try:
        repo = open_repository(_repo_of(ctx))
        names = {name for layer in repo.layer_names() for name in repo.workflow_files(layer)}
    except ConfigError:
        return []
    return [name for name in ["environment", *sorted(names)] if name.startswith(incomplete)]


def _finish(fmt: OutputFormat, run: Callable[..., int], *args: Any, **kwargs: Any) -> NoReturn:
    """Run one command inside the one error boundary and exit with its code (with
    ``--detailed-exitcode``, where 2 means changes, a usage error exits 1 as in Terraform)."""
    from mwaa_gitops.commands import guarded

    detailed = bool(kwargs.get("detailed_exitcode")) or DETAILED_EXITCODE in sys.argv[1:]
    usage = ExitCode.INVALID if detailed else ExitCode.USAGE
    raise typer.Exit(guarded(fmt, functools.partial(run, *args, **kwargs), usage=usage))


def _print_version(value: bool) -> None:
    if value:
        from mwaa_gitops import __version__

        print(f"mwaa-gitops {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    # Options of the program itself; each command's are on the command.
    pass


RepoOption = Annotated[
    Path | None,
    typer.Option("--repo", metavar="DIR",
                 help="Config repository (default: the one containing the cwd)."),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", metavar="text|json|github", help="text for people, json "
                 "for tools, github for annotations on pull requests."),
]
EnvsOption = Annotated[
    list[str] | None,
    typer.Option("--env", "-e", metavar="ENV", autocompletion=_complete_environments,
                 help="Environment to use (repeatable; default: all)."),
]
EnvOption = Annotated[str, typer.Option("--env", "-e", metavar="ENV",
                                        autocompletion=_complete_environments,
                                        help="Environment name.")]


@app.command()
def envs(repo: RepoOption = None,
         fmt: FormatOption = OutputFormat.text) -> None:
    """List environments with their parent chains and targets."""
    from mwaa_gitops.commands import envs as command

    _finish(fmt, command.run, repo, fmt)


@app.command(short_help="Merge, check and render environments in memory.")
def validate(env: EnvsOption = None, repo: RepoOption = None,
             fmt: FormatOption = OutputFormat.text,
             resolve: Annotated[bool, typer.Option(
                 "--resolve", help="Also resolve the python approach's requirements against "
                 "the package index with uv, as MWAA installs them (cached).")] = False) -> None:
    """Merge, check and render environments: YAML, schemas, rules, requirements."""
    from mwaa_gitops.commands import validate as command

    _finish(fmt, command.run, repo, env or [], fmt, resolve=resolve)


@app.command(short_help="Write the wheel bundles of private networks into locks/.")
def bundle(env: EnvsOption = None, repo: RepoOption = None,
           fmt: FormatOption = OutputFormat.text) -> None:
    """Download (or build) a wheel for every pin of each private-network environment's locks,
    for MWAA's platform and Python, into the config repository: render reads them from there."""
    from mwaa_gitops.commands import bundle as command

    _finish(fmt, command.run, repo, env or [], fmt)


@app.command(short_help="Write the repository's locks (locks/) for its environments.")
def lock(env: EnvsOption = None, repo: RepoOption = None,
         fmt: FormatOption = OutputFormat.text,
         check: Annotated[bool, typer.Option(
             "--check", help="Write nothing: list the locks that are missing, stale or "
             "unused, and exit 1 if any (offline).")] = False) -> None:
    """Resolve each requirement set the environments install (every virtualenv workflow's
    task virtualenv; the python approach's custom constraints, when an environment opts in)
    with uv against the package index, and write its lock, with hashes, into locks/.

    Without --env, locks no environment uses are removed.
    """
    from mwaa_gitops.commands import lock as command

    _finish(fmt, command.run, repo, env or [], fmt, check=check)


@app.command(short_help="Render an environment's files as laid out in its bucket.")
def render(out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into "
                                              "(laid out as in the bucket).")],
           env: Annotated[str | None, typer.Option(
               "--env", "-e", autocompletion=_complete_environments,
               help="Environment name.")] = None,
           all_envs: Annotated[bool, typer.Option(
               "--all", help="Every deployable environment, each into OUT/<env>/.")] = False,
           repo: RepoOption = None,
           fmt: FormatOption = OutputFormat.text,
           discovery: Annotated[bool, typer.Option(
               "--discovery", help="Also render the connection discovery DAG (paused, runs "
               "once) that finds the Airflow metadata database.")] = False) -> None:
    """Render an environment's files exactly as they will be laid out in its bucket.

    Give one of --env ENV or --all.
    """
    from mwaa_gitops.commands import render as command

    if (env is None) == (not all_envs):
        raise typer.BadParameter("give either --env E or --all", param_hint="--env/--all")
    _finish(fmt, command.run, repo, env, out, fmt, discovery=discovery)


DETAILED_EXITCODE = "--detailed-exitcode"
DetailedExitOption = Annotated[bool, typer.Option(
    DETAILED_EXITCODE, help="Terraform's exit codes: 0 nothing to do, 1 error, 2 changes.")]
CodeOption = Annotated[bool, typer.Option(
    "--code", help="Diff rendered DAG code line by line instead of by its settings.")]
AdoptOption = Annotated[bool, typer.Option(
    "--adopt", help="Take over rendered keys that hold objects this repository does not own.")]


VerifyTimeoutOption = Annotated[float, typer.Option(
    "--verify-timeout", min=0.1, metavar="MINUTES",
    help="Minutes to wait for MWAA to parse the synced files.")]
SmokeOption = Annotated[str | None, typer.Option(
    "--smoke", metavar="DAG_ID", help="Also trigger a run of this rendered DAG and wait for "
    "its final state.")]
SmokeTimeoutOption = Annotated[float, typer.Option(
    "--smoke-timeout", min=0.1, metavar="MINUTES", help="Minutes to wait for the smoke run.")]
ApplyPauseOption = Annotated[bool, typer.Option(
    "--apply-pause", help="Pause or unpause each DAG whose state in MWAA differs from its "
    "dag.paused (Airflow applies dag.paused only when a DAG first appears).")]


@app.command(short_help="Compare an environment's rendered files with its target.")
def plan(env: EnvOption, repo: RepoOption = None,
         fmt: FormatOption = OutputFormat.text,
         adopt: AdoptOption = False,
         detailed_exitcode: DetailedExitOption = False,
         check_dags: Annotated[bool, typer.Option(
             "--check-dags/--no-check-dags", help="Ask MWAA (InvokeRestApi) whether another "
             "file already defines one of the rendered dag ids.")] = True,
         content: Annotated[bool, typer.Option(
             "--content/--no-content", help="Show each file's change: a diff of configs and "
             "requirements, the changed settings of rendered DAG code.")] = True,
         code: CodeOption = False) -> None:
    """Compare an environment's rendered files with its target by content hash, and show
    what each change does to the file.

    Exits 4 when MWAA already has one of the rendered dag ids from another file.
    """
    from mwaa_gitops.commands import plan as command

    _finish(fmt, command.run, repo, env, fmt, adopt, detailed_exitcode=detailed_exitcode,
            check_dags=check_dags, content=content, code=code)


@app.command(short_help="Check in MWAA that the synced DAGs parsed and work.")
def verify(env: EnvOption, repo: RepoOption = None,
           fmt: FormatOption = OutputFormat.text,
           timeout: Annotated[float, typer.Option(
               "--timeout", min=0.1, metavar="MINUTES", help="Minutes to wait for MWAA to "
               "parse the synced files (and to finish an update).")] = 10.0,
           smoke: SmokeOption = None,
           smoke_timeout: SmokeTimeoutOption = 30.0,
           apply_pause: ApplyPauseOption = False) -> None:
    """Wait until MWAA parsed the files of the last sync, then report import errors, missing
    DAGs, dag ids that other files also define and DAGs paused otherwise than dag.paused says
    (through InvokeRestApi).

    Exit codes: 0 verified, 4 problems found, 5 timed out, 6 MWAA unreachable, 7 permission
    denied, 8 environment updating or unavailable.
    """
    from mwaa_gitops.commands import verify as command
    from mwaa_gitops.verify.check import Options

    options = Options(timeout=timeout * 60, smoke=smoke, smoke_timeout=smoke_timeout * 60,
                      apply_pause=apply_pause)
    _finish(fmt, command.run, repo, env, fmt, options)


@app.command(short_help="Show what is deployed, the MWAA state and the last verify.")
def status(env: EnvOption, repo: RepoOption = None,
           fmt: FormatOption = OutputFormat.text) -> None:
    """Show the deployed commit, time and files, the MWAA environment's state and last update,
    and the last verify result."""
    from mwaa_gitops.commands import status as command

    _finish(fmt, command.run, repo, env, fmt)


@app.command(short_help="Upload the rendered files, delete owned leftovers, update MWAA.")
def sync(*, env: EnvOption, repo: RepoOption = None,
         fmt: FormatOption = OutputFormat.text,
         dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show the plan.")] = False,
         adopt: AdoptOption = False,
         jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=64, metavar="N",
                                           help="Uploads in flight at once.")] = 16,
         update_mwaa: Annotated[bool, typer.Option(
             "--update-mwaa/--no-update-mwaa", help="Call MWAA UpdateEnvironment when "
             "requirements, plugins or the startup script changed.")] = True,
         wait: Annotated[bool, typer.Option("--wait", help="Wait until the MWAA environment "
                                            "is available again after an update.")] = False,
         wait_timeout: Annotated[float, typer.Option("--wait-timeout", min=1, metavar="MINUTES",
                                                     help="Minutes --wait waits.")] = 60.0,
         commit: Annotated[str | None, typer.Option(
             "--commit", metavar="SHA", help="Git commit recorded in the manifest (default: "
             "$MWAA_GITOPS_COMMIT, else git HEAD).")] = None,
         stale_lock: Annotated[float, typer.Option(
             "--stale-lock-minutes", min=0, metavar="MINUTES", help="Age after which another "
             "run's unrefreshed lock is taken over.")] = 15.0,
         detailed_exitcode: DetailedExitOption = False,
         allow_older: Annotated[bool, typer.Option(
             "--allow-older", help="Sync even when the target was last synced from a commit "
             "this one does not contain (a deliberate rollback).")] = False,
         verify: Annotated[bool, typer.Option(
             "--verify", help="Check dag ids against MWAA before uploading, then wait until "
             "MWAA parsed the files and report as 'verify' does.")] = False,
         verify_timeout: VerifyTimeoutOption = 10.0,
         smoke: SmokeOption = None,
         smoke_timeout: SmokeTimeoutOption = 30.0,
         apply_pause: ApplyPauseOption = False) -> None:
    """Upload exactly the rendered files, delete owned leftovers, update MWAA if needed."""
    from mwaa_gitops.commands import sync as command

    checks = None
    if verify or smoke or apply_pause:
        from mwaa_gitops.verify.check import Options

        checks = Options(timeout=verify_timeout * 60, smoke=smoke,
                         smoke_timeout=smoke_timeout * 60, apply_pause=apply_pause)
    _finish(fmt, command.run, repo, env, fmt, dry_run=dry_run, adopt=adopt, jobs=jobs,
                                 update_mwaa=update_mwaa, wait=wait,
                                 wait_timeout_minutes=wait_timeout, commit=commit,
                                 stale_lock_minutes=stale_lock,
                                 detailed_exitcode=detailed_exitcode,
                                 allow_older=allow_older, verify=checks)


@app.command(short_help="Break the sync lock of a run that died.")
def unlock(env: EnvOption,
           lock_id: Annotated[str | None, typer.Option(
               "--lock-id", help="The id of the lock to break, as a held lock names it.")] = None,
           repo: RepoOption = None,
           fmt: FormatOption = OutputFormat.text) -> None:
    """Break the sync lock of a run that died (without --lock-id: show who holds it)."""
    from mwaa_gitops.commands import unlock as command

    _finish(fmt, command.run, repo, env, lock_id, fmt)


@app.command(short_help="Show a merged value, where it was set, and what it overrode.")
def explain(workflow: Annotated[str, typer.Argument(metavar="WORKFLOW",
                                                     autocompletion=_complete_workflows,
                                                     help="Workflow name, "
                                                     "or 'environment' for environment.yaml "
                                                     "settings.")],
            path: Annotated[str, typer.Argument(metavar="PATH", help="Dotted path, e.g. "
                                                "source.serviceConnection.config.hostPort")],
            env: EnvOption,
            repo: RepoOption = None,
            fmt: FormatOption = OutputFormat.text) -> None:
    """Show a merged value, the file:line that set it, and the layers it overrode."""
    from mwaa_gitops.commands import explain as command

    _finish(fmt, command.run, repo, env, workflow, path, fmt)


@app.command(short_help="Check plain OpenMetadata workflow files outside this layout.")
def lint(files: Annotated[list[Path], typer.Argument(help="OpenMetadata workflow YAML files.")],
         fmt: FormatOption = OutputFormat.text,
         ingestion: Annotated[str | None, typer.Option(
             "--ingestion-version", metavar="VERSION", help="The openmetadata-ingestion release "
             "(or major.minor) whose model checks the files (default: the newest supported "
             "line).")] = None) -> None:
    """Check plain OpenMetadata workflow files that live outside this layout."""
    from mwaa_gitops.commands import lint as command

    _finish(fmt, command.run, files, fmt, ingestion)


@app.command(short_help="Scaffold a config repository (environments, hooks, CI).")
def init(directory: Annotated[Path, typer.Argument(help="Folder for the new config repository.")],
         force: Annotated[bool, typer.Option("--force", help="Refresh the tool's copies "
                                             "(schemas, hooks, CI workflows); existing files "
                                             "under environments/ are kept.")] = False,
         fmt: FormatOption = OutputFormat.text,
         requirement: Annotated[str | None, typer.Option(
             "--requirement", metavar="SPEC", help="How the new repository installs "
             "mwaa-gitops (its line in requirements-gitops.txt): a pip requirement such as "
             "'mwaa-gitops @ https://host/mwaa_gitops-1.2.0-py3-none-any.whl' (default: what "
             "installs this mwaa-gitops). In an existing repository, only that line is "
             "updated.")] = None) -> None:
    """Scaffold a config repository: example environments, schemas, hooks and CI workflows."""
    from mwaa_gitops.commands import init as command

    _finish(fmt, command.run, directory, force, fmt, requirement)


@app.command(short_help="Diff an environment's rendered files between two revisions.")
def diff(env: EnvOption,
         base: Annotated[str, typer.Option("--base", metavar="REV", help="Git revision to "
                                           "compare with (e.g. origin/main).")],
         head: Annotated[str | None, typer.Option("--head", metavar="REV", help="Git revision "
                                                     "to show (default: the work tree).")] = None,
         repo: RepoOption = None,
         fmt: FormatOption = OutputFormat.text,
         exit_code: Annotated[bool, typer.Option(
             "--exit-code", help="Exit 1 when the rendered files differ, 0 when not.")]
         = False,
         code: CodeOption = False) -> None:
    """Render an environment at two revisions and show how its files differ (rendered DAG
    code by the settings that changed)."""
    from mwaa_gitops.commands import diff as command

    _finish(fmt, command.run, repo, env, base, head, fmt, exit_code, code=code)


@app.command(short_help="List the deployable environments that changed files reach.")
def affected(files: Annotated[list[Path] | None, typer.Argument(help="Changed files.")] = None,
             base: Annotated[str | None, typer.Option(
                 "--base", metavar="REV",
                 help="Also count the files changed since this git revision.")] = None,
             head: Annotated[str | None, typer.Option(
                 "--head", metavar="REV",
                 help="End of the range (default: the work tree).")] = None,
             repo: RepoOption = None,
             fmt: FormatOption = OutputFormat.text) -> None:
    """List the deployable environments that changed files reach (JSON rows as in envs)."""
    from mwaa_gitops.commands import affected as command

    _finish(fmt, command.run, repo, base, head, files or [], fmt)


hook_app = typer.Typer(name="hook", help="Entry points for pre-commit (see "
                       ".pre-commit-hooks.yaml). 'hook all' runs every check in one process; "
                       "the others take the staged file names, except 'hook render'.",
                       no_args_is_help=True, context_settings=HELP)
app.add_typer(hook_app)
HookFiles = Annotated[list[Path] | None, typer.Argument(metavar="FILE...", help="Staged files.")]


@hook_app.command("all")
def hook_all(files: HookFiles = None, repo: RepoOption = None,
             fmt: FormatOption = OutputFormat.text) -> None:
    """Validate and render every environment and check the files for secrets, at once."""
    from mwaa_gitops.commands import hook as command

    _finish(fmt, command.all_checks, repo, files or [], fmt)


@hook_app.command("validate")
def hook_validate(files: HookFiles = None, repo: RepoOption = None,
                  fmt: FormatOption = OutputFormat.text) -> None:
    """Validate the environments whose chain includes a layer the files touch."""
    from mwaa_gitops.commands import hook as command

    _finish(fmt, command.validate, repo, files or [], fmt)


@hook_app.command("render")
def hook_render(repo: RepoOption = None, fmt: FormatOption = OutputFormat.text) -> None:
    """Check that every environment still renders."""
    from mwaa_gitops.commands import hook as command

    _finish(fmt, command.render, repo, fmt)


@hook_app.command("secrets")
def hook_secrets(files: HookFiles = None, fmt: FormatOption = OutputFormat.text) -> None:
    """Report credentials written in plain text in YAML files."""
    from mwaa_gitops.commands import hook as command

    _finish(fmt, command.secrets, files or [], fmt)


connection_app = typer.Typer(name="connection", help="Connection blocks for workflow "
                             "overlays.", no_args_is_help=True, context_settings=HELP)
app.add_typer(connection_app)


@connection_app.command("from-url")
def connection_from_url(
        url: Annotated[str, typer.Argument(help="SQLAlchemy URL of the Airflow metadata database "
                                           "(as the discovery DAG logs it).")],
        env: EnvOption,
        repo: RepoOption = None,
        fmt: FormatOption = OutputFormat.text) -> None:
    """Print the Postgres/Mysql connection block for ENV's overlay; the password becomes a
    secret reference."""
    from mwaa_gitops.commands import connection as command

    _finish(fmt, command.from_url, repo, env, url, fmt)


def main() -> None:
    """Console-script entry point; usage errors exit 2 (click's convention), 1 with
    ``--detailed-exitcode``, where 2 means changes (Terraform's convention)."""
    if DETAILED_EXITCODE in sys.argv[1:]:
        import click

        click.UsageError.exit_code = ExitCode.INVALID
    try:
        try:
            from mwaa_gitops.commands.hook import from_argv

            # The commit hooks run on every commit: a plain invocation skips building the app.
            code = from_argv(sys.argv[1:])
            if code is not None:
                sys.exit(code)
            app()
        finally:
            # Output that fit in the buffer meets a closed pipe only here.
            sys.stdout.flush()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader left (`mwaa-gitops envs | head -1`): not an error worth a word. Python
        # would try to flush stdout again at exit and complain, so point it at /dev/null.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(ExitCode.PIPE_CLOSED)
