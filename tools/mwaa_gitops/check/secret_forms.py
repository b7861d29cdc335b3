"""The forms a credential takes inside a text, each read the way its consumer reads it.

:mod:`mwaa_gitops.check.secrets` decides *where* a secret may sit (by field name); this module
answers whether a string *carries* one, wherever it sits:

- a maintained detector, Yelp's detect-secrets: its plugins for private keys (PEM blocks),
  JSON Web Tokens, AWS, Azure storage, GitHub, GitLab, Slack, Stripe, SendGrid, Twilio, OpenAI,
  PyPI, npm, Discord, Telegram, Mailchimp, Square and Artifactory credentials, basic auth in
  URLs, and its Shannon-entropy measures of base64 and hex strings;
- parsers for the forms of this field that no generic detector knows: database URLs as
  SQLAlchemy (``make_url``) and libpq read them (the password runs to the ``@``, through
  ``/``, ``?`` and ``#``); JSON inside a string (a service account's key file); ``name = value``
  pairs (JAAS ``sasl.jaas.config``, libpq and ODBC connection strings, Azure connection
  strings and SAS tokens, query strings, HTTP headers such as ``Authorization: Bearer …``);
  command lines (``-pPW`` and ``-p PW`` of the database clients, ``--password PW``,
  ``-u user:pw``); Oracle's ``user/password@service``.

Whether a *name* is a credential name is the caller's question (``is_secret_name``), passed in,
so this module stays below the name model. Every check runs in time linear in the length of
the text: tokens are cut by character class first, and the detector's patterns only see
tokens of bounded length or patterns that cannot backtrack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

NameTest = Callable[[str], bool]
RefTest = Callable[[str], bool]

# Above this, a token is not handed to a detector pattern (no credential is this long).
LONGEST_TOKEN = 4096
# JSON inside a string is parsed up to this size, and this deep.
LONGEST_JSON = 1024 * 1024
DEEPEST_JSON = 32
# detect-secrets' own limits for its entropy plugins, and the shortest token they judge here.
BASE64_LIMIT = 4.5
HEX_LIMIT = 3.0
SHORTEST_HEX = 32
# Words of a key under which a long hex string is a digest, not a key.
DIGEST_WORDS = frozenset({"sha", "sha1", "sha256", "sha512", "md5", "digest", "hash", "checksum",
                          "commit", "revision", "rev", "etag", "fingerprint", "id", "uuid",
                          "version", "image"})

_BASE64_RUN = re.compile(r"[A-Za-z0-9+/=_\-]+")
_HEX = re.compile(r"[0-9a-fA-F]+")
_JWT_RUN = re.compile(r"[A-Za-z0-9_\-=.+/]+")
_DIGEST_PREFIX = re.compile(r"(?:sha1|sha224|sha256|sha384|sha512|md5):\Z", re.IGNORECASE)
# `name = value`, `name: value`, `name=value` inside a text. Bounded name, bounded spacing;
# each quoted alternative stops at its own quote, so the scan stays linear.
_ASSIGNMENT = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.\-]{0,63})[ \t]{0,8}(?P<sep>[=:])[ \t]{0,8}"
    r"(?P<value>\$\{[^}\s]{0,256}\}|\"[^\"\n]*\"|'[^'\n]*'|[^\s;&,\"'()<>=:]+)")
# HTTP authorization schemes, which are followed by the credential itself.
_AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "digest", "negotiate", "apikey", "sso"})
# URL schemes whose authority ends at the first `/`, `?` or `#` (WHATWG); a user name alone is
# then a token (`https://TOKEN@github.com`).
WEB_SCHEMES = frozenset({"http", "https", "git", "ws", "wss", "ftp", "ftps"})
# Schemes written without `//` whose `scheme:x@y` is no user information.
_OPAQUE_SCHEMES = frozenset({"mailto", "urn", "arn", "tel", "sip", "xmpp", "news", "data"})
# Database and transfer clients whose short option takes a password (`mysql -pPW`, `-p PW`).
PASSWORD_OPTIONS = {
    "mysql": "p", "mysqldump": "p", "mysqladmin": "p", "mysqlimport": "p", "mysqlpump": "p",
    "mysqlsh": "p", "mariadb": "p", "mariadb-dump": "p", "mariadb-admin": "p", "mongo": "p",
    "mongosh": "p", "mongodump": "p", "mongorestore": "p", "mongoexport": "p",
    "mongoimport": "p", "sshpass": "p", "redis-cli": "a", "sqlcmd": "P", "bcp": "P",
    "osql": "P", "isql": "P", "vsql": "w", "clickhouse-client": "", "sqlplus": "",
    "sqlldr": "", "expdp": "", "impdp": "", "exp": "", "imp": "", "rman": "", "dgmgrl": "",
    "curl": "", "wget": "",
}
ORACLE_CLIENTS = frozenset({"sqlplus", "sqlldr", "expdp", "impdp", "exp", "imp", "rman",
                            "dgmgrl"})
# Oracle's `user/password@connect`: the connect part as EZConnect (`//host`, `host:1521/svc`)
# or a descriptor (`(DESCRIPTION=…)`); `a/b@example.com` alone is a path with an address in it.
_ORACLE = re.compile(r"(?P<user>[A-Za-z0-9_$#.\"]{1,128})/(?P<pw>[^/@\s]{1,256})@(?P<at>\S*)")
_EZCONNECT = re.compile(r"(?://|\(|[A-Za-z0-9.\-]{1,253}:\d{1,5}/)")


def carried(value: str, is_name: NameTest, is_ref: RefTest, key_words: Iterable[str] = (),
            depth: int = 0) -> str | None:
    """What credential ``value`` carries in clear, as a message naming its form, or None.

    ``is_name`` tells credential names (``password``, ``sig``, ``AccountKey``…), ``is_ref``
    a reference (``${env:X}``); ``key_words`` are the words of the field's name, which tell a
    digest (``sha256``, ``commit``) from a hex key."""
    if not value or value.isspace():
        return None
    return (_json_inside(value, is_name, is_ref, depth)
            or _detected(value, frozenset(key_words))
            or _url_credentials(value, is_ref)
            or _assignments(value, is_name, is_ref)
            or _command_line(value, is_name, is_ref))


# --- the maintained detector -------------------------------------------------------------

@cache
def _plugins() -> tuple[Any, ...]:
    """detect-secrets' pattern plugins, imported when first needed (the package costs a few
    hundred milliseconds to import, which a file without strings never pays)."""
    from detect_secrets.plugins.artifactory import ArtifactoryDetector
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
    from detect_secrets.plugins.basic_auth import BasicAuthDetector
    from detect_secrets.plugins.discord import DiscordBotTokenDetector
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
    from detect_secrets.plugins.mailchimp import MailchimpDetector
    from detect_secrets.plugins.npm import NpmDetector
    from detect_secrets.plugins.openai import OpenAIDetector
    from detect_secrets.plugins.private_key import PrivateKeyDetector
    from detect_secrets.plugins.pypi_token import PypiTokenDetector
    from detect_secrets.plugins.sendgrid import SendGridDetector
    from detect_secrets.plugins.slack import SlackDetector
    from detect_secrets.plugins.square_oauth import SquareOAuthDetector
    from detect_secrets.plugins.stripe import StripeDetector
    from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
    from detect_secrets.plugins.twilio import TwilioKeyDetector

    return (PrivateKeyDetector(), AWSKeyDetector(), AzureStorageKeyDetector(),
            BasicAuthDetector(), GitHubTokenDetector(), GitLabTokenDetector(), SlackDetector(),
            StripeDetector(), SendGridDetector(), TwilioKeyDetector(), PypiTokenDetector(),
            DiscordBotTokenDetector(), TelegramBotTokenDetector(), MailchimpDetector(),
            SquareOAuthDetector(), ArtifactoryDetector(), NpmDetector(), OpenAIDetector())


@cache
def _entropy() -> tuple[Any, Any]:
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
    )

    return Base64HighEntropyString(limit=BASE64_LIMIT), HexHighEntropyString(limit=HEX_LIMIT)


# Patterns that could backtrack over a long line (npm's `//.+/:_authToken=`, OpenAI's
# `sk-…T3BlbkFJ…`) only see the first lines holding their anchor text, each of bounded length.
LONGEST_LINE = 512
ANCHORED_LINES = 64
_ANCHORED = {"NpmDetector": "_authToken", "OpenAIDetector": "T3BlbkFJ", "MailchimpDetector": "-us"}


def _detected(value: str, key_words: frozenset[str]) -> str | None:
    """The detector's verdict: a known credential shape, a JWT, or a high-entropy token. The
    other patterns run once over the whole text (none backtracks beyond a bounded run)."""
    for plugin in _plugins():
        anchor = _ANCHORED.get(type(plugin).__name__)
        texts = [value] if anchor is None else [
            line for line in value.splitlines() if anchor in line and len(line) <= LONGEST_LINE
        ][:ANCHORED_LINES]
        if any(True for text in texts for _ in plugin.analyze_string(text)):
            if type(plugin).__name__ == "PrivateKeyDetector":
                return "a private key in clear"
            return f"a credential in clear ({plugin.secret_type})"
    if _jwt(value):
        return "a credential in clear (JSON Web Token)"
    return _high_entropy(value, key_words)


def _jwt(value: str) -> bool:
    from detect_secrets.plugins.jwt import JwtTokenDetector

    if "eyJ" not in value:
        return False
    for run in _JWT_RUN.findall(value):
        start = run.find("eyJ")
        parts = run[start:].split(".") if start >= 0 else []
        if len(parts) >= 2 and parts[1] and JwtTokenDetector.is_formally_valid(
                ".".join(parts[:3])):
            return True
    return False


def _high_entropy(value: str, key_words: frozenset[str]) -> str | None:
    base64, hexadecimal = _entropy()
    digests = bool(key_words & DIGEST_WORDS)
    for match in _BASE64_RUN.finditer(value):
        token = match.group(0).strip("=-_/")
        if len(token) < 20 or len(token) > LONGEST_TOKEN:
            continue
        if _HEX.fullmatch(token):
            prefix = value[max(0, match.start() - 7):match.start()]
            if (len(token) >= SHORTEST_HEX and not digests and not _DIGEST_PREFIX.search(prefix)
                    and hexadecimal.calculate_shannon_entropy(token) > HEX_LIMIT):
                return "a high-entropy hex string (a key or token) in clear"
            continue
        # A path or a URL is words, not a key: judge each piece between its slashes (a base64
        # key has a few slashes at most, and stands alone).
        raw = match.group(0)
        path = raw.startswith("/") or raw.count("/") > 3 or "://" in value
        for piece in (token.split("/") if path else [token]):
            if len(piece) >= 20 and _mixed(piece) and \
                    base64.calculate_shannon_entropy(piece) > BASE64_LIMIT:
                return "a high-entropy string (a key or token) in clear"
    return None


def _mixed(token: str) -> bool:
    """Upper case, lower case and digits together: what a generated key looks like."""
    return (any(c.isdigit() for c in token) and any(c.isupper() for c in token)
            and any(c.islower() for c in token))


# --- JSON inside a string ----------------------------------------------------------------

def _json_inside(value: str, is_name: NameTest, is_ref: RefTest, depth: int) -> str | None:
    text = value.strip()
    if depth >= 2 or len(text) > LONGEST_JSON or text[:1] not in "{[" or text[-1:] not in "}]":
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return _json_value(data, is_name, is_ref, depth + 1, 0)


def _json_value(data: object, is_name: NameTest, is_ref: RefTest, depth: int,
                level: int) -> str | None:
    if level > DEEPEST_JSON:
        return None
    if isinstance(data, dict):
        for key, item in data.items():
            if is_name(key) and _filled(item) and not isinstance(item, (dict, list)) and \
                    not (isinstance(item, str) and is_ref(item)):
                return f"a credential ({key}) in JSON inside a string"
            found = (carried(key, is_name, is_ref, (), depth) or
                     _json_value(item, is_name, is_ref, depth, level + 1))
            if found:
                return found
    elif isinstance(data, list):
        for item in data:
            found = _json_value(item, is_name, is_ref, depth, level + 1)
            if found:
                return found
    elif isinstance(data, str):
        return carried(data, is_name, is_ref, (), depth)
    return None


def _filled(value: object) -> bool:
    return not (value is None or isinstance(value, bool) or value in ("", {}, []))


# --- URLs --------------------------------------------------------------------------------

def _url_credentials(value: str, is_ref: RefTest) -> str | None:
    if "@" not in value:
        return None
    for word in value.split():
        if "@" in word:
            found = _userinfo(word.strip("\"'<>()[],;"), is_ref)
            if found:
                return found
    return None


def _userinfo(word: str, is_ref: RefTest) -> str | None:
    """User information in ``word``, read as SQLAlchemy's ``make_url`` and libpq read it: the
    user runs to the first ``:`` (no ``/`` in it), the password from there to the ``@`` —
    ``/``, ``?`` and ``#`` included. A web URL's authority ends at its first ``/?#``, so
    ``https://host:443/p@x`` is a host and a port."""
    scheme, sep, rest = word.partition("://")
    if sep:
        if not scheme or not (scheme[0].isalpha() and
                              all(c.isalnum() or c in "+.-" for c in scheme)):
            return None
    else:
        scheme, rest = "", word.removeprefix("//")
    userinfo, at, _ = rest.partition("@")
    if not at or not userinfo:
        return None
    user, colon, password = userinfo.partition(":")
    if not sep and user.lower() in _OPAQUE_SCHEMES:
        return None
    if any(c in user for c in "/?#"):
        return None
    if colon:
        port, cut, _ = _cut_at_path(password)
        if cut and (port.isdigit() or not port):
            return None  # host:port/path, an `@` further on is in the path
        if password and not is_ref(password) and not _masked(password):
            return "a URL with a password in it"
        return None
    if scheme.lower() in WEB_SCHEMES and user and not is_ref(user):
        return "a URL with a token as its user name"
    return None


