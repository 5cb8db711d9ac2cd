"""Small factories for the records the unit tests build by the dozen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from listener.errors import BrokerError
from listener.records import NEUTRAL, Post, ScoredPost

#: 2025-03-01T00:00:00Z: a multiple of every step and window size the tests use.
T0 = 1_740_787_200.0


def at(ts: float) -> datetime:
    """The UTC datetime of POSIX seconds ``ts``."""
    return datetime.fromtimestamp(ts, UTC)


def make_post(
    id: str = "1",
    *,
    ts: float = T0,
    source: str = "twitter",
    text: str = "hello",
    author_id: str | None = None,
    **extra: Any,
) -> Post:
    """A valid post at event time ``ts``; ``extra`` sets any optional field."""
    return Post(
        id=id,
        source=source,
        created_at=at(ts),
        text=text,
        author_id=author_id if author_id is not None else f"author-{id}",
        **extra,
    )


def make_scored(
    id: str = "1",
    *,
    ts: float = T0,
    brand: str = "acme",
    compound: float = 0.0,
    label: str = NEUTRAL,
    own: bool = False,
    lang: str | None = "en",
    **post_fields: Any,
) -> ScoredPost:
    """A post as scored for ``brand``; ``post_fields`` go to :func:`make_post`."""
    return ScoredPost(
        brand=brand,
        post=make_post(id, ts=ts, **post_fields),
        lang=lang,
        compound=compound,
        label=label,
        own=own,
    )


def post_dict(**changes: Any) -> dict[str, Any]:
    """The JSON object of a valid post, with ``changes`` applied (None is kept as JSON null)."""
    data: dict[str, Any] = {
        "id": "1",
        "source": "twitter",
        "created_at": "2025-03-01T09:30:00+00:00",
        "text": "acme is down again",
        "author_id": "42",
    }
    data.update(changes)
    return data


def unreadable_snapshots(failures: int) -> tuple[list[int], Callable[..., Awaitable[None]]]:
    """A ``latest_snapshot`` whose broker cannot be read the first ``failures`` times, and
    then has no snapshot; and the partitions it was asked for, in order."""
    asked: list[int] = []

    async def latest_snapshot(bootstrap: str, topic: str, partition: int) -> None:
        asked.append(partition)
        if len(asked) <= failures:
            raise BrokerError("the broker is not answering")

    return asked, latest_snapshot
