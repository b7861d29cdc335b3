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

What counts as a secret in clear (the detection model, docs/configuration.md#secrets):

1. The model's secret fields: every field OpenMetadata's schemas mark ``format: password``
   (checked per path by the schema validator; by name here, :func:`model_secret_names`, for
   the secrets hook and for every output that shows configs).
2. Fields whose name is a credential name (:func:`is_secret_name`): the name folded (NFKC,
   look-alike letters made Latin, accents stripped, case folded), cut into words
   (camelCase, snake_case, kebab-case, dotted), and a credential word among them (``password``,
   ``pw``, ``secret``, ``token``, ``passphrase``…, ``api key``, ``user info``…) that no
   qualifier follows (``passwordPath``, ``tokenUrl`` and ``secretsManagerProvider`` name
   something about a secret, not the secret). Such a field holds a reference string; a number,
   list or map there is a secret in another shape.
3. Credentials inside any string, map keys included: the maintained detector and the parsers
   of :mod:`mwaa_gitops.check.secret_forms` (URLs, JSON inside strings, ``name=value`` pairs,
   command lines, Oracle connect strings).

Every check here runs in time linear in the length of the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path as FilePath
from typing import TYPE_CHECKING

from mwaa_gitops.check.secret_forms import carried
from mwaa_gitops.config.provenance import dotted

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

# Credential words: a key holding one of them (as a whole word, plural or not) names a secret.
CREDENTIAL_WORDS = frozenset({
    "password", "passwd", "pwd", "pw", "pass", "passphrase", "passcode", "secret", "token",
    "credential", "credentials", "cookie", "authorization", "jwt", "bearer", "apikey",
    "privatekey", "secretkey", "pgpass", "userinfo", "sig", "signature", "sas",
    "passwort", "kennwort", "contrasena", "senha", "wachtwoord", "motdepasse", "parola",
})
# A single word ending so (`pgpassword`, `sslpassphrase`, `apitoken`) is a credential word too.
CREDENTIAL_ENDINGS = ("password", "passwd", "passphrase", "passcode", "secret", "token",
                      "apikey", "privatekey", "secretkey", "accountkey", "pgpass", "pwd")
# Two words that make a credential name together (`apiKey`, `basic.auth.user.info`).
CREDENTIAL_PAIRS = frozenset({
    ("api", "key"), ("private", "key"), ("secret", "key"), ("account", "key"),
    ("shared", "key"), ("master", "key"), ("signing", "key"), ("client", "key"),
    ("ssl", "key"), ("session", "key"), ("app", "key"), ("auth", "key"), ("user", "info"),
    ("auth", "info"), ("basic", "auth"), ("auth", "header"),
})
# Words after the credential word that make the name one *about* a secret.
QUALIFIERS = frozenset({
    "path", "paths", "file", "filename", "files", "dir", "directory", "folder", "url", "uri",
    "urls", "endpoint", "host", "provider", "manager", "type", "kind", "name", "names", "id",
    "ids", "arn", "expiry", "expiration", "expires", "expire", "ttl", "lifetime", "timeout",
    "length", "len", "policy", "enabled", "enable", "required", "mode", "field", "env", "var",
    "variable", "location", "prefix", "suffix", "loader", "reset", "hint", "prompt", "regex",
    "pattern", "format", "count", "min", "max", "algorithm", "alg", "method", "scheme",
    "version", "source", "ref", "reference", "audience", "issuer", "scope", "scopes",
    "interval", "retries", "size", "strength", "class", "callback", "command", "cmd",
    "script", "config", "configuration", "settings", "options", "params", "through", "store",
    "vault", "header", "lookup", "backend", "rotation", "certificate", "cert", "certs",
})
# First words that make the whole name a switch or a question about a secret.
NEGATORS = frozenset({"no", "is", "has", "use", "using", "require", "requires", "allow",
                      "enable", "disable", "should", "needs", "without", "skip", "ask"})
# Credential words whose list or map is a nested config block, not a secret in another shape
# (GCP's `credentials: {gcpConfig: …}`, `basicAuth: {username, password}`).
BLOCK_WORDS = frozenset({"credential", "credentials", "basic auth", "user info", "auth info",
                         "auth header"})

# Letters that look like Latin ones (Cyrillic and Greek), folded before names are compared.
_LOOK_ALIKES = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456\u0455\u0501\u04cf\u0458\u043a\u0442"
    "\u0432\u043d\u043c\u043f\u03bf\u03b1\u03c1\u03b5\u03c4\u03ba\u03bd\u03b9\u03c5\u0461"
    "\u03c9\ua731",
    "aeopcxyisdljktbhmnoapetkviuwws")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
