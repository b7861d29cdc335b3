"""mwaa-gitops: GitOps for OpenMetadata ingestion on Amazon MWAA.

Layer: ground, with ``diagnostics``, ``exits``, ``report``, ``git``, ``aws`` and ``distribution``:
these may import only each other (see docs/architecture.md for the floor plan).
"""

__version__ = "0.1.0"
