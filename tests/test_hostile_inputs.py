"""The attack table: hostile inputs and damaged targets, and what the tool must do with each.

Every row runs the real command line on a copy of the example repository. A row either expects
a clean, located error (exit 1, ``file:line:col`` or the file named, no traceback) or success,
and in every row nothing outside the command's own place (the repository for ``validate``,
``--out`` for ``render``, the target folder for ``sync``) is created, changed or removed.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mwaa_gitops.cli import app

ROOT = Path(__file__).resolve().parent.parent
LOCAL = "environments/local/environment.yaml"
BASE = "environments/base/environment.yaml"
DEV = "environments/dev/environment.yaml"
MANIFEST = ".local-bucket/.mwaa-gitops/manifest.json"
LOCK = ".local-bucket/.mwaa-gitops/lock.json"
runner = CliRunner()


@dataclass
class Scene:
    """A repository copy (``root``), a render folder (``out``) and a victim file outside both."""

    root: Path
    out: Path
    victim: Path

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new))

    def append(self, relative: str, text: str) -> None:
        with (self.root / relative).open("a") as handle:
            handle.write(textwrap.dedent(text).lstrip("\n"))

    def cli(self, *args: str) -> tuple[int, str]:
        result = runner.invoke(app, [*args, "--repo", str(self.root)])
        return result.exit_code, result.stdout + result.stderr

    def manifest(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads((self.root / MANIFEST).read_text())
        return loaded

    def set_manifest(self, document: object) -> None:
        (self.root / MANIFEST).write_text(json.dumps(document))


@dataclass(frozen=True)
class Attack:
    """One hostile input: how to set it up, the command, and what must come out."""

    name: str
    arrange: Callable[[Scene], None]
    command: str  # validate | render | sync
    errors: tuple[str, ...] = ()  # each must appear in the output; empty: must succeed
    located: str | None = None  # the file the error must point at (default: any location)
    then: Callable[[Scene], None] | None = None  # what must hold afterwards, beyond the above


def synced(scene: Scene) -> None:
    code, output = scene.cli("sync", "--env", "local")
    assert code == 0, output


def rendered(scene: Scene) -> None:
    code, output = scene.cli("render", "--env", "local", "--out", str(scene.out))
    assert code == 0, output


def _set_mwaa(scene: Scene, key: str, value: str) -> None:
    scene.edit(LOCAL, "mwaa:\n", f"mwaa:\n  {key}: {json.dumps(value)}\n")


def marker(files: object) -> Callable[[Scene], None]:
    def arrange(scene: Scene) -> None:
        rendered(scene)
        (scene.out / ".mwaa-gitops-render.json").write_text(
            files if isinstance(files, str) else json.dumps({"files": files}))
    return arrange


def manifest_with(change: Callable[[dict[str, object]], None]) -> Callable[[Scene], None]:
    def arrange(scene: Scene) -> None:
        synced(scene)
        document = scene.manifest()
        change(document)
        scene.set_manifest(document)
        # A change to sync, so that the manifest is acted on.
        (scene.root / "environments/base/workflows/airflow_pipelines_ecs.yaml").unlink()
    return arrange


def own(key: str) -> Callable[[dict[str, object]], None]:
    def change(document: dict[str, object]) -> None:
        objects = document["objects"]
        assert isinstance(objects, dict)
        objects[key] = next(iter(objects.values()))
    return change


def entry_field(name: str, value: object) -> Callable[[dict[str, object]], None]:
    def change(document: dict[str, object]) -> None:
        objects = document["objects"]
        assert isinstance(objects, dict)
        next(iter(objects.values()))[name] = value
    return change


def raw_manifest(text: str) -> Callable[[Scene], None]:
    def arrange(scene: Scene) -> None:
        synced(scene)
        (scene.root / MANIFEST).write_text(text)
    return arrange


def lock(document: object) -> Callable[[Scene], None]:
    def arrange(scene: Scene) -> None:
        synced(scene)
        (scene.root / LOCK).write_text(json.dumps(document))
    return arrange


GOOD_LOCK = {"who": "ci", "environment": "local", "commit": None,
             "acquired": "2020-01-01T00:00:00+00:00", "expires": "2020-01-01T00:15:00+00:00",
             "token": "abc"}


def link_owned_to_victim(scene: Scene) -> None:
    synced(scene)
    owned = scene.root / ".local-bucket/dags/openmetadata/airflow_pipelines_ecs.py"
    owned.unlink()
    owned.symlink_to(scene.victim)
    (scene.root / "environments/base/workflows/airflow_pipelines_ecs.yaml").unlink()


def link_out_folder_outside(scene: Scene) -> None:
    scene.out.mkdir()
    (scene.out / ".mwaa-gitops-render.json").write_text('{"files": []}')
    (scene.out / "dags").symlink_to(scene.victim.parent, target_is_directory=True)


def link_out_file_to_victim(scene: Scene) -> None:
    rendered(scene)
    target = scene.out / "requirements.txt"
    target.unlink()
    target.symlink_to(scene.victim)


def move(old: str, new: str) -> Callable[[Scene], None]:
    def arrange(scene: Scene) -> None:
        (scene.root / new).parent.mkdir(parents=True, exist_ok=True)
        (scene.root / old).rename(scene.root / new)
    return arrange


def synced_then(change: Callable[[Scene], None]) -> Callable[[Scene], None]:
    def arrange(scene: Scene) -> None:
        synced(scene)
        change(scene)
    return arrange


def dag_still_synced(scene: Scene) -> None:
    assert (scene.root / ".local-bucket/dags/openmetadata/airflow_pipelines_ecs.py").is_file()


def link(relative: str, to: Callable[[Scene], Path]) -> Callable[[Scene], None]:
    def arrange(scene: Scene) -> None:
        path = scene.root / relative
        if path.is_file():
            path.unlink()
        path.symlink_to(to(scene))
    return arrange


def outside_workflow(scene: Scene) -> Path:
    source = scene.root / "environments/base/workflows/airflow_pipelines.yaml"
    copy = scene.victim.parent / "elsewhere.yaml"
    copy.write_text(source.read_text().replace("openmetadata_airflow_pipelines", "elsewhere"))
    return copy


def outside_layer(scene: Scene) -> Path:
    layer = scene.victim.parent / "layer"
    shutil.copytree(scene.root / "environments/local", layer)
    return layer


def fifo(relative: str) -> Callable[[Scene], None]:
    return lambda scene: os.mkfifo(scene.root / relative)


WF = "environments/base/workflows"
ECS = f"{WF}/airflow_pipelines_ecs.yaml"

def schedule(value: str) -> Callable[[Scene], None]:
    return lambda scene: scene.edit(ECS, 'schedule: "15 */6 * * *"', f"schedule: {value!r}")


def many_multiline_patterns(scene: Scene) -> None:
    patterns = ", ".join(json.dumps(f"pipeline_{n}\nsecond line") for n in range(400))
    scene.edit(ECS, "      type: PipelineMetadata\n",
               f"      type: PipelineMetadata\n      pipelineFilterPattern:\n"
               f"        includes: [{patterns}]\n")


def trailing_newline(file: str, old: str, new: str) -> Callable[[Scene], None]:
    return lambda scene: scene.edit(file, old, new)


DAG_FILE = "environments/base/workflows/airflow_pipelines.yaml"


def dag_setting(line: str) -> Callable[[Scene], None]:
    return lambda scene: scene.edit(DAG_FILE, "dag:\n", f"dag:\n  {line}\n")


ATTACKS = [
    # Settings that pass and then break in Airflow: each refused where it is set.
    Attack("timeout beyond Python's datetime", dag_setting("timeoutMinutes: 2000000000000"),
           "validate", ("greater than the maximum of 5256000",), DAG_FILE),
    Attack("maxActiveRuns beyond int32", dag_setting("maxActiveRuns: 2147483648"),
           "validate", ("greater than the maximum of 2147483647",), DAG_FILE),
    Attack("owner longer than Airflow's column", dag_setting(f"owner: {'x' * 2001}"),
           "validate", ("an owner is one line of at most 500 characters",), DAG_FILE),
    Attack("multi-line owner", dag_setting('owner: "team\\nsecond line"'),
           "validate", ("an owner is one line",), DAG_FILE),
    Attack("startDate that is no day", dag_setting('startDate: "2024-02-30"'),
           "validate", ("is no day of the calendar",), DAG_FILE),
    Attack("startDate of year zero", dag_setting('startDate: "0000-01-01"'),
           "validate", ("is no day of the calendar",), DAG_FILE),
    Attack("startDate in the year 9999", dag_setting('startDate: "9999-12-31"'),
           "validate", ("past Python's last datetime",), DAG_FILE),
    # 1. Paths in settings that would write outside the prefix or --out.
    Attack("absolute requirementsPath", lambda s: _set_mwaa(s, "requirementsPath", "/tmp/x.txt"),
           "validate", ("requirementsPath is a relative path",), LOCAL),
    Attack("escaping dagsPrefix", lambda s: _set_mwaa(s, "dagsPrefix", "../../escape"),
           "render", ("dagsPrefix is a relative path",), LOCAL),
    Attack("escaping pluginsPath", lambda s: _set_mwaa(s, "pluginsPath", "a/../../p.zip"),
           "validate", ("pluginsPath is a relative path",), LOCAL),
    Attack("dot segment in startupScriptPath",
           lambda s: _set_mwaa(s, "startupScriptPath", "./startup.sh"),
           "validate", ("startupScriptPath is a relative path",), LOCAL),
    Attack("double slash in dagsPrefix", lambda s: _set_mwaa(s, "dagsPrefix", "dags//x"),
           "validate", ("dagsPrefix is a relative path",), LOCAL),
    Attack("absolute dagsPrefix", lambda s: _set_mwaa(s, "dagsPrefix", "/dags"),
           "sync", ("dagsPrefix is a relative path",), LOCAL),
    # 4. S3 prefixes the server would normalise.
    Attack("double slash in an S3 prefix",
           lambda s: s.edit(LOCAL, "file://.local-bucket", "s3://bucket/team-a//x"),
           "validate", ("a prefix or folder has no '//'",), LOCAL),
    Attack("dot-dot in an S3 prefix",
           lambda s: s.edit(LOCAL, "file://.local-bucket", "s3://bucket/team-a/../x"),
           "validate", ("a prefix or folder has no '//'",), LOCAL),
    Attack("absolute file:// target", lambda s: s.edit(LOCAL, "file://.local-bucket",
                                                       "file:///tmp/elsewhere"),
           "validate", ("relative to the repository",), LOCAL),
    Attack("file:// target escaping the repository",
           lambda s: s.edit(LOCAL, "file://.local-bucket", "file://../outside"),
           "sync", ("relative to the repository",), LOCAL),
    Attack("file:// target linked out of the repository",
           lambda s: (s.root / ".local-bucket").symlink_to(s.victim.parent), "sync",
           ("it leads out of the repository",), LOCAL),
    Attack("file:// target inside environments/",
           lambda s: s.edit(LOCAL, "file://.local-bucket", "file://environments/base"),
           "sync", ("lies inside the repository's environments/ folder",), LOCAL),
    # 1, 5. A tampered or damaged render marker.
    Attack("render marker lists a path outside --out", marker(["../outside/victim.txt"]),
           "render", ("refusing to write (as stale) a file named '../outside/victim.txt'",),
           ".mwaa-gitops-render.json"),
    Attack("render marker lists an absolute path", marker(["/etc/hostname"]), "render",
           ("it is an absolute path",), ".mwaa-gitops-render.json"),
    Attack("render marker files is not a list", marker({"a": 1}), "render",
           ("'files' must be a list",), ".mwaa-gitops-render.json"),
    Attack("render marker is not JSON", marker("{oops"), "render",
           ("unreadable render marker",), ".mwaa-gitops-render.json"),
    Attack("a folder in --out links outside", link_out_folder_outside, "render",
           ("is a symbolic link",)),
    Attack("a file in --out links outside", link_out_file_to_victim, "render"),
    Attack("requirementsPath is the DAG folder", lambda s: _set_mwaa(s, "requirementsPath", "dags"),
           "render", ("'dags' is the folder of 'dags/openmetadata/",), LOCAL),
    Attack("requirementsPath is a folder of the DAGs",
           lambda s: (_set_mwaa(s, "dagsPrefix", "r.txt/d"), _set_mwaa(s, "requirementsPath",
                                                                       "r.txt")),
           "validate", ("'r.txt' is the folder of 'r.txt/d/openmetadata/",), LOCAL),
    # 5. Keys that cannot collide, refused by validate at the setting.
    Attack("requirementsPath is a DAG's key", lambda s: _set_mwaa(
        s, "requirementsPath", "dags/openmetadata/airflow_pipelines.py"), "validate",
        ("is also the bucket key of the DAG of workflow 'airflow_pipelines'",), LOCAL),
    Attack("requirementsPath is a DAG's key but for case", lambda s: _set_mwaa(
        s, "requirementsPath", "dags/openmetadata/Airflow_Pipelines.py"), "sync",
        ("differs only in letter case",), LOCAL),
    Attack("dev's target inside prod's DAG folder", lambda s: s.edit(
        DEV, "s3://example-mwaa-dev ", "s3://example-mwaa-prod/dags/dev/ "),
        "validate", ("lies inside the DAG folder (dags/) of environment 'prod'",), DEV),
    Attack("dev's target is prod's but for a trailing slash", lambda s: s.edit(
        DEV, "s3://example-mwaa-dev ", "s3://example-mwaa-prod/ "),
        "validate", ("is the target of environment",)),
    Attack("dev's target is a neighbour of prod's DAG folder", lambda s: s.edit(
        DEV, "s3://example-mwaa-dev ", "s3://example-mwaa-prod/dags-dev "),
        "validate"),
    Attack("file:// target inside .git/",
           lambda s: s.edit(LOCAL, "file://.local-bucket", "file://.git/bucket"),
           "validate", ("lies inside the repository's .git/ folder",), LOCAL),
    Attack("file:// target inside environments/ at validate",
           lambda s: s.edit(LOCAL, "file://.local-bucket", "file://environments/bucket"),
           "validate", ("lies inside the repository's environments/ folder",), LOCAL),
    Attack("workflow files equal but for case",
           lambda s: shutil.copy(s.root / ECS, s.root / "environments/local/workflows/"
                                 "Airflow_Pipelines_ECS.yaml"), "validate",
           ("differ only in letter case",), "environments/local/workflows/Airflow_Pipelines_ECS"),
    # 5. Manifest and lock contents.
    Attack("manifest owns the lock", manifest_with(own(".mwaa-gitops/lock.json")), "sync",
           ("is not one sync may own",), LOCAL),
    Attack("manifest owns a path outside the target", manifest_with(own("../outside/victim.txt")),
           "sync", ("is not one sync may own",), LOCAL),
    Attack("manifest complete is a string",
           manifest_with(lambda d: d.update(complete="false")), "sync",
           ("'complete' is \"false\", not of the expected type",), LOCAL),
    Attack("manifest size is 1e400", raw_manifest(
        '{"format": "mwaa-gitops/manifest", "version": 1, "environment": "local", '
        '"complete": true, "objects": {"a.py": {"sha256": "' + "0" * 64 + '", '
        '"size": 1e400}}}'), "sync", ("'size' is Infinity",), LOCAL),
    Attack("manifest size has 5000 digits", raw_manifest(
        '{"format": "mwaa-gitops/manifest", "version": 1, "objects": {"a": {"size": '
        + "9" * 5000 + '}}}'), "sync", ("not a readable manifest",), LOCAL),
    Attack("manifest is not JSON", raw_manifest("{not json"), "sync",
           ("not a readable manifest",), LOCAL),
    Attack("manifest objects is a list", manifest_with(lambda d: d.update(objects=[])), "sync",
           ("'objects' is [], not of the expected type",), LOCAL),
    Attack("manifest entry sha256 is a number", manifest_with(entry_field("sha256", 7)), "sync",
           ("'sha256' is 7",), LOCAL),
    Attack("lock expires is garbage", lock({**GOOD_LOCK, "expires": "soon"}), "sync",
           ("not a readable lock",), LOCAL),
    Attack("lock is a list", lock([1, 2]), "sync", ("not a readable lock",), LOCAL),
    Attack("lock expires has no time zone", lock({**GOOD_LOCK, "expires": "2020-01-01T00:00"}),
           "sync", ("not a readable lock",), LOCAL),
    Attack("owned key in the target is a link to a victim", link_owned_to_victim, "sync"),
    Attack("a FIFO in the target folder", synced_then(
        lambda s: os.mkfifo(s.root / ".local-bucket/dags/pipe")), "sync"),
    # 2. Files the tool would not read are errors, never skipped (and then deleted by sync).
    Attack("workflow folder spelt 'workflow'", move(ECS, "environments/base/workflow/x.yaml"),
           "validate", ("did you mean 'workflows'?",), "environments/base/workflow"),
    Attack("workflow file directly in the environment folder",
           move(ECS, "environments/base/airflow_pipelines_ecs.yaml"), "validate",
           ("move it to workflows/airflow_pipelines_ecs.yaml",),
           "environments/base/airflow_pipelines_ecs.yaml"),
    Attack("environment.yml instead of environment.yaml",
           move(LOCAL, "environments/local/environment.yml"), "validate",
           ("did you mean 'environment.yaml'?",), "environments/local"),
    Attack("a YAML file directly in environments/",
           move(ECS, "environments/airflow_pipelines_ecs.yaml"), "validate",
           ("a YAML file directly in 'environments/' is never read",),
           "environments/airflow_pipelines_ecs.yaml"),
    Attack("an environment folder without environment.yaml",
           move(LOCAL, "environments/local/environment.yml"), "sync",
           ("'local' is not an environment",), "environments/local/environment.yml"),
    Attack("a text file among the workflows", lambda s: s.write(f"{WF}/notes.txt", "hi\n"),
           "validate", ("not a workflow file",), f"{WF}/notes.txt"),
    Attack("a folder among the workflows", lambda s: (s.root / WF / "more").mkdir(),
           "validate", ("not a workflow file",), f"{WF}/more"),
    Attack("a misplaced workflow does not get its DAG deleted",
           synced_then(move(ECS, "environments/base/workflow/airflow_pipelines_ecs.yaml")),
           "sync", ("did you mean 'workflows'?",), then=dag_still_synced),
    # 3. Links, FIFOs and devices are never followed or read.
    Attack("workflow linked to a file outside the repository",
           link(f"{WF}/elsewhere.yaml", outside_workflow), "sync", ("a symbolic link",),
           f"{WF}/elsewhere.yaml"),
    Attack("layer folder linked outside the repository",
           link("environments/linked", outside_layer), "validate", ("a symbolic link",),
           "environments/linked"),
    Attack("environment.yaml linked to /dev/zero", link(LOCAL, lambda s: Path("/dev/zero")),
           "validate", ("a symbolic link",), LOCAL),
    Attack("a FIFO as a workflow file", fifo(f"{WF}/pipe.yaml"), "validate",
           ("not a regular file",), f"{WF}/pipe.yaml"),
    # 10. Whole-string matching: a trailing newline passes no check.
    Attack("airflowVersion with a trailing newline",
           trailing_newline(BASE, 'airflowVersion: "3.3.1"', 'airflowVersion: "3.3.1\\n"'),
           "validate", ("airflowVersion",), BASE),
    Attack("startDate with a trailing newline",
           trailing_newline(ECS, "  approach: ecs\n",
                            '  approach: ecs\n  startDate: "2024-01-01\\n"\n'),
           "validate", ("startDate is a date written YYYY-MM-DD",), ECS),
    Attack("dagsPrefix with a trailing newline", lambda s: _set_mwaa(s, "dagsPrefix", "dags\n"),
           "render", ("dagsPrefix is a relative path",), LOCAL),
    Attack("region with a trailing newline", lambda s: _set_mwaa(s, "region", "eu-west-1\n"),
           "validate", ("region is an AWS region name",), LOCAL),
    Attack("workflow file name with a newline", move(ECS, f"{WF}/evil\n.yaml"), "validate",
           ("is not usable as a DAG file name",)),
    # 15. Terminal escapes in file names are shown escaped.
    Attack("workflow file name with a terminal escape", move(ECS, f"{WF}/evil\x1b[2J.yaml"),
           "validate", ("evil\\x1b[2J",)),
    # 12, 13. Values that crashed a command, or passed validate and then failed in Airflow.
    Attack("an integer of 5000 digits",
           trailing_newline(ECS, "  approach: ecs\n",
                            "  approach: ecs\n  retries: " + "9" * 5000 + "\n"),
           "validate", ("number too large",), ECS),
    Attack("schedule minute out of range", schedule("61 * * * *"), "validate",
           ("out of range",), ECS),
    Attack("schedule step of zero", schedule("*/0 * * * *"), "validate",
           ("step '0' in field 0 is not acceptable",), ECS),
    Attack("schedule of words", schedule("a b c d e"), "validate", ("is not acceptable",), ECS),
    Attack("schedule preset misspelt", schedule("@hourl"), "validate",
           ("did you mean '@hourly'?",), ECS),
    Attack("schedule with six fields", schedule("0 0 * * * *"), "validate",
           ("five fields",), ECS),
    # 11. Multi-line text in a config too large for ECS overrides.
    Attack("multi-line strings in a config over the ECS override limit",
           many_multiline_patterns, "validate", ("has no S3 target",), ECS),
    Attack("a workflow file over 1 MiB",
           lambda s: s.append(ECS, "# " + "x" * (1024 * 1024) + "\n"), "validate",
           ("over the 1,048,576-byte limit",), ECS),
]


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "environments", root / "environments")
    shutil.copytree(ROOT / "locks", root / "locks")
    victim = tmp_path / "outside" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("must survive\n")
    return Scene(root, tmp_path / "out", victim)


def snapshot(top: Path, place: Path) -> dict[str, str]:
    """Every entry under ``top`` outside ``place``: its kind and content (links not followed)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(top):
        for name in [*dirs, *files]:
            path = Path(folder, name)
            if path == place or place in path.parents:
                continue
            key = path.relative_to(top).as_posix()
            if path.is_symlink():
                found[key] = "link:" + str(path.readlink())
            elif path.is_file():
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[key] = "dir"
    return found


