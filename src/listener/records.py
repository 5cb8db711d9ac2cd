"""The typed records that cross topics, and their JSON codecs.

Records are frozen dataclasses; on the wire they are one JSON object (UTF-8) per
Kafka message, encoded with orjson. The post format is also the replay file format
(one object per line): see docs/record-format.md.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, NamedTuple

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


@dataclass(frozen=True, slots=True)
class ScoredPost:
    """A post as seen for one brand: one record per (post, matched brand), keyed by brand."""

    brand: str
    post: Post
    lang: str | None
    compound: float
    label: str
    own: bool

    @property
    def ts(self) -> float:
        return self.post.ts

    def dumps(self) -> bytes:
        return orjson.dumps(_scored_dict(self))

    @classmethod
    def loads(cls, raw: bytes) -> ScoredPost:
        return _scored_from_dict(orjson.loads(raw))


def _scored_dict(scored: ScoredPost) -> dict[str, Any]:
    return {
        "brand": scored.brand,
        "post": scored.post.to_dict(),
        "lang": scored.lang,
        "compound": scored.compound,
        "label": scored.label,
        "own": scored.own,
    }


def _trusted_post(data: Mapping[str, Any]) -> Post:
    """A post listener itself wrote to an internal topic, validated when it first came in:
    rebuilt without checking every field again, which the window agent does for every post."""
    return Post(
        id=data["id"],
        source=data["source"],
        created_at=datetime.fromisoformat(data["created_at"]),
        text=data["text"],
        author_id=data["author_id"],
        author_handle=data["author_handle"],
        author_followers=data["author_followers"],
        url=data["url"],
        lang=data["lang"],
        in_reply_to=data["in_reply_to"],
        channel=data["channel"],
        likes=data["likes"],
        shares=data["shares"],
    )


class Counted(NamedTuple):
    """A scored post as the window stage counts it: the fields of the post it reads, and no
    more. The scored topic carries it as a flat array in this order, and it is rebuilt from
    one in a single step (a named tuple, where a frozen dataclass sets its fields one by
    one): the window stage does this for every post."""

    key: str
    source: str
    ts: float
    #: The post's time as ``Post.created_at.isoformat()`` gives it, for quoting.
    created_at: str
    text: str
    author_id: str
    author_handle: str | None
    author_followers: int | None
    url: str | None
    likes: int | None
    shares: int | None
    #: The language the post was read in, its sentiment, and whether the brand wrote it.
    lang: str | None
    compound: float
    label: str
    own: bool

    @classmethod
    def of(cls, scored: ScoredPost) -> Counted:
        return cls._make(_scored_row(scored))


def _scored_row(scored: ScoredPost) -> list[Any]:
    """A scored post as the scored topic carries it (see :class:`Counted`): a flat array,
    cheaper to write and read than an object of objects, for a topic only listener reads."""
    p = scored.post
    created_at = p.created_at
    return [
        f"{p.source}:{p.id}", p.source, created_at.timestamp(), created_at.isoformat(), p.text,
        p.author_id, p.author_handle, p.author_followers, p.url, p.likes, p.shares,
        scored.lang, scored.compound, scored.label, scored.own,
    ]  # fmt: skip


#: Fields of a scored post as versions before :class:`Counted` wrote it.
_WHOLE_ROW: Final = 18


def _counted_from_row(row: list[Any]) -> Counted:
    if len(row) == _WHOLE_ROW:  # the whole post, as earlier versions wrote it
        post = Post(row[5], row[6], datetime.fromisoformat(row[7]), *row[8:18])
        return Counted.of(ScoredPost(row[0], post, row[1], float(row[2]), row[3], bool(row[4])))
    return Counted._make(row)


def _scored_from_dict(data: Mapping[str, Any]) -> ScoredPost:
    return ScoredPost(
        brand=data["brand"],
        post=_trusted_post(data["post"]),
        lang=data["lang"],
        compound=float(data["compound"]),
        label=data["label"],
        own=bool(data["own"]),
    )


@dataclass(frozen=True, slots=True)
class ScoredBatch:
    """What the scoring agent sends to one scored partition: posts about one brand (keyed by
    it), or, with ``brand`` None and no posts, only news of how far event time has got.

    ``watermarks`` maps each raw partition the sender owns to the event time its posts
    agree on there (None: not yet; see listener.eventtime); ``idle`` lists those where
    nothing arrived for a while; ``newest`` holds the newest distinct post times of each,
    for the clock once every partition is idle. The window agent takes the minimum over the
    busy raw partitions as its clock, so a window is judged only when every upstream
    partition has moved past it, whatever order partitions are read in (a replay read as
    fast as possible stays correct).
    """

    brand: str | None
    #: Scored posts as the scoring stage sends them; as the window stage counts them once
    #: read back (``loads``).
    posts: tuple[ScoredPost | Counted, ...]
    watermarks: Mapping[int, float | None]
    idle: frozenset[int] = frozenset()
    newest: Mapping[int, tuple[float, ...]] = field(default_factory=dict)

    def dumps(self) -> bytes:
        return orjson.dumps(
            {
                "brand": self.brand,
                "posts": [
                    list(p) if isinstance(p, Counted) else _scored_row(p) for p in self.posts
                ],
                "watermarks": {str(k): v for k, v in self.watermarks.items()},
                "idle": sorted(self.idle),
                "newest": {str(k): list(v) for k, v in self.newest.items()},
            }
        )

    @classmethod
    def loads(cls, raw: bytes) -> ScoredBatch:
        data = orjson.loads(raw)
        return cls(
            brand=data["brand"],
            posts=tuple(map(_counted_from_row, data["posts"])),
            watermarks={
                int(k): None if v is None else float(v) for k, v in data["watermarks"].items()
            },
            idle=frozenset(int(p) for p in data.get("idle", ())),
            newest={int(k): tuple(float(t) for t in v) for k, v in data.get("newest", {}).items()},
        )


@dataclass(frozen=True, slots=True)
class SamplePost:
    """A post quoted in an alert so the on-call person sees what people are saying."""

    key: str
    source: str
    created_at: str
    author_handle: str | None
    author_followers: int | None
    text: str
    url: str | None
    compound: float
    label: str

    @classmethod
    def from_scored(cls, scored: ScoredPost, max_chars: int = 500) -> SamplePost:
        post = scored.post
        text = post.text if len(post.text) <= max_chars else post.text[: max_chars - 1] + "…"
        return cls(
            key=post.key,
            source=post.source,
            created_at=post.created_at.isoformat(),
            author_handle=post.author_handle,
            author_followers=post.author_followers,
            text=text,
            url=post.url,
            compound=scored.compound,
            label=scored.label,
        )

    @classmethod
    def from_counted(cls, post: Counted, max_chars: int = 500) -> SamplePost:
        """The same sample as ``from_scored`` of the scored post ``post`` was read from."""
        text = post.text if len(post.text) <= max_chars else post.text[: max_chars - 1] + "…"
        return cls(
            post.key, post.source, post.created_at, post.author_handle, post.author_followers,
            text, post.url, post.compound, post.label,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Alert:
    """A rule fired for a brand at an event time. ``id`` is deterministic, so a re-emitted
    alert (after a worker restart) has the same id and consumers can drop the copy."""

    id: str
    rule: str
    description: str
    brand: str
    brand_name: str
    severity: str
    fired_at: datetime
    window: str
    condition: str
    figures: Mapping[str, float | None]
    baseline: Mapping[str, float | None]
    samples: tuple[SamplePost, ...]
    owners: str
    first_true_at: datetime
    emitted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: What the wave is about: the words and phrases whose frequency rose most against
    #: the brand's usual, strongest first.
    about: tuple[str, ...] = ()
    #: The brand's own posts that read as off-brand (a compromised account's), newest first.
    own_posts: tuple[SamplePost, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "description": self.description,
            "brand": self.brand,
            "brand_name": self.brand_name,
            "severity": self.severity,
            "fired_at": self.fired_at.isoformat(),
            "first_true_at": self.first_true_at.isoformat(),
            "window": self.window,
            "condition": self.condition,
            "figures": dict(self.figures),
            "baseline": dict(self.baseline),
            "samples": [_sample_dict(s) for s in self.samples],
            "owners": self.owners,
            "emitted_at": self.emitted_at.isoformat(),
            "about": list(self.about),
            "own_posts": [_sample_dict(s) for s in self.own_posts],
        }

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def loads(cls, raw: bytes) -> Alert:
        data = orjson.loads(raw)
        return cls(
            id=data["id"],
            rule=data["rule"],
            description=data["description"],
            brand=data["brand"],
            brand_name=data["brand_name"],
            severity=data["severity"],
            fired_at=datetime.fromisoformat(data["fired_at"]),
            first_true_at=datetime.fromisoformat(data["first_true_at"]),
            window=data["window"],
            condition=data["condition"],
            figures=data["figures"],
            baseline=data["baseline"],
            samples=tuple(SamplePost(**s) for s in data["samples"]),
            owners=data["owners"],
            emitted_at=datetime.fromisoformat(data["emitted_at"]),
            about=tuple(data.get("about", ())),
            own_posts=tuple(SamplePost(**s) for s in data.get("own_posts", ())),
        )


def _sample_dict(sample: SamplePost) -> dict[str, Any]:
    return {name: getattr(sample, name) for name in SamplePost.__slots__}


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that could not be processed, with why; nothing is dropped silently."""

    reason: str
    detail: str
    topic: str
    partition: int
    offset: int
    payload: bytes

    def dumps(self) -> bytes:
        try:
            text: str | None = self.payload.decode("utf-8")
            encoded = None
        except UnicodeDecodeError:
            text, encoded = None, base64.b64encode(self.payload).decode("ascii")
        return orjson.dumps(
            {
                "reason": self.reason,
                "detail": self.detail,
                "topic": self.topic,
                "partition": self.partition,
                "offset": self.offset,
                "payload": text,
                "payload_base64": encoded,
            }
        )

    @classmethod
    def loads(cls, raw: bytes) -> DeadLetter:
        data = orjson.loads(raw)
        payload = (
            data["payload"].encode("utf-8")
            if data["payload"] is not None
            else base64.b64decode(data["payload_base64"])
        )
        return cls(
            reason=data["reason"],
            detail=data["detail"],
            topic=data["topic"],
            partition=data["partition"],
            offset=data["offset"],
            payload=payload,
        )


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
