"""Tools the benchmarks compare against, each in a virtualenv of its own (not dependencies)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TOOLS = Path.home() / ".cache" / "mwaa-gitops" / "bench-tools"


def tool_bin(requirement: str, tools: Path = TOOLS) -> Path:
    """The ``bin`` folder of a virtualenv holding ``requirement``, made once under ``tools``."""
    venv = tools / re.sub(r"[^A-Za-z0-9.]+", "-", requirement)
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", requirement], check=True)
    return venv / "bin"