def run_attack(scene: Scene, attack: Attack) -> tuple[int, str]:
    attack.arrange(scene)
    place = {"validate": scene.root / "environments", "render": scene.out,
             "sync": scene.root / ".local-bucket"}[attack.command]
    top = scene.root.parent
    before = snapshot(top, place)
    if attack.command == "render":
        code, output = scene.cli("render", "--env", "local", "--out", str(scene.out))
    elif attack.command == "sync":
        code, output = scene.cli("sync", "--env", "local")
    else:
        code, output = scene.cli("validate")
    assert snapshot(top, place) == before, "something outside its place was touched"
    assert scene.victim.read_text() == "must survive\n"
    return code, output


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_hostile_input_gives_a_located_error_or_a_correct_result(scene: Scene,
                                                                  attack: Attack) -> None:
    code, output = run_attack(scene, attack)
    assert "Traceback" not in output and "\x1b" not in output
    if not attack.errors:
        assert code == 0, output
        return
    assert code == 1, output
    for text in attack.errors:
        assert text in output
    lines = output.strip().splitlines()
    # The first line saying what is wrong (a layer of several files has a line for each).
    first = next((line for line in lines if any(text in line for text in attack.errors)),
                 lines[-1] if attack.command == "sync" else lines[0])
    if attack.located is not None:
        assert attack.located in first.split(": ")[0], first
    if attack.then is not None:
        attack.then(scene)