def _cut_at_path(text: str) -> tuple[str, bool, str]:
    for index, char in enumerate(text):
        if char in "/?#":
            return text[:index], True, text[index:]
    return text, False, ""


# --- name = value ------------------------------------------------------------------------

def _assignments(value: str, is_name: NameTest, is_ref: RefTest) -> str | None:
    """``name=value`` and ``name: value`` pairs with a credential name: query strings, JAAS,
    libpq/ODBC/Azure connection strings, SAS tokens, headers, shell assignments."""
    if "=" not in value and ":" not in value:
        return None
    position = 0
    while True:
        match = _ASSIGNMENT.search(value, position)
        if match is None:
            return None
        # The value may hold pairs of its own (`https://x/?token=…`, `a: "b=c"`).
        position = match.start("value")
        name = match.group("name").strip(".-")
        if not is_name(name) or is_ref(match.group(0)):
            continue
        found = match.group("value").strip("\"'").strip()
        if match.group("sep") == ":" and found.startswith("//"):
            continue  # `token://…`: a URL scheme, not a pair
        scheme, _, rest = found.partition(" ")
        if scheme.casefold() in _AUTH_SCHEMES:
            after = value[match.end():].split(None, 1)
            found = rest.strip() or (after[0].strip("\"'") if after else "")
        if found and not is_ref(found) and not _masked(found):
            return f"a credential ({name}{match.group('sep')}...) in a string"


