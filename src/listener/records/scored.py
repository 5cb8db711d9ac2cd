"""Scored posts: a post as seen for one brand, with its language and sentiment, and what the
scoring agent sends the window agent on the scored topic (:class:`ScoredBatch`), each post
as the lean :class:`Counted` row the window stage reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, NamedTuple

import orjson

from listener.records.posts import Post


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
    #: Whether the post answers another (``Post.in_reply_to``): a brand's reply is the brand
    #: speaking to someone, whatever it says.
    reply: bool

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
        scored.lang, scored.compound, scored.label, scored.own, p.in_reply_to is not None,
    ]  # fmt: skip


#: Fields of a scored post as versions before :class:`Counted` wrote it.
_WHOLE_ROW: Final = 18
#: Fields of a :class:`Counted` row as versions before ``reply`` wrote it.
_ROW_BEFORE_REPLY: Final = 15


def _counted_from_row(row: list[Any]) -> Counted:
    if len(row) == _WHOLE_ROW:  # the whole post, as earlier versions wrote it
        post = Post(row[5], row[6], datetime.fromisoformat(row[7]), *row[8:18])
        return Counted.of(ScoredPost(row[0], post, row[1], float(row[2]), row[3], bool(row[4])))
    if len(row) == _ROW_BEFORE_REPLY:
        # Written before replies were told apart: an own post of then counts as the brand
        # answering, as every on-brand own post did.
        row.append(True)
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
    """What the scoring agent sends to one scored partition: posts about one brand, or, with
    ``brand`` None and no posts, only news of how far event time has got. The batches of
    several brands of one partition travel as one message (:meth:`dumps_many`).

    ``watermarks`` maps each raw partition the sender owns to the event time its posts
    agree on there (None: not yet; see listener.eventtime); ``idle`` lists those where
    nothing arrived for a while; ``newest`` holds the newest distinct post times of each,
    for the clock once every partition is idle; ``waits`` how long the clock should wait
    for late posts of each raw partition followed live, as its posts taught (absent: the
    allowed lateness). The window agent takes the minimum over the busy raw partitions, each
    less its wait, as its clock, so a window is judged only when every upstream partition
    has moved past it, whatever order partitions are read in (a replay read as fast as
    possible stays correct).
    """

    brand: str | None
    #: Scored posts as the scoring stage sends them; as the window stage counts them once
    #: read back (``loads``).
    posts: tuple[ScoredPost | Counted, ...]
    watermarks: Mapping[int, float | None]
    idle: frozenset[int] = frozenset()
    newest: Mapping[int, tuple[float, ...]] = field(default_factory=dict)
    waits: Mapping[int, float] = field(default_factory=dict)

    def dumps(self) -> bytes:
        return orjson.dumps(self._to_dict())

    @staticmethod
    def dumps_many(batches: Sequence[ScoredBatch]) -> bytes:
        """One scored message of several batches: a JSON array of them. A message per brand
        cost the score agent a send, and the window agent an event and often a batch of its
        own, for every brand a batch of posts named."""
        return orjson.dumps([batch._to_dict() for batch in batches])

    def _to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "brand": self.brand,
            "posts": [list(p) if isinstance(p, Counted) else _scored_row(p) for p in self.posts],
            "watermarks": {str(k): v for k, v in self.watermarks.items()},
            "idle": sorted(self.idle),
            "newest": {str(k): list(v) for k, v in self.newest.items()},
        }
        if self.waits:
            data["waits"] = {str(k): v for k, v in self.waits.items()}
        return data

    @classmethod
    def loads(cls, raw: bytes) -> ScoredBatch:
        return cls._from_dict(orjson.loads(raw))

    @classmethod
    def loads_many(cls, raw: bytes) -> list[ScoredBatch]:
        """The batches of a scored message: several (:meth:`dumps_many`) or one (:meth:`dumps`)."""
        data = orjson.loads(raw)
        if isinstance(data, list):
            return [cls._from_dict(item) for item in data]
        return [cls._from_dict(data)]

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> ScoredBatch:
        return cls(
            brand=data["brand"],
            posts=tuple(map(_counted_from_row, data["posts"])),
            watermarks={
                int(k): None if v is None else float(v) for k, v in data["watermarks"].items()
            },
            idle=frozenset(int(p) for p in data.get("idle", ())),
            newest={int(k): tuple(float(t) for t in v) for k, v in data.get("newest", {}).items()},
            waits={int(k): float(v) for k, v in data.get("waits", {}).items()},
        )