@pytest.fixture
def small_bucket(scene: Scene) -> Iterator[Path]:
    """The local target folder on its own 4 MiB file system (needs the right to mount): room
    for the environment's files (each task virtualenv DAG carries its lock's hashes, ~200 kB)."""
    folder = scene.root / ".local-bucket"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("mounting a small file system needs privileges this run does not have")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    fd = os.open(folder / "filler.bin", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_full_target_recovers_when_the_config_shrinks(scene: Scene, small_bucket: Path) -> None:
    synced(scene)
    fill(small_bucket)
    tags = ", ".join(f"tag-{n:04d}-" + "x" * 80 for n in range(1500))  # ~140 kB more
    # The ECS workflow: its DAG is small (a task virtualenv's carries its lock's hashes).
    workflow = "environments/base/workflows/airflow_pipelines_ecs.yaml"
    scene.edit(workflow, "tags: !append [airflow-connector]", f"tags: !append [{tags}]")
    code, output = scene.cli("sync", "--env", "local")
    assert code == 1 and "Traceback" not in output
    assert f"{LOCAL}:6:11: " in output and "No space left on device" in output
    scene.edit(workflow, f"tags: !append [{tags}]", "tags: !append [airflow-connector]\n"
               "  retries: 4")
    (scene.root / "environments/base/workflows/metabase_dashboards.yaml").unlink()
    code, output = scene.cli("sync", "--env", "local")
    assert code == 0, output
    assert not (small_bucket / "dags/openmetadata/metabase_dashboards.py").exists()
    assert b"4" in (small_bucket / "dags/openmetadata/airflow_pipelines_ecs.py").read_bytes()


def test_read_only_target_is_a_located_error(scene: Scene, small_bucket: Path) -> None:
    synced(scene)
    subprocess.run(["mount", "-o", "remount,ro", str(small_bucket)], check=True)
    scene.edit("environments/base/workflows/airflow_pipelines.yaml", "dag:\n",
               "dag:\n  retries: 4\n")
    code, output = scene.cli("sync", "--env", "local")
    assert code == 1 and "Traceback" not in output
    assert f"{LOCAL}:6:11: " in output and "Read-only file system" in output


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=root, check=True, capture_output=True)


