"""Posts as they come in: the post record, its checks (each refusal an
:class:`~listener.errors.InvalidPost` naming the field), and the raw topic's messages of one
post or a bundle of them. The post format is also the replay file format (one object per
line): see docs/record-format.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from listener.errors import InvalidPost

#: Largest raw post accepted, in bytes. Larger ones are dead-lettered as ``too_large``.
MAX_POST_BYTES: Final = 64 * 1024
#: Longest post text accepted, in characters.
MAX_TEXT_CHARS: Final = 20_000

_SOURCE_RE: Final = re.compile(r"[a-z][a-z0-9_-]{0,31}")

#: Sentiment labels. ``unknown`` means the post's language is not one listener reads.
NEGATIVE: Final = "negative"
NEUTRAL: Final = "neutral"
POSITIVE: Final = "positive"
UNKNOWN: Final = "unknown"


@dataclass(frozen=True, slots=True)
class Post:
    """One post or comment, whatever its source."""

    id: str
    source: str
    created_at: datetime
    text: str
    author_id: str
    author_handle: str | None = None
    author_followers: int | None = None
    url: str | None = None
    lang: str | None = None
    in_reply_to: str | None = None
    channel: str | None = None
    likes: int | None = None
    shares: int | None = None

    @property
    def key(self) -> str:
        """Globally unique identity: the same post from the same source has the same key."""
        return f"{self.source}:{self.id}"

    @property
    def ts(self) -> float:
        """Event time as POSIX seconds."""
        return self.created_at.timestamp()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "created_at": self.created_at.isoformat(),
            "text": self.text,
            "author_id": self.author_id,
            "author_handle": self.author_handle,
            "author_followers": self.author_followers,
            "url": self.url,
            "lang": self.lang,
            "in_reply_to": self.in_reply_to,
            "channel": self.channel,
            "likes": self.likes,
            "shares": self.shares,
        }

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_dict())


_REQUIRED_STR: Final = ("id", "source", "text", "author_id")
_OPTIONAL_STR: Final = ("author_handle", "url", "lang", "in_reply_to", "channel")
_OPTIONAL_INT: Final = ("author_followers", "likes", "shares")


def parse_timestamp(value: object, name: str = "created_at") -> datetime:
    """Parse an RFC 3339 timestamp that carries a UTC offset."""
    if not isinstance(value, str):
        raise InvalidPost("wrong_type", f"{name} must be a string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidPost("bad_timestamp", f"{name} {value[:40]!r} is not RFC 3339") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidPost("bad_timestamp", f"{name} {value[:40]!r} has no UTC offset")
    try:
        # Within a day of year 1 or 9999 the offset can carry a time out of range: it has
        # no UTC value to be counted by.
        parsed.astimezone(UTC)
    except OverflowError:
        raise InvalidPost("bad_timestamp", f"{name} {value[:40]!r} is out of range") from None
    return parsed


#: Every field a post may carry besides ``created_at``: name, type, required.
_FIELDS: Final = (
    *((name, str, True) for name in _REQUIRED_STR),
    *((name, str, False) for name in _OPTIONAL_STR),
    *((name, int, False) for name in _OPTIONAL_INT),
)


def _wrong_type(name: str, kind: type, value: object) -> InvalidPost:
    return InvalidPost("wrong_type", f"{name} must be {kind.__name__}, got {type(value).__name__}")


def post_from_dict(data: object) -> Post:
    """Validate a decoded JSON value as a post; raises :class:`InvalidPost` with the reason.

    Every post of every source and replay comes through here: a post whose fields all have
    their types is checked in one expression and built positionally; any other is checked
    field by field, which names what is wrong."""
    if type(data) is dict:
        get = data.get
        id_, source, text, author_id = get("id"), get("source"), get("text"), get("author_id")
        handle, url, lang = get("author_handle"), get("url"), get("lang")
        reply, channel = get("in_reply_to"), get("channel")
        followers, likes, shares = get("author_followers"), get("likes"), get("shares")
        if (
            type(id_) is str and id_ and type(source) is str and type(text) is str
            and type(author_id) is str
            and (handle is None or type(handle) is str) and (url is None or type(url) is str)
            and (lang is None or type(lang) is str) and (reply is None or type(reply) is str)
            and (channel is None or type(channel) is str)
            and (followers is None or (type(followers) is int and followers >= 0))
            and (likes is None or (type(likes) is int and likes >= 0))
            and (shares is None or (type(shares) is int and shares >= 0))
            and len(text) <= MAX_TEXT_CHARS and _SOURCE_RE.fullmatch(source)
        ):  # fmt: skip
            created_at = get("created_at")
            if created_at is None:
                raise InvalidPost("missing_field", "created_at is required")
            return Post(
                id_, source, parse_timestamp(created_at), text, author_id, handle, followers,
                url, lang, reply, channel, likes, shares,
            )  # fmt: skip
    return _post_checked(data)


def _post_checked(data: object) -> Post:
    """:func:`post_from_dict` field by field, raising for the first field that is wrong."""
    if not isinstance(data, dict):
        raise InvalidPost("not_an_object", f"expected a JSON object, got {type(data).__name__}")
    get = data.get
    values: dict[str, Any] = {}
    for name, kind, required in _FIELDS:
        value = get(name)
        if value is None:
            if required:
                raise InvalidPost("missing_field", f"{name} is required")
        # An exact type: bool is an int in Python, and a count of likes is never true.
        elif type(value) is not kind:
            raise _wrong_type(name, kind, value)
        values[name] = value
    for name in _OPTIONAL_INT:
        number = values[name]
        if number is not None and number < 0:
            raise InvalidPost("wrong_type", f"{name} must not be negative, got {number}")
    if not values["id"]:
        raise InvalidPost("missing_field", "id is empty")
    if not _SOURCE_RE.fullmatch(values["source"]):
        raise InvalidPost("bad_source", f"source {values['source'][:40]!r} is not a source name")
    if len(values["text"]) > MAX_TEXT_CHARS:
        raise InvalidPost("too_large", f"text has {len(values['text'])} characters")
    created_at = get("created_at")
    if created_at is None:
        raise InvalidPost("missing_field", "created_at is required")
    values["created_at"] = parse_timestamp(created_at)
    return Post(**values)


def parse_post(raw: bytes, max_bytes: int = MAX_POST_BYTES) -> Post:
    """Decode and validate one raw post (one JSON object)."""
    if len(raw) > max_bytes:
        raise InvalidPost("too_large", f"{len(raw)} bytes is over the limit of {max_bytes}")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidPost("invalid_json", str(exc)[:200]) from None
    return post_from_dict(data)


#: Most posts one raw message may carry as a JSON array (a connector's page of results).
MAX_BUNDLE_POSTS: Final = 1000


def parse_raw_message(raw: bytes, max_bytes: int = MAX_POST_BYTES) -> list[Post | InvalidPost]:
    """Decode a raw-topic message: one post (a JSON object) or a bundle (a JSON array of them).

    Each element is validated on its own, so one bad post in a bundle costs only itself.
    """
    if raw.lstrip()[:1] != b"[":
        try:
            return [parse_post(raw, max_bytes)]
        except InvalidPost as exc:
            return [exc]
    if len(raw) > max_bytes * MAX_BUNDLE_POSTS:
        return [InvalidPost("too_large", f"bundle of {len(raw)} bytes is over the limit")]
    try:
        items = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return [InvalidPost("invalid_json", str(exc)[:200])]
    if len(items) > MAX_BUNDLE_POSTS:
        return [
            InvalidPost("too_large", f"bundle of {len(items)} posts is over {MAX_BUNDLE_POSTS}")
        ]
    out: list[Post | InvalidPost] = []
    for item in items:
        encoded = orjson.dumps(item)
        try:
            if len(encoded) > max_bytes:
                raise InvalidPost(
                    "too_large", f"{len(encoded)} bytes is over the limit of {max_bytes}"
                )
            out.append(post_from_dict(item))
        except InvalidPost as exc:
            exc.payload = encoded
            out.append(exc)
    return out
