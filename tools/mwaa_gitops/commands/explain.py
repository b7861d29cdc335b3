"""``mwaa-gitops explain``: a merged value, where it was set, and what it overrode."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from mwaa_gitops.check.secrets import redacted
from mwaa_gitops.config.environments import build
from mwaa_gitops.config.provenance import Node, dotted, parse_dotted
from mwaa_gitops.config.provenance import Path as KeyPath
from mwaa_gitops.diagnostics import ConfigError, Location, did_you_mean
from mwaa_gitops.exits import ExitCode
from mwaa_gitops.render import pipeline
from mwaa_gitops.report import OutputFormat

ENVIRONMENT = "environment"


def run(root: Path | None, env: str, workflow: str, path: str, fmt: OutputFormat) -> int:
    """Explain ``path`` of ``workflow`` (or of the environment settings) in ``env``."""
    repo = pipeline.open_repository(root)
    merged = build(repo, env)
    if workflow == ENVIRONMENT:
        tree = merged.settings
    elif workflow in merged.workflows:
        tree = merged.workflows[workflow]
    else:
        raise ConfigError.at(Location(repo.display(repo.environments_dir / env)),
                             f"environment '{env}' has no workflow '{workflow}'",
                             did_you_mean(workflow, [*merged.workflows, ENVIRONMENT]),
                             code="usage")
    wanted = parse_dotted(path)
    node = tree.get(*wanted)
    if node is None:
        parent, walked = tree.nearest(wanted)
        keys = list(parent.value) if isinstance(parent.value, dict) else []
        missing = wanted[len(walked)]
        raise ConfigError.at(parent.key_location or parent.location,
                             f"'{dotted(wanted)}' is not set in {workflow} for "
                             f"environment '{env}'",
                             did_you_mean(str(missing), keys) if keys else None,
                             code="usage")
    print(render(node, dotted(wanted), fmt, wanted))
    return ExitCode.OK


def render(node: Node, path: str, fmt: OutputFormat, keys: KeyPath = ()) -> str:
    """The explanation in text or JSON; secrets written in clear are shown as hidden."""
    value = redacted(node.plain(), keys)
    overrides = [(o.location, redacted(o.value, keys)) for o in reversed(node.overridden)]
    if fmt is OutputFormat.json:  # github: the log shows the text
        return json.dumps({"path": path, "value": value, "setAt": str(node.location),
                           "overrides": [{"at": str(at), "value": old} for at, old in overrides]},
                          indent=2)
    lines = [f"{path} = {_inline(value)}", f"  set at    {node.location}"]
    for at, old in overrides:
        lines.append(f"  overrides {at}  {_inline(old)}")
    if isinstance(value, dict):
        lines.append("  merged from:")
        for key, child in node.value.items():
            lines.append(f"    {key}: {child.location}")
    return "\n".join(lines)


def _inline(value: object) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=2**31 - 1).strip()
    return text.removesuffix("\n...").removesuffix(" ...")