def test_diff_refuses_a_committed_link_as_the_work_tree_does(scene: Scene) -> None:
    workflow = scene.root / f"{WF}/elsewhere.yaml"
    workflow.symlink_to(outside_workflow(scene))
    git(scene.root, "init", "-q")
    git(scene.root, "add", "-A")
    git(scene.root, "commit", "-qm", "a linked workflow")
    code, output = scene.cli("validate")
    assert code == 1 and f"{WF}/elsewhere.yaml:1:1: a symbolic link" in output
    workflow.unlink()
    code, output = scene.cli("diff", "--env", "local", "--base", "HEAD")
    assert code == 0, output
    assert "note: at " in output and f"{WF}/elsewhere.yaml:1:1: a symbolic link" in output


def test_multi_line_config_over_the_ecs_limit_renders_a_one_line_environment_file(
        scene: Scene) -> None:
    import yaml

    many_multiline_patterns(scene)
    code, output = scene.cli("render", "--env", "dev", "--out", str(scene.out))
    assert code == 0, output
    env_file = scene.out / "dags/openmetadata/airflow_pipelines_ecs.env"
    # One line per variable: the config, then the connector's adapter (mwaaConfig).
    first, second = env_file.read_text().splitlines()
    name, _, line = first.partition("=")
    assert name == "config" and second.startswith("MWAA_GITOPS_ADAPTER=")
    config = yaml.safe_load(line)
    includes = config["source"]["sourceConfig"]["config"]["pipelineFilterPattern"]["includes"]
    assert includes[7] == "pipeline_7\nsecond line"


