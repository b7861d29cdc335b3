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
# Field names that hold credentials even where a schema does not say so (matched at the end
# of the name, so `dbPassword` and `db_password` count too).
SECRET_NAMES = re.compile(
    r"(password|passwd|secret|secretkey|secretaccesskey|sessiontoken|token|apikey|"
    r"privatekey|keyfile|credentials)$",
    re.IGNORECASE,
)
# user:password@ in a URL (the password part is group 1).
URL_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]+:([^/\s@]+)@")
EXAMPLE = "secret:/openmetadata/<name> or ${var:NAME}"


def is_reference(value: object) -> bool:
    """True when ``value`` points at a secret instead of holding one."""
    return isinstance(value, str) and REFERENCE.match(value) is not None


def is_secret_name(key: str) -> bool:
    """True for field names that always hold credentials."""
    return SECRET_NAMES.search(key.replace("_", "")) is not None


def has_url_credentials(value: object) -> bool:
    """True for a string carrying ``user:password@`` in a URL with a plaintext password."""
    if not isinstance(value, str):
        return False
    match = URL_CREDENTIALS.search(value)
    return match is not None and not is_reference(match.group(1))
