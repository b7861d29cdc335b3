"""Maintainer tooling, not part of the package: the generators of the vendored data.

Each ``generate_*.py`` is run as a script (``make schemas``, ``make mwaa-data``,
``make requirements-data``, ``make check-data``) and imported by the tests that pin it.
"""