SCHEMA_DIR = FilePath(__file__).resolve().parent.parent / "data" / "schemas"
# A schema property without nested objects, and the format that makes it a secret field.
_PROPERTY = re.compile(r'"([^"\\]{1,128})"\s*:\s*\{([^{}]*)\}')
_PASSWORD_FORMAT = re.compile(r'"format"\s*:\s*"password"')
# Lower-case look-alikes of capital letters stay capital for the word cut (`\u0420ASSWORD`).
_LOOK_ALIKES_UPPER = str.maketrans(
    "\u0410\u0415\u041e\u0420\u0421\u0425\u0423\u0406\u0405\u041a\u0422\u0412\u041d"
    "\u041c\u039f\u0391\u03a1\u0395\u03a4\u039a\u039d\u0399",
    "AEOPCXYISKTBHMOAPETKNI")


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


def _fold(key: str) -> str:
    """``key`` compatibility-folded, look-alike letters made Latin, accents and invisible
    characters (zero-width spaces, joiners) removed; case kept, for the word cut."""
    text = unicodedata.normalize("NFKC", key).translate(_LOOK_ALIKES_UPPER).translate(_LOOK_ALIKES)
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")


def normalise_key(key: str) -> str:
    """A field name as compared with credential names: folded (:func:`key_words`), lower case,
    only letters and digits."""
    folded = _fold(key).casefold().translate(_LOOK_ALIKES)
    return _NON_ALNUM.sub("", folded)


@lru_cache(maxsize=8192)
def key_words(key: str) -> tuple[str, ...]:
    """The words of a field name, folded and in lower case: ``dbPassword`` → ``db password``,
    ``X-Api-Key`` → ``x api key``, ``sasl.jaas.config`` → ``sasl jaas config``,
    ``HTTPHeader`` → ``http header``, ``oauth2Token`` → ``oauth 2 token``."""
    words: list[str] = []
    current = ""
    text = _fold(key)
    for index, char in enumerate(text):
        if not char.isalnum():
            words.append(current)
            current = ""
            continue
        if current:
            last = current[-1]
            after = text[index + 1] if index + 1 < len(text) else ""
            if (char.isupper() and (last.islower() or (last.isupper() and after.islower()))) \
                    or char.isdigit() != last.isdigit():
                words.append(current)
                current = ""
        current += char
    words.append(current)
    return tuple(w.casefold().translate(_LOOK_ALIKES) for w in words if w)


def _credential_word(word: str) -> bool:
    if word in CREDENTIAL_WORDS or (word.endswith("s") and word[:-1] in CREDENTIAL_WORDS):
        return True
    return any(word.endswith(end) and len(word) > len(end) for end in CREDENTIAL_ENDINGS)


def _credential(key: str) -> str | None:
    """The credential word (or pair) that makes ``key`` a credential name, or None."""
    words = key_words(key)
    if not words or words[0] in NEGATORS:
        return None
    for index, word in enumerate(words):
        pair = " ".join(words[index:index + 2])
        if tuple(words[index:index + 2]) in CREDENTIAL_PAIRS:
            found, rest = pair, words[index + 2:]
        elif _credential_word(word):
            found, rest = word, words[index + 1:]
        else:
            continue
        if not any(w in QUALIFIERS for w in rest):
            return found
    return None


@lru_cache(maxsize=8192)
def is_secret_name(key: str) -> bool:
    """True for field names that always hold credentials: a credential word of the folded
    name, or a field the model marks ``format: password`` (a repository has few distinct field
    names, and folding one costs more than looking it up)."""
    return _credential(key) is not None or key in model_secret_names()


@cache
def model_secret_names() -> frozenset[str]:
    """Field names OpenMetadata's model marks ``format: password`` wherever it defines them
    (``basicAuthUserInfo``, ``sslKey``, ``privateKeyValue``, ``jwt``…), read from the vendored
    workflow schemas of every supported line. A name the model also defines without the format
    (``clientId``) is checked per path by the schema validator only."""
    secret: set[str] = set()
    plain: set[str] = set()
    for schema in sorted(SCHEMA_DIR.glob("openmetadata/*/*.schema.json")):
        for match in _PROPERTY.finditer(schema.read_text(encoding="utf-8")):
            (secret if _PASSWORD_FORMAT.search(match.group(2)) else plain).add(match.group(1))
    return frozenset(name for name in secret if name not in plain or _credential(name))