def _masked(value: str) -> bool:
    """``****`` or ``xxxx``: what a tool prints in place of a password."""
    return len(set(value)) == 1 and value[0] in "*xX•"


# --- command lines -----------------------------------------------------------------------

def _command_line(value: str, is_name: NameTest, is_ref: RefTest) -> str | None:
    tokens = [t.strip("\"'") for t in value.split()]
    command = ""
    for index, token in enumerate(tokens):
        base = token.rsplit("/", 1)[-1]
        if base in PASSWORD_OPTIONS:
            command = base
            continue
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token.startswith("--") and "=" not in token and is_name(token[2:]) and \
                after and not after.startswith("-") and not is_ref(after):
            return f"a credential ({token} ...) on a command line"
        short = PASSWORD_OPTIONS.get(command, "")
        if short and token.startswith(f"-{short}") and not token.startswith("--"):
            glued = token[2:]
            password = glued or (after if not after.startswith("-") else "")
            if password and not is_ref(password):
                return f"a password (-{short}) on a command line"
        password = after.partition(":")[2]
        if command in ("curl", "wget") and token in ("-u", "--user") and password and \
                not is_ref(password):
            return f"a password ({token} user:...) on a command line"
        if "/" in token and "@" in token:
            oracle = _ORACLE.fullmatch(token)
            if oracle and not is_ref(oracle.group("pw")) and (
                    command in ORACLE_CLIENTS or _EZCONNECT.match(oracle.group("at"))):
                return "an Oracle user/password@connect string"
    return None
