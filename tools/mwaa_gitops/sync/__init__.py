"""Stages 5 and 6, plan and apply: put exactly an environment's rendered tree into its target.

``targets`` hides where the files go (an S3 bucket or a local folder), ``manifest`` records
what this repository owns there, ``plan`` compares by content hash (pure), ``apply`` writes
in a crash-safe order, ``lock`` keeps two syncs apart, ``mwaa`` updates the environment when
its requirements, plugins or startup script changed, and ``deploy`` wires them together.

Layer: sync. May import the ground modules, ``facts``, ``config``, ``check`` and ``render``;
never verify or commands.
"""

from __future__ import annotations


class SyncError(Exception):
    """A sync that cannot go on; the message is written for the user."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
