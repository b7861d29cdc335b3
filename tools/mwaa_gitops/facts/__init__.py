"""Facts about the world upstream: MWAA's releases and how it installs, OpenMetadata's workflow
kinds, connectors and ingestion releases, and the resolver that answers what installs where.

Vendored data lives in ``mwaa_gitops/data/``; the scripts in ``scripts/`` regenerate it.
Layer: facts. May import the ground modules (``diagnostics``, ``exits``, ``report``, ``git``,
``aws``, ``distribution``) and other ``facts`` modules; never config, check, render, sync,
verify or commands.
"""
