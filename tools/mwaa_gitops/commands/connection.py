"""``mwaa-gitops connection from-url``: a metadata database URL → the overlay's connection block."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from mwaa_gitops.exits import ExitCode
from mwaa_gitops.render import pipeline
from mwaa_gitops.render.connection import connection_from_url, password_reference
from mwaa_gitops.report import OutputFormat


def from_url(root: Path | None, env: str, url: str, fmt: OutputFormat) -> int:
    """Print the Postgres/Mysql connection block for ``env``; the password becomes a reference."""
    repo = pipeline.open_repository(root)
    environment = pipeline.checked_environment(repo, env)
    reference = password_reference(environment.discovery)
    block = connection_from_url(url, reference)
    if fmt is OutputFormat.text:
        print(f"# The Airflow connector's metadata database in environment '{env}': put "
              f"this in an ECS workflow's\n# overlay, environments/{env}/workflows/"
              "<workflow>.yaml. The password is read from the reference.")
        print(yaml.safe_dump(block.overlay(), sort_keys=False, allow_unicode=True), end="")
    else:
        print(json.dumps({"environment": env, "reference": reference,
                          "block": block.overlay(),
                          "droppedParameters": list(block.dropped_parameters)}, indent=2))
    # Notes go to stderr, so that stdout stays a clean block to paste or pipe.
    if block.had_password:
        print(f"note: the password in the URL was not copied; the block reads it from "
              f"{reference}", file=sys.stderr)
    if block.dropped_parameters:
        print(f"note: URL parameters left out: {', '.join(block.dropped_parameters)}",
              file=sys.stderr)
    return ExitCode.OK
