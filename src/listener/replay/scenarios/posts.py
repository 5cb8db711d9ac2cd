"""Turning scenario events into :class:`~listener.records.Post` records.

Scenario data is a reconstruction for demonstration, not real posts; the authors are
fictional. The bank's page and its URL scheme are the real ones so that brand matching
by channel works as it would on live data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from listener.records import Post
from listener.replay.scenarios.people import Author, AuthorPool

PAGE_CHANNEL: Final = "intesasanpaolo"
PAGE_AUTHOR_ID: Final = "intesasanpaolo_page"
PAGE_HANDLE: Final = "IntesaSanpaolo"
#: Followers of the page: a round, large figure chosen for the demonstration.
PAGE_FOLLOWERS: Final = 1_150_000
_FACEBOOK: Final = "https://www.facebook.com/intesasanpaolo/posts/"


@dataclass(frozen=True, slots=True)
class Feed:
    """A news feed read by the rss connector; the outlets are invented."""

    slug: str
    name: str
    site: str


class IdMaker:
    """Unique numeric ids that grow with time, as platform ids do."""

    def __init__(self) -> None:
        self._count = 0

    def next(self, when: datetime) -> str:
        self._count += 1
        return f"{int(when.timestamp())}{self._count:05d}"


@dataclass(slots=True)
class Scene:
    """Everything one generator run draws from; one seeded RNG, never the global one."""

    rng: random.Random
    ids: IdMaker = field(default_factory=IdMaker)
    facebook_people: AuthorPool = field(init=False)
    x_people: AuthorPool = field(init=False)

    def __post_init__(self) -> None:
        self.facebook_people = AuthorPool(self.rng, "facebook")
        self.x_people = AuthorPool(self.rng, "x", return_share=0.3)


def comment_likes(rng: random.Random, author: Author, heat: float = 1.0) -> int | None:
    """Likes on a comment: most get none or a few; hot or big-account comments get more."""
    if rng.random() > 0.35 + 0.25 * min(heat, 1.0):
        return None
    likes = int(rng.paretovariate(1.4) * heat) - 1
    return max(0, likes * 20 if author.big else likes)


def page_post(scene: Scene, when: datetime, text: str, likes: int, shares: int) -> Post:
    """A post by the bank on its own page."""
    post_id = scene.ids.next(when)
    return Post(
        id=post_id,
        source="facebook",
        created_at=when,
        text=text,
        author_id=PAGE_AUTHOR_ID,
        author_handle=PAGE_HANDLE,
        author_followers=PAGE_FOLLOWERS,
        url=f"{_FACEBOOK}{post_id}",
        channel=PAGE_CHANNEL,
        likes=likes,
        shares=shares,
    )


def comment(
    scene: Scene, when: datetime, text: str, author: Author, thread: tuple[str, str | None]
) -> Post:
    """A comment on the page post ``thread[0]``, answering comment ``thread[1]`` if given."""
    post_id, parent = thread
    comment_id = scene.ids.next(when)
    url = f"{_FACEBOOK}{post_id}?comment_id={parent or comment_id}"
    if parent is not None:
        url += f"&reply_comment_id={comment_id}"
    heat = 2.0 if parent is None and len(text) > 60 else 1.0
    return Post(
        id=comment_id,
        source="facebook",
        created_at=when,
        text=text,
        author_id=author.id,
        author_handle=author.handle,
        author_followers=author.followers,
        url=url,
        in_reply_to=parent or post_id,
        channel=PAGE_CHANNEL,
        likes=comment_likes(scene.rng, author, heat),
    )


def page_reply(scene: Scene, when: datetime, text: str, post_id: str, answered: Post) -> Post:
    """The page answering one comment under its post ``post_id``."""
    reply_id = scene.ids.next(when)
    return Post(
        id=reply_id,
        source="facebook",
        created_at=when,
        text=text,
        author_id=PAGE_AUTHOR_ID,
        author_handle=PAGE_HANDLE,
        author_followers=PAGE_FOLLOWERS,
        url=f"{_FACEBOOK}{post_id}?comment_id={answered.id}&reply_comment_id={reply_id}",
        in_reply_to=answered.id,
        channel=PAGE_CHANNEL,
        likes=scene.rng.randint(0, 3) or None,
    )


def x_post(scene: Scene, when: datetime, text: str, lang: str) -> Post:
    """A post on X by a fictional account; X reports the language itself."""
    author = scene.x_people.pick()
    post_id = scene.ids.next(when)
    rng = scene.rng
    reposts = int(rng.paretovariate(1.2)) - 1
    return Post(
        id=post_id,
        source="x",
        created_at=when,
        text=text,
        author_id=author.id,
        author_handle=author.handle,
        author_followers=author.followers,
        url=f"https://x.com/{author.handle}/status/{post_id}",
        lang=lang,
        likes=comment_likes(rng, author, 1.5) or 0,
        shares=reposts * 15 if author.big else reposts,
    )


def rss_item(scene: Scene, when: datetime, feed: Feed, headline: tuple[str, str]) -> Post:
    """A news item: title and summary joined, as the rss connector does."""
    title, summary = headline
    item_id = scene.ids.next(when)
    return Post(
        id=item_id,
        source="rss",
        created_at=when,
        text=f"{title}. {summary}",
        author_id=feed.slug,
        author_handle=feed.name,
        url=f"https://{feed.site}/{when:%Y/%m/%d}/{item_id}",
        lang="it",
        channel=feed.slug,
    )


def by_time(posts: list[Post]) -> list[Post]:
    """Posts in event-time order; the sort is stable, so a reply never precedes its parent."""
    return sorted(posts, key=lambda post: post.created_at)
