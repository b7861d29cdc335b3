"""Call one top-level function of a rendered DAG file, taken from its source as it is.

Runs with the Python of a test venv. Reads ``{"file": path, "function": name, "kwargs": {...},
"output": path}`` on stdin and writes ``{"returned": ..., "raised": ..., "message": ...}`` to
``output``. Log records go to stderr, where the test reads them.
"""

from __future__ import annotations

import ast
import json
import logging
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    request = json.load(sys.stdin)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True)
    source = Path(request["file"]).read_text(encoding="utf-8")
    node = next(n for n in ast.parse(source).body
                if isinstance(n, ast.FunctionDef) and n.name == request["function"])
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(body=[node], type_ignores=[]), request["file"], "exec"), namespace)
    result: dict[str, Any] = {"returned": None, "raised": None, "message": ""}
    try:
        result["returned"] = namespace[request["function"]](**request["kwargs"])
    except Exception as exc:  # the outcome is what the test looks at
        result.update(raised=type(exc).__name__, message=str(exc))
    Path(request["output"]).write_text(json.dumps(result, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
