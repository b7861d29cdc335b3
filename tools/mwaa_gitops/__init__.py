"""mwaa-gitops: GitOps for OpenMetadata ingestion on Amazon MWAA."""

__version__ = "0.1.0"
