"""Secret references, and the one scanner that finds secrets written in clear.

A secret may only take the form of a reference:

- ``secret:<name>``: OpenMetadata's own secrets-manager reference, resolved by the ingestion
  framework at run time (``workflowConfig.openMetadataServerConfig.secretsManagerProvider``);
  the name uses the characters of an AWS Secrets Manager secret name.
- ``${var:NAME}``: an Airflow Variable, read when the task runs (MWAA's secrets backend can
  serve it from AWS Secrets Manager); only for approaches that run inside MWAA.
- ``${env:NAME}``: an environment variable of the process that runs the workflow (for ECS,
  injected from Secrets Manager by the task definition's ``secrets``).
- ``${NAME}``: OpenMetadata's own form (its ``metadata`` CLI runs ``os.path.expandvars`` over the
  file, ``metadata/config/common.py``), read as ``${env:NAME}`` with the same run-time meaning,
  so it is a reference, never a secret in clear.

What counts as a secret in clear (the detection model):

1. Fields the schemas mark ``format: password`` (checked by the schema validator).
2. Fields whose *normalised* name is a credential name (:func:`normalise_key`: case, spacing,
   separators and look-alike letters removed), such as ``password``, ``pwd``, ``PGPASS``,
   ``sslpassphrase``, ``apiKey``, ``Authorization`` (HTTP headers are fields too). Such a field
   holds a reference string; a number, list or map there is a secret in another shape.
3. Credentials inside any string: a URL's user information (``scheme://user:pw@``,
   ``//user:pw@``, ``user:pw@host``; any user information in an ``http(s)`` URL, where it is a
   token) and ``name=value`` pairs with a credential name (``?token=``, ``#access_token=``,
   ``PGPASSWORD=...`` in a command line).

Every check here runs in time linear in the length of the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mwaa_gitops.config.provenance import Node, Path

REFERENCE = re.compile(
    r"(?:secret:(?P<secret>[A-Za-z0-9/_+=.@\-]{1,512})|"
    r"\$\{(?P<kind>var|env):(?P<name>[A-Za-z_][A-Za-z0-9_.\-/]*)\}|"
    r"\$\{(?P<bare>[A-Za-z_][A-Za-z0-9_]*)\})")
EXAMPLE = "secret:/openmetadata/<name> or ${var:NAME}"
# OpenMetadata's own reference inside a longer text (its CLI's os.path.expandvars would expand
# it there; the runners resolve whole values only).
EMBEDDED = re.compile(r"\$\{(?:(?:var|env):[A-Za-z_][A-Za-z0-9_.\-/]*|[A-Za-z_][A-Za-z0-9_]*)\}")

# Normalised credential names, matched at the end of a normalised key (`dbPassword`,
# `db_password`, `PGPASSWORD` and `ssl-passphrase` all count).
SECRET_SUFFIXES = (
    "password", "passwd", "pwd", "pgpass", "passphrase", "passcode", "secret", "secretkey",
    "secretaccesskey", "sessiontoken", "token", "apikey", "privatekey", "keyfile",
    "credentials", "authorization", "cookie",
)
# Names that end like a credential but hold none.
NOT_SECRETS = ("nopassword", "passwordless", "keyfilepath")
# Where a list or map under a credential name is still a secret (not a nested config block
# such as GCP `credentials: {gcpConfig: ...}`, whose fields are scanned one by one).
CONTAINER_IS_SECRET = tuple(s for s in SECRET_SUFFIXES if s not in ("credentials", "keyfile"))

# Letters that look like Latin ones (Cyrillic and Greek), folded before names are compared.
_LOOK_ALIKES = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456\u0455\u0501\u04cf\u0458\u043a\u0442"
    "\u0432\u043d\u043c\u043f\u03bf\u03b1\u03c1\u03b5\u03c4\u03ba\u03bd\u03b9\u03c5\u0461"
    "\u03c9\ua731",
    "aeopcxyisdljktbhmnoapetkviuwws")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_URL_SCHEMES_WITH_TOKENS = ("http", "https", "git", "ws", "wss")


def is_reference(value: object) -> bool:
    """True when ``value`` is exactly a reference (nothing before or after it)."""
    return isinstance(value, str) and REFERENCE.fullmatch(value) is not None


def reference_kind(value: object) -> str | None:
    """``secret``, ``var`` or ``env`` for a reference (OpenMetadata's ``${NAME}`` is ``env``:
    the environment of the process that runs the workflow), None for anything else."""
    match = REFERENCE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    if match.group("secret") is not None:
        return "secret"
    return match.group("kind") or "env"


def embedded_reference(value: object) -> str | None:
    """The first ``${…}`` reference inside a longer text (None when there is none, or when the
    reference is the whole value)."""
    if not isinstance(value, str) or "${" not in value or is_reference(value):
        return None
    match = EMBEDDED.search(value)
    return match.group(0) if match else None


def normalise_key(key: str) -> str:
    """A field name as compared with credential names: compatibility-folded, look-alike
    letters made Latin, lower case, only letters and digits."""
    folded = unicodedata.normalize("NFKC", key).translate(_LOOK_ALIKES).casefold()
    return _NON_ALNUM.sub("", folded.translate(_LOOK_ALIKES))


@lru_cache(maxsize=8192)
def is_secret_name(key: str) -> bool:
    """True for field names that always hold credentials (a repository has few distinct field
    names, and folding one costs more than looking it up)."""
    name = normalise_key(key)
    return name.endswith(SECRET_SUFFIXES) and not name.endswith(NOT_SECRETS)


def credentials_in(value: str) -> str | None:
    """What credential ``value`` carries in clear ("a URL with a password in it", ...), or
    None. Linear: each whitespace-separated word is looked at a fixed number of times."""
    if "@" not in value and "=" not in value:
        return None  # neither user information nor a `name=value` pair: nothing to find
    for word in value.split():
        found = _url_credentials(word) or _assignment(word)
        if found:
            return found
    return None


def has_url_credentials(value: object) -> bool:
    """True for a string carrying a credential (see :func:`credentials_in`)."""
    return isinstance(value, str) and credentials_in(value) is not None


def plaintext(path: Path, value: object) -> str | None:
    """Why the value at ``path`` is a secret in clear (None: it is not)."""
    name = path[-1] if path and isinstance(path[-1], str) else None
    if name is not None and is_secret_name(name) and not _blank(value):
        if isinstance(value, (dict, list)):
            if normalise_key(name).endswith(CONTAINER_IS_SECRET):
                return f"a secret field holds a {'map' if isinstance(value, dict) else 'list'}"
            return None
        if not is_reference(value):
            return "plaintext secret"
    if isinstance(value, str):
        return credentials_in(value)
    return None


def find_plaintext(tree: Node) -> Iterator[tuple[Path, Node, str]]:
    """Every place in ``tree`` holding a secret in clear: (path, node, why), in tree order."""
    found: list[tuple[Path, Node, str]] = []
    _scan(tree, (), found)
    return iter(found)


def _scan(node: Node, path: Path, found: list[tuple[Path, Node, str]]) -> None:
    # A container is judged by its name and shape only; its leaves are looked at in turn.
    value = node.value
    why = plaintext(path, value)
    if why is not None:
        found.append((path, node, why))
    if type(value) is dict:
        for key, child in value.items():
            _scan(child, (*path, key), found)
    elif type(value) is list:
        for index, child in enumerate(value):
            _scan(child, (*path, index), found)


def is_sensitive(path: Path, value: object) -> bool:
    """True when a message must not quote ``value``: a credential field, or a value that
    carries a credential somewhere inside it."""
    name = path[-1] if path and isinstance(path[-1], str) else None
    if name is not None and is_secret_name(name):
        return True
    return _any_credential(value)


HIDDEN = "(hidden: a secret in clear)"


def redacted(value: object, path: Path = ()) -> object:
    """``value`` (plain data at ``path``) with every secret in clear replaced by
    :data:`HIDDEN`, for output that shows configs (explain)."""
    if plaintext(path, value) is not None:
        return HIDDEN
    if isinstance(value, dict):
        return {k: redacted(v, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v, (*path, i)) for i, v in enumerate(value)]
    return value


def _any_credential(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        return credentials_in(value) is not None
    if depth > 64:
        return True  # deeper than any config we load: say nothing about it
    if isinstance(value, dict):
        return any((isinstance(k, str) and is_secret_name(k) and not _blank(v)
                    and not is_reference(v)) or _any_credential(v, depth + 1)
                   for k, v in value.items())
    if isinstance(value, list):
        return any(_any_credential(v, depth + 1) for v in value)
    return False


def _blank(value: object) -> bool:
    return value is None or isinstance(value, bool) or value in ("", {}, [])


def _url_credentials(word: str) -> str | None:
    scheme, sep, rest = word.partition("://")
    if not sep:
        scheme, rest = "", word.removeprefix("//")
    elif not scheme or not (scheme[0].isalpha() and
                            all(c.isalnum() or c in "+.-" for c in scheme)):
        return None
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, _ = authority.rpartition("@")
    if not at or not userinfo:
        return None
    user, colon, password = userinfo.partition(":")
    if colon and password and not is_reference(password):
        return "a URL with a password in it"
    if not colon and scheme.lower() in _URL_SCHEMES_WITH_TOKENS and not is_reference(user):
        return "a URL with a token as its user name"
    return None


def _assignment(word: str) -> str | None:
    """``name=value`` pieces of a word (a query string, fragment or command-line assignment)
    whose name is a credential name."""
    for piece in re.split(r"[?&#;]", word):
        name, eq, value = piece.partition("=")
        value = value.strip("'\"")
        if eq and value and is_secret_name(name) and not is_reference(value):
            return f"a credential ({name.lstrip('-')}=...) in a string"
    return None
