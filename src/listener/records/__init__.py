"""The typed records that cross topics, and their JSON codecs.

Records are frozen dataclasses (a scored post on its way to the windows, a named tuple); on
the wire they are one JSON object (UTF-8) per Kafka message, encoded with orjson:
``posts`` (the raw topic), ``scored`` (the scored topic), ``alerts`` and ``deadletters``.
"""

from listener.errors import InvalidPost
from listener.records.alerts import Alert, SamplePost
from listener.records.deadletters import DeadLetter
from listener.records.posts import (
    MAX_BUNDLE_POSTS,
    MAX_POST_BYTES,
    MAX_TEXT_CHARS,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    UNKNOWN,
    Post,
    parse_post,
    parse_raw_message,
    parse_timestamp,
    post_from_dict,
)
from listener.records.scored import Counted, ScoredBatch, ScoredPost

__all__ = [
    "MAX_BUNDLE_POSTS",
    "MAX_POST_BYTES",
    "MAX_TEXT_CHARS",
    "NEGATIVE",
    "NEUTRAL",
    "POSITIVE",
    "UNKNOWN",
    "Alert",
    "Counted",
    "DeadLetter",
    "InvalidPost",
    "Post",
    "SamplePost",
    "ScoredBatch",
    "ScoredPost",
    "parse_post",
    "parse_raw_message",
    "parse_timestamp",
    "post_from_dict",
]