def test_an_unexpected_error_is_one_line_saying_it_is_a_bug(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from mwaa_gitops.commands import TRACEBACK_VARIABLE, guarded
    from mwaa_gitops.report import OutputFormat

    def broken() -> int:
        raise RuntimeError("password=S3cr3tPw")

    monkeypatch.delenv(TRACEBACK_VARIABLE, raising=False)
    assert guarded(OutputFormat.text, broken) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "S3cr3tPw" not in err
    assert err.startswith("error: internal error (RuntimeError at test_hostile_inputs.py:")
    assert "this is a bug in mwaa-gitops" in err and f"{TRACEBACK_VARIABLE}=1" in err
    monkeypatch.setenv(TRACEBACK_VARIABLE, "1")
    with pytest.raises(RuntimeError):
        guarded(OutputFormat.text, broken)


_SEGMENT = st.sampled_from(["a", "dags", ".", "..", "", " ", "x\n", "\\", "-b", ".mwaa-gitops"])
_PATH = st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join) | st.sampled_from(
    ["/abs", "//", "a//b", "a/./b", "../x"])


@settings(max_examples=25, deadline=None)
@given(dags=_PATH, requirements=_PATH, plugins=_PATH, startup=_PATH)
def test_render_and_sync_write_only_under_their_root_for_any_configured_paths(
        dags: str, requirements: str, plugins: str, startup: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        shutil.copytree(ROOT / "environments", top / "repo/environments")
        shutil.copytree(ROOT / "locks", top / "repo/locks")
        scene = Scene(top / "repo", top / "out", top / "outside/victim.txt")
        scene.victim.parent.mkdir()
        scene.victim.write_text("must survive\n")
        for key, value in (("dagsPrefix", dags), ("requirementsPath", requirements),
                           ("pluginsPath", plugins + ".zip"),
                           ("startupScriptPath", startup + ".sh")):
            _set_mwaa(scene, key, value)
        before = snapshot(top, top / "nowhere")
        code, output = scene.cli("render", "--env", "local", "--out", str(scene.out))
        assert code in (0, 1) and "Traceback" not in output
        code, output = scene.cli("sync", "--env", "local")
        assert code in (0, 1) and "Traceback" not in output
        after = snapshot(top, top / "nowhere")
        changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
        assert all(key.startswith(("out/", "repo/.local-bucket/")) or key in
                   ("out", "repo/.local-bucket") for key in changed), changed
        for key in changed:
            assert not (top / key).is_symlink()


def live_lock(scene: Scene, who: str = "killed run") -> str:
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    lock = {**GOOD_LOCK, "who": who, "acquired": now.isoformat(), "refreshed": now.isoformat(),
            "expires": (now + timedelta(minutes=15)).isoformat(), "token": "f" * 32}
    (scene.root / LOCK).write_text(json.dumps(lock))
    return str(lock["token"])


def test_a_killed_runs_lock_is_taken_over_with_stale_lock_minutes_0(scene: Scene) -> None:
    synced(scene)
    live_lock(scene)
    scene.edit(ECS, 'schedule: "15 */6 * * *"', 'schedule: "20 */6 * * *"')
    code, output = scene.cli("sync", "--env", "local")
    assert code == 1 and "lock id " + "f" * 32 in output
    code, output = scene.cli("sync", "--env", "local", "--stale-lock-minutes", "0")
    assert code == 0, output


def test_unlock_names_the_holder_and_breaks_only_the_lock_named(scene: Scene) -> None:
    synced(scene)
    token = live_lock(scene)
    code, output = scene.cli("unlock", "--env", "local")
    assert code == 1 and "locked by killed run" in output and token in output
    code, output = scene.cli("unlock", "--env", "local", "--lock-id", token)
    assert code == 0 and "broke the sync lock" in output
    scene.edit(ECS, 'schedule: "15 */6 * * *"', 'schedule: "20 */6 * * *"')
    code, output = scene.cli("sync", "--env", "local")
    assert code == 0, output


def test_control_characters_from_the_target_never_reach_the_terminal(scene: Scene) -> None:
    synced(scene)
    live_lock(scene, who="evil\x1b[2J\x1b]0;owned\x07run")
    scene.edit(ECS, 'schedule: "15 */6 * * *"', 'schedule: "20 */6 * * *"')
    code, output = scene.cli("sync", "--env", "local")
    assert code == 1 and "\x1b" not in output and "\x07" not in output
    assert "evil\\x1b[2J" in output


def test_init_force_replaces_links_instead_of_writing_through_them(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("must survive\n")
    target = tmp_path / "new"
    target.mkdir()
    (target / "README.md").symlink_to(victim)
    (target / ".gitignore").symlink_to(tmp_path / "dangling")
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 1 and "README.md" in result.output
    result = runner.invoke(app, ["init", str(target), "--force"])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "must survive\n" and not (tmp_path / "dangling").exists()
    assert not (target / "README.md").is_symlink()


def test_init_refuses_to_write_through_a_linked_folder(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = tmp_path / "new"
    target.mkdir()
    (target / "environments").symlink_to(elsewhere, target_is_directory=True)
    result = runner.invoke(app, ["init", str(target), "--force"])
    assert result.exit_code == 2 and "is a symbolic link" in result.output
    assert not any(elsewhere.iterdir()) and not (target / "README.md").exists()


def test_folder_target_files_are_readable_like_rendered_ones(scene: Scene) -> None:
    synced(scene)
    rendered(scene)
    umask = os.umask(0)
    os.umask(umask)
    for folder in (scene.root / ".local-bucket", scene.out):
        modes = {path.stat().st_mode & 0o777 for path in folder.rglob("*.py")}
        assert modes == {0o666 & ~umask}, (folder, modes)


@pytest.mark.parametrize("inside", ["environments/rendered", ".git/rendered",
                                    "environments/../environments/local/x"])
def test_render_refuses_an_out_folder_inside_environments_or_git(scene: Scene,
                                                                 inside: str) -> None:
    (scene.root / ".git").mkdir()
    before = snapshot(scene.root.parent, scene.out)
    result = runner.invoke(app, ["render", "--env", "local", "--out", str(scene.root / inside),
                                 "--repo", str(scene.root)])
    output = result.stdout + result.stderr
    assert result.exit_code == 1 and "nothing was written" in output, output
    assert "Traceback" not in output
    assert snapshot(scene.root.parent, scene.out) == before
