"""Stage 4, render: a checked environment → the exact files of its bucket.

The result maps bucket keys (relative to the environment's target prefix) to bytes. It is a
pure function of the environment: same input, byte-identical output.

Layer: render. May import the ground modules, ``facts``, ``config`` and ``check``; never sync,
verify or commands.
"""

from __future__ import annotations

from mwaa_gitops.config.model import Environment
from mwaa_gitops.render.configs import render_configs

RenderedTree = dict[str, bytes]


def render_environment(env: Environment, *, discovery: bool = False) -> RenderedTree:
    """Every file the environment's bucket should hold, keyed by bucket-relative path.

    ``discovery`` adds the connection discovery DAG even when the environment does not enable it.
    """
    from mwaa_gitops.render.bundle import render_bundle
    from mwaa_gitops.render.dags import lock_pins, render_dags
    from mwaa_gitops.render.discovery import render_discovery
    from mwaa_gitops.render.mwaa import render_requirements

    tree: RenderedTree = {}
    tree.update(render_configs(env))
    tree.update(render_dags(env))  # an ECS DAG reuses its config's text (configs.dump_config)
    tree.update(render_requirements(env))
    if env.mwaa.private_network is not None:
        tree.update(render_bundle(env, lock_pins(env)))
    if discovery or env.discovery.enabled:
        tree.update(render_discovery(env))
    return dict(sorted(tree.items()))
