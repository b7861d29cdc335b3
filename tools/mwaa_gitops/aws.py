"""The one boto3 session of the process, shared by the S3 target, MWAA updates and verify."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from boto3.session import Session


@functools.cache
def aws_session() -> Session:
    """One boto3 session per process: loading service models is the slow part of a client."""
    import boto3

    session = boto3.session.Session()
    # dateutil's generic parser took most of the time of parsing a 1,000-key listing page.
    session._session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=_timestamp)
    return session


def _timestamp(value: str) -> datetime:
    """S3's ISO 8601 timestamps through the C parser; anything else as botocore reads it."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        from botocore.utils import parse_timestamp

        return parse_timestamp(value)
