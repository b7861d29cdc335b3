"""A real resolver (uv's) for the requirement sets MWAA installs, cached by content hash.

``uv pip compile`` resolves for a target Python and platform without that Python being present,
which pip's resolver cannot do for source-only packages (``pip --python-version`` needs
``--only-binary :all:``, and openmetadata-ingestion depends on source-only releases). So the
resolver is uv: the ``uv`` package (``pip install 'mwaa-gitops[resolve]'``) or a ``uv`` on PATH;
only ``validate --resolve`` and the data generator need it.

A result is kept under the user cache folder, keyed by every input (requirements, constraint and
preference texts, Python, platform, options, uv's version): an unchanged repository costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# MWAA's images: Amazon Linux 2023 (glibc 2.34) on x86_64.
PLATFORM = "x86_64-manylinux_2_34"
INDEX_URL = "https://pypi.org/simple"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


class ResolverUnavailable(RuntimeError):
    """No uv to resolve with, or it failed for another reason than the requirements (the
    index unreachable…): nothing to conclude, nothing cached."""


@dataclass(frozen=True)
class Resolution:
    """What the resolver made of a requirement set: the pins, or why nothing resolves."""

    ok: bool
    pins: dict[str, str]  # name as uv wrote it → version
    message: str  # uv's explanation when not ok
    cached: bool = False


@cache
def uv_binary() -> str:
    """The uv executable: the ``uv`` package's, else one on PATH."""
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found,unused-ignore]

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
    if found is None:
        raise ResolverUnavailable("resolving needs uv: pip install 'mwaa-gitops[resolve]' "
                                  "(or put uv on PATH)")
    return found


@cache
def uv_version() -> str:
    out = subprocess.run([uv_binary(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def cache_dir() -> Path:
    """``$MWAA_GITOPS_CACHE``, else ``$XDG_CACHE_HOME/mwaa-gitops``, else ``~/.cache/…``."""
    if os.environ.get("MWAA_GITOPS_CACHE"):
        return Path(os.environ["MWAA_GITOPS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mwaa-gitops"


def resolve(requirements: str, constraints: list[str], python: str, *,
            preferences: str = "", options: tuple[str, ...] = (),
            use_cache: bool = True) -> Resolution:
    """Resolve ``requirements`` (requirements.txt text) under ``constraints`` (texts of
    constraint files) for ``python`` on MWAA's platform. ``preferences`` (``name==version``
    lines) are versions to keep where they fit; ``options`` go to ``uv pip compile``."""
    inputs = {"requirements": requirements, "constraints": constraints, "python": python,
              "preferences": preferences, "options": list(options), "platform": PLATFORM,
              "index": INDEX_URL, "uv": uv_version()}
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    stored = cache_dir() / "resolutions" / f"{key}.json"
    if use_cache and stored.is_file():
        data = json.loads(stored.read_text(encoding="utf-8"))
        return Resolution(data["ok"], data["pins"], data["message"], cached=True)
    result = _compile(requirements, constraints, python, preferences, options)
    stored.parent.mkdir(parents=True, exist_ok=True)
    partial = stored.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps({"ok": result.ok, "pins": result.pins,
                                   "message": result.message}), encoding="utf-8")
    partial.replace(stored)  # atomic: concurrent runs never read half a file
    return result


def _compile(requirements: str, constraints: list[str], python: str, preferences: str,
             options: tuple[str, ...]) -> Resolution:
    with tempfile.TemporaryDirectory(prefix="mwaa-gitops-resolve-") as tmp:
        folder = Path(tmp)
        (folder / "requirements.in").write_text(requirements, encoding="utf-8")
        args = [uv_binary(), "pip", "compile", "--quiet", "--no-header", "--no-annotate",
                "--no-config", "--index-url", INDEX_URL, "--python-version", python,
                "--python-platform", PLATFORM, "requirements.in", "-o", "resolved.txt",
                *options]
        for number, text in enumerate(constraints):
            (folder / f"constraints-{number}.txt").write_text(text, encoding="utf-8")
            args += ["--constraint", f"constraints-{number}.txt"]
        # uv keeps the versions of an existing output file where they fit: the preferences.
        (folder / "resolved.txt").write_text(preferences, encoding="utf-8")
        done = subprocess.run(args, cwd=folder, capture_output=True, text=True, check=False,
                              env=_environment())
        if done.returncode != 0:
            if "No solution found" not in done.stderr:
                raise ResolverUnavailable(f"uv could not resolve: {_explanation(done.stderr)}")
            return Resolution(False, {}, _explanation(done.stderr))
        pins = {}
        for line in (folder / "resolved.txt").read_text(encoding="utf-8").splitlines():
            match = _PIN.match(line.strip())
            if match:
                pins[match[1]] = match[2]
        return Resolution(True, pins, "")


def _environment() -> dict[str, str]:
    """uv's environment: no progress bars, and no Python downloads (the target Python is named
    by version, never run; looking for one to download costs seconds per call)."""
    return {**os.environ, "UV_NO_PROGRESS": "1", "UV_PYTHON_DOWNLOADS": "never"}


def hashes(pins: tuple[str, ...], python: str, *, options: tuple[str, ...] = ()) -> str:
    """``pins`` (``name==version`` lines) as requirement lines with the sha256 of each file pip
    may install on MWAA: the wheels uv picks for the release's Python on :data:`PLATFORM`, and the
    source release (no dependencies added; in the layout ``uv pip compile --generate-hashes``
    writes). The files come from uv's PEP 751 lock (``pylock.toml``), which names each one, so a
    package's wheels for other platforms and Pythons stay out. Raises
    :class:`ResolverUnavailable` when that fails."""
    with tempfile.TemporaryDirectory(prefix="mwaa-gitops-hashes-") as tmp:
        folder = Path(tmp)
        (folder / "requirements.in").write_text("".join(f"{pin}\n" for pin in pins),
                                                encoding="utf-8")
        args = [uv_binary(), "pip", "compile", "--quiet", "--no-header", "--no-annotate",
                "--no-config", "--no-deps", "--format", "pylock.toml", "--index-url", INDEX_URL,
                "--python-version", python, "--python-platform", PLATFORM, "requirements.in",
                "-o", "pylock.toml", *options]
        done = subprocess.run(args, cwd=folder, capture_output=True, text=True, check=False,
                              env=_environment())
        if done.returncode != 0:
            raise ResolverUnavailable(f"uv could not hash the lock: {_explanation(done.stderr)}")
        lock = tomllib.loads((folder / "pylock.toml").read_text(encoding="utf-8"))
    lines = []
    for package in sorted(lock.get("packages", []), key=lambda p: str(p["name"])):
        files = [package["sdist"]] if "sdist" in package else []
        files += package.get("wheels", [])
        digests = sorted({file["hashes"]["sha256"] for file in files})
        lines.append(" \\\n".join([f"{package['name']}=={package['version']}",
                                     *(f"    --hash=sha256:{d}" for d in digests)]))
    return "".join(f"{line}\n" for line in lines)


def _explanation(stderr: str) -> str:
    """uv's reason in one line: the ``cause`` sentences, without its layout."""
    text = stderr.strip()
    text = re.sub(r"^error: No solution found when resolving dependencies:?\s*", "", text)
    text = re.sub(r"^\s*(cause|hint):\s*", "", text, flags=re.MULTILINE)
    return " ".join(line.strip() for line in text.splitlines() if line.strip())
