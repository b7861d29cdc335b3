"""Bucket keys that cannot collide: the keys MWAA's settings name against the rendered ones.

``mwaa.requirementsPath``, ``pluginsPath`` and ``startupScriptPath`` name objects of the
environment's bucket. One equal to a rendered file's key would replace that file (the
requirements are written last) or hand MWAA a DAG as its plugins; one that is the folder of a
rendered file, or its parent, cannot sit beside it in a folder target and is read by MWAA as
neither; one equal to another only in letter case is the same object for the tools and file
systems that fold case (macOS, Windows, S3 clients syncing to them). Checked after rendering,
against the keys the renderers name (given by the caller, as render owns the layout), and
reported at the setting.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from mwaa_gitops.diagnostics import Diagnostic, Location

if TYPE_CHECKING:
    from mwaa_gitops.config.environments import MergedEnvironment

SETTINGS = ("requirementsPath", "pluginsPath", "startupScriptPath")
HINT = ("give mwaa.requirementsPath, pluginsPath and startupScriptPath keys of their own, "
        "outside mwaa.dagsPrefix's folders (e.g. requirements.txt, plugins.zip, startup.sh)")


def setting_key_collisions(env: MergedEnvironment, values: Mapping[str, str | None],
                           produced: Mapping[str, str]) -> Iterator[Diagnostic]:
    """Each of ``values`` (a setting of :data:`SETTINGS` → the key it names, defaults
    included) against ``produced`` (every rendered key but the settings' own → what it holds,
    e.g. "the DAG of workflow 'x'") and against each other."""
    keys = {s: key for s in SETTINGS if (key := values.get(s))}
    for setting, key in keys.items():
        problem = _collision(key, produced)
        if problem is not None:
            yield Diagnostic(_where(env, setting), f"'{key}' {problem}", HINT, "key-collision",
                             subject=f"mwaa.{setting}")
    pairs = [(a, b) for i, a in enumerate(keys) for b in list(keys)[i + 1:]]
    for first, second in pairs:
        # At the one a file sets (a default is no line to point at), the later one if both.
        nodes = [env.settings.get("mwaa", first), env.settings.get("mwaa", second)]
        later = nodes[1] is not None and (nodes[0] is None or env.layer_of(
            nodes[1].location) >= env.layer_of(nodes[0].location))
        here, other = (second, first) if later else (first, second)
        problem = _collision(keys[here], {keys[other]: f"the key of mwaa.{other}"})
        if problem is not None:
            yield Diagnostic(_where(env, here), f"'{keys[here]}' {problem}", HINT,
                             "key-collision", subject=f"mwaa.{here}")


def _where(env: MergedEnvironment, setting: str) -> Location:
    node = env.settings.get("mwaa", setting)
    return node.location if node is not None else env.location


def _collision(key: str, others: Mapping[str, str]) -> str | None:
    """How ``key`` collides with one of ``others`` (None: it does not)."""
    if key in others:
        return f"is also the bucket key of {others[key]}, which it would replace"
    folded = key.casefold()
    for other, what in others.items():
        if other.casefold() == folded:
            return (f"differs only in letter case from '{other}', {what}: one object where "
                    "case is folded (macOS, Windows)")
    parents = {p.as_posix() for p in PurePosixPath(key).parents}
    for other, what in others.items():
        if other in parents:
            return f"lies under '{other}', {what}, which is a file"
        if key in {p.as_posix() for p in PurePosixPath(other).parents}:
            return f"is the folder of '{other}', {what}"
    return None