@lru_cache(maxsize=1 << 14)
def credentials_in(value: str, key: str | None = None) -> str | None:
    """What credential ``value`` carries in clear ("a URL with a password in it", ...), or
    None; ``key`` is the name of its field, which tells a digest from a hex key. Linear in the
    length of ``value`` (:mod:`mwaa_gitops.check.secret_forms`). Kept per text: every layer
    an environment extends is checked, and they share most of their values."""
    return carried(value, is_secret_name, is_reference, key_words(key) if key else ())


def has_url_credentials(value: object) -> bool:
    """True for a string carrying a credential (see :func:`credentials_in`)."""
    return isinstance(value, str) and credentials_in(value) is not None


def plaintext(path: Path, value: object) -> str | None:
    """Why the value at ``path`` is a secret in clear (None: it is not)."""
    name = path[-1] if path and isinstance(path[-1], str) else None
    if name is not None and is_secret_name(name) and not _blank(value):
        if isinstance(value, (dict, list)):
            if _credential(name) not in BLOCK_WORDS:
                return f"a secret field holds a {'map' if isinstance(value, dict) else 'list'}"
            return None
        if not is_reference(value):
            return "plaintext secret"
    if isinstance(value, str) and not is_reference(value):
        return credentials_in(value, name)
    return None


def key_carries(key: object) -> str | None:
    """Why a map *key* is a secret in clear (a URL with a password, a token…), or None."""
    if not isinstance(key, str):
        return None
    why = credentials_in(key)
    return f"a map key that holds {why}" if why else None


def shown_path(path: Path) -> str:
    """``path`` as messages show it (``a.b[0]``), each map key that carries a secret hidden."""
    return dotted(tuple(HIDDEN_KEY.format("") if key_carries(part) else part
                        for part in path))


def shown_key(key: object) -> str:
    """A map key as messages quote it: hidden when it carries a secret."""
    return HIDDEN_KEY.format("") if key_carries(key) else str(key)


def find_plaintext(tree: Node) -> Iterator[tuple[Path, Node, str]]:
    """Every place in ``tree`` holding a secret in clear: (path, node, why), in tree order."""
    found: list[tuple[Path, Node, str]] = []
    _scan(tree, (), found)
    return iter(found)


def _scan(node: Node, path: Path, found: list[tuple[Path, Node, str]],
          judged: bool = False) -> None:
    # A container is judged by its name and shape only; its leaves are looked at in turn.
    value = node.value
    why = None if judged else plaintext(path, value)
    if why is not None:
        found.append((path, node, why))
    if type(value) is dict:
        for key, child in value.items():
            in_key = key_carries(key)
            if in_key is not None:  # reported under the map's path: the key is the secret
                found.append((path, child, in_key))
            _scan(child, (*path, key), found, judged=in_key is not None)
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
HIDDEN_KEY = "(hidden key{})"


def redacted(value: object, path: Path = ()) -> object:
    """``value`` (plain data at ``path``) with every secret in clear replaced by
    :data:`HIDDEN`: what the scanner finds, and every credential field's value (the model's
    ``format: password`` fields included), for every output that shows configs (explain)."""
    if plaintext(path, value) is not None:
        return HIDDEN
    if isinstance(value, dict):
        shown: dict[object, object] = {}
        for number, (k, v) in enumerate(value.items(), 1):
            key = HIDDEN_KEY.format(f" {number}") if key_carries(k) else k
            shown[key] = redacted(v, (*path, k))
        return shown
    if isinstance(value, list):
        return [redacted(v, (*path, i)) for i, v in enumerate(value)]
    return value


def _any_credential(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        return credentials_in(value) is not None
    if depth > 64:
        return True  # deeper than any config we load: say nothing about it
    if isinstance(value, dict):
        return any((isinstance(k, str) and (key_carries(k) is not None or (
                    is_secret_name(k) and not _blank(v) and not is_reference(v))))
                   or _any_credential(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_any_credential(v, depth + 1) for v in value)
    return False


def _blank(value: object) -> bool:
    return value is None or isinstance(value, bool) or value in ("", {}, [])
