"""Turning scenario events into :class:`~listener.records.Post` records.

Scenario data is a reconstruction for demonstration, or synthetic, not real posts; the
authors are fictional. The Intesa Sanpaolo page and its URL scheme are the real ones so
that brand matching by channel works as it would on live data; the library's other
brands have fictional pages built the same way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from listener.records import Post
from listener.replay.scenarios.people import ITALIAN, Author, AuthorPool, Names

PAGE_CHANNEL: Final = "intesasanpaolo"
PAGE_AUTHOR_ID: Final = "intesasanpaolo_page"
PAGE_HANDLE: Final = "IntesaSanpaolo"
#: Followers of the page: a round, large figure chosen for the demonstration.
PAGE_FOLLOWERS: Final = 1_150_000


@dataclass(frozen=True, slots=True)
class Page:
    """A brand's own Facebook page: its posts, and the comments under them, live there."""

    channel: str
    author_id: str
    handle: str
    followers: int

    @property
    def posts_url(self) -> str:
        return f"https://www.facebook.com/{self.channel}/posts/"

    @property
    def own_account(self) -> str:
        """The page as an own account of brands.yaml."""
        return f"facebook:{self.author_id}"


INTESA_PAGE: Final = Page(PAGE_CHANNEL, PAGE_AUTHOR_ID, PAGE_HANDLE, PAGE_FOLLOWERS)


@dataclass(frozen=True, slots=True)
class Feed:
    """A news feed read by the rss connector; the outlets are invented."""

    slug: str
    name: str
    site: str


class IdMaker:
    """Unique numeric ids that grow with time, as platform ids do.

    ``tag`` (digits) sets a generator's ids apart from another's written at the same
    second, so scenarios replayed together never share a post key.
    """

    def __init__(self, tag: str = "") -> None:
        self._count = 0
        self._tag = tag

    def next(self, when: datetime) -> str:
        self._count += 1
        return f"{int(when.timestamp())}{self._tag}{self._count:05d}"


@dataclass(slots=True)
class Scene:
    """Everything one generator run draws from; one seeded RNG, never the global one.

    ``page`` is the brand's page that comments sit under, ``names`` the people who write.
    """

    rng: random.Random
    ids: IdMaker = field(default_factory=IdMaker)
    page: Page = INTESA_PAGE
    names: Names = ITALIAN
    facebook_people: AuthorPool = field(init=False)
    x_people: AuthorPool = field(init=False)
    _forum_people: AuthorPool | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.facebook_people = AuthorPool(self.rng, "facebook", names=self.names)
        self.x_people = AuthorPool(self.rng, "x", return_share=0.3, names=self.names)

    @property
    def forum_people(self) -> AuthorPool:
        """Forum users, made on first use so that scenes without forums draw nothing for them."""
        if self._forum_people is None:
            self._forum_people = AuthorPool(self.rng, "forum", return_share=0.3, names=self.names)
        return self._forum_people


def comment_likes(rng: random.Random, author: Author, heat: float = 1.0) -> int | None:
    """Likes on a comment: most get none or a few; hot or big-account comments get more."""
    if rng.random() > 0.35 + 0.25 * min(heat, 1.0):
        return None
    likes = int(rng.paretovariate(1.4) * heat) - 1
    return max(0, likes * 20 if author.big else likes)


def page_post(scene: Scene, when: datetime, text: str, likes: int, shares: int) -> Post:
    """A post by the brand on its own page."""
    post_id = scene.ids.next(when)
    page = scene.page
    return Post(
        id=post_id,
        source="facebook",
        created_at=when,
        text=text,
        author_id=page.author_id,
        author_handle=page.handle,
        author_followers=page.followers,
        url=f"{page.posts_url}{post_id}",
        channel=page.channel,
        likes=likes,
        shares=shares,
    )


def comment(
    scene: Scene, when: datetime, text: str, author: Author, thread: tuple[str, str | None]
) -> Post:
    """A comment on the page post ``thread[0]``, answering comment ``thread[1]`` if given."""
    post_id, parent = thread
    comment_id = scene.ids.next(when)
    url = f"{scene.page.posts_url}{post_id}?comment_id={parent or comment_id}"
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
        channel=scene.page.channel,
        likes=comment_likes(scene.rng, author, heat),
    )


def page_reply(scene: Scene, when: datetime, text: str, post_id: str, answered: Post) -> Post:
    """The page answering one comment under its post ``post_id``."""
    reply_id = scene.ids.next(when)
    page = scene.page
    return Post(
        id=reply_id,
        source="facebook",
        created_at=when,
        text=text,
        author_id=page.author_id,
        author_handle=page.handle,
        author_followers=page.followers,
        url=f"{page.posts_url}{post_id}?comment_id={answered.id}&reply_comment_id={reply_id}",
        in_reply_to=answered.id,
        channel=page.channel,
        likes=scene.rng.randint(0, 3) or None,
    )


def x_post(
    scene: Scene,
    when: datetime,
    text: str,
    lang: str,
    author: Author | None = None,
    in_reply_to: str | None = None,
) -> Post:
    """A post on X by a fictional account (a new or returning one unless ``author`` is
    given), answering the post ``in_reply_to`` if given; X reports the language itself."""
    author = author or scene.x_people.pick()
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
        in_reply_to=in_reply_to,
        likes=comment_likes(rng, author, 1.5) or 0,
        shares=reposts * 15 if author.big else reposts,
    )


def rss_item(
    scene: Scene, when: datetime, feed: Feed, headline: tuple[str, str], lang: str = "it"
) -> Post:
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
        lang=lang,
        channel=feed.slug,
    )


def forum_post(
    scene: Scene, when: datetime, text: str, forum: str, parent: Post | None = None
) -> Post:
    """A thread (or, under ``parent``, a comment) on a Reddit-like forum; such forums give
    neither the language nor the author's followers, and count votes and cross-posts."""
    rng = scene.rng
    author = scene.forum_people.pick()
    post_id = scene.ids.next(when)
    thread = post_id if parent is None else (parent.in_reply_to or parent.id)
    return Post(
        id=post_id,
        source="reddit",
        created_at=when,
        text=text,
        author_id=author.id,
        author_handle=author.handle,
        url=f"https://www.reddit.com/r/{forum}/comments/{thread}/",
        in_reply_to=parent.id if parent is not None else None,
        channel=forum,
        likes=max(0, int(rng.paretovariate(1.3) * 3) - 2),
        shares=0 if parent is not None or rng.random() < 0.9 else rng.randint(1, 3),
    )


def by_time(posts: list[Post]) -> list[Post]:
    """Posts in event-time order; the sort is stable, so a reply never precedes its parent."""
    return sorted(posts, key=lambda post: post.created_at)
