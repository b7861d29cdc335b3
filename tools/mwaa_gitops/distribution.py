"""How the running mwaa-gitops was installed, as the requirement line that installs it again.

pip and uv record a direct install (a wheel or archive URL, a VCS checkout, a local folder) in the
distribution's ``direct_url.json`` (PEP 610); an install from a package index records none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from mwaa_gitops import __version__

NAME = "mwaa-gitops"
LOCAL_SCHEME = "file://"
# pip < 24 (the one Python 3.11 and 3.12 ship) rejects `git+file:///path`, a VCS URL with no
# host, as an invalid requirement; `git+file://localhost/path` is the same to git and to
# every pip and uv.
LOCAL_HOST = "file://localhost/"


@dataclass(frozen=True, slots=True)
class Requirement:
    """A requirement line, and why it may not install elsewhere (``None``: it will)."""

    line: str
    local_only: str | None = None


def running_requirement() -> Requirement:
    """The requirement that installs the mwaa-gitops running now."""
    try:
        dist = metadata.distribution(NAME)
    except metadata.PackageNotFoundError:
        # Imported from a source tree without an install: the version is all we know.
        return Requirement(f"{NAME}=={__version__}", "a source tree (it is not installed)")
    text = dist.read_text("direct_url.json")
    return requirement_from(json.loads(text) if text else None, dist.version)


def requirement_from(direct_url: dict[str, Any] | None, version: str) -> Requirement:
    """The requirement for an install described by ``direct_url`` (PEP 610; ``None``: from an
    index, at ``version``)."""
    if direct_url is None:
        return Requirement(f"{NAME}=={version}")
    url = str(direct_url["url"])
    local = "a path on this machine" if url.startswith(LOCAL_SCHEME) else None
    subdirectory = direct_url.get("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
    if "vcs_info" in direct_url:
        vcs = direct_url["vcs_info"]
        if url.startswith(LOCAL_SCHEME + "/"):
            url = LOCAL_HOST + url[len(LOCAL_SCHEME) + 1:]
        # The exact commit: a branch or tag that moves later would install something else.
        return Requirement(f"{NAME} @ {vcs['vcs']}+{url}@{vcs['commit_id']}{fragment}", local)
    if "dir_info" in direct_url:
        # A folder is built when installed: what it installs changes with every edit there.
        where = local or f"the folder {url}"
        return Requirement(f"{NAME} @ {url}{fragment}", f"{where}, as it is when installed")
    return Requirement(f"{NAME} @ {url}{fragment}", local)
