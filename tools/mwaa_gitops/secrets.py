"""Secret references: the only form a secret may take in a config.

- ``secret:<name>``: OpenMetadata's own secrets-manager reference, resolved by the ingestion
  framework at run time (``workflowConfig.openMetadataServerConfig.secretsManagerProvider``).
- ``${var:NAME}``: an Airflow Variable, read when the task runs (MWAA's secrets backend can
  serve it from AWS Secrets Manager); only for approaches that run inside MWAA.
- ``${env:NAME}``: an environment variable of the process that runs the workflow (for ECS,
  injected from Secrets Manager by the task definition's ``secrets``).
"""

from __future__ import annotations

import re

REFERENCE = re.compile(
    r"^(?:secret:\S+|\$\{(?P<kind>var|env):(?P<name>[A-Za-z_][A-Za-z0-9_.\-/]*)\})$")
# Field names that hold credentials even where a schema does not say so.
SECRET_NAMES = re.compile(
    r"^(password|passwd|secret|secretKey|secretAccessKey|awsSecretAccessKey|sessionToken|"
    r"awsSessionToken|jwtToken|token|accessToken|apiKey|apiToken|privateKey|clientSecret|"
    r"keyfile|credentials)$",
    re.IGNORECASE,
)
EXAMPLE = "secret:/openmetadata/<name> or ${var:NAME}"


def is_reference(value: object) -> bool:
    """True when ``value`` points at a secret instead of holding one."""
    return isinstance(value, str) and REFERENCE.match(value) is not None


def is_secret_name(key: str) -> bool:
    """True for field names that always hold credentials."""
    return SECRET_NAMES.match(key) is not None
