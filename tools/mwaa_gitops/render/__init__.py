"""Stage 4, render: a checked environment → the exact files of its bucket.

The result maps bucket keys (relative to the environment's target prefix) to bytes. It is a
pure function of the environment: same input, byte-identical output.
"""

from __future__ import annotations

from mwaa_gitops.model import Environment
from mwaa_gitops.render.configs import render_configs

RenderedTree = dict[str, bytes]


def render_environment(env: Environment) -> RenderedTree:
    """Every file the environment's bucket should hold, keyed by bucket-relative path."""
    tree: RenderedTree = {}
    tree.update(render_configs(env))
    return dict(sorted(tree.items()))
