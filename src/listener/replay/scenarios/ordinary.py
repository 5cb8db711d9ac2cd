"""Ordinary life on a brand's page: its own posts, people's comments and its answers.

Scenario data is a reconstruction for demonstration, or synthetic, not real posts;
authors are fictional. Every scenario uses these pieces for the days that give the
baseline; by default they write about the Intesa Sanpaolo page, in Italian.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from listener.records import Post
from listener.replay.scenarios import texts
from listener.replay.scenarios.posts import (
    Feed,
    Scene,
    comment,
    page_post,
    page_reply,
    rss_item,
    x_post,
)
from listener.replay.scenarios.texts import Said
from listener.replay.scenarios.timing import ORDINARY_HOURLY, arrivals, jitter, local

#: Writes one comment's text.
Composer = Callable[[random.Random], Said]
#: Writes the page's answer to a comment: (rng, the author's name, the comment's topic).
Replier = Callable[[random.Random, str, str], str]

#: Invented outlets read by the rss connector.
FEEDS: Final = (
    Feed("notizie-economia", "Notizie Economia", "www.notizie-economia.example"),
    Feed("il-quotidiano-finanza", "Il Quotidiano della Finanza", "quotidianofinanza.example"),
    Feed("web-news-italia", "Web News Italia", "webnewsitalia.example"),
    Feed("lavoro-oggi", "Lavoro Oggi", "lavoro-oggi.example"),
)

#: How often the page answers a comment on an ordinary day, by topic.
EVERYDAY_ANSWERS: Final[Mapping[str, float]] = {
    "question": 0.45,
    "complaint": 0.4,
    "praise": 0.15,
    "app": 0.4,
}


@dataclass(frozen=True, slots=True)
class ReplyPolicy:
    """When the page answers: which topics, how fast, in which hours, until when, and in
    what words."""

    shares: Mapping[str, float] = field(default_factory=lambda: dict(EVERYDAY_ANSWERS))
    delay_minutes: tuple[int, int] = (4, 45)
    open_hours: tuple[int, int] = (8, 21)
    silence_from: datetime | None = None
    write: Replier = texts.page_reply_text

    def answer_at(self, rng: random.Random, said_at: datetime, topic: str) -> datetime | None:
        """When the page answers a post on ``topic`` written at ``said_at``; None if it
        does not (not that topic this time, out of hours, or silent by then)."""
        if rng.random() >= self.shares.get(topic, 0.0):
            return None
        low, high = self.delay_minutes
        when = (said_at + timedelta(minutes=rng.uniform(low, high))).replace(microsecond=0)
        if not self.open_hours[0] <= when.hour < self.open_hours[1]:
            return None
        if self.silence_from is not None and when >= self.silence_from:
            return None
        return when


def ordinary_page_posts(scene: Scene, days: Sequence[int], per_day: int = 2) -> list[Post]:
    """The bank's own posts on October ``days``: one late in the morning, one in the afternoon."""
    return page_posts_on(scene, [local(day, 0) for day in days], texts.PAGE_POSTS, per_day)


def page_posts_on(
    scene: Scene,
    midnights: Sequence[datetime],
    pool: Sequence[str],
    per_day: int = 2,
    reach: tuple[tuple[int, int], tuple[int, int]] = ((150, 1500), (5, 120)),
) -> list[Post]:
    """The page's own posts on the days starting at ``midnights``, texts taken from ``pool``
    in turn: one late in the morning, one in the afternoon (and one in the evening). Each
    gets likes and shares drawn from the ranges in ``reach``."""
    rng = scene.rng
    posts: list[Post] = []
    for midnight in midnights:
        for slot in range(per_day):
            when = jitter(rng, midnight + timedelta(hours=10 + 6 * slot, minutes=45), 50)
            text = pool[(midnight.day * per_day + slot) % len(pool)]
            (likes_low, likes_high), (shares_low, shares_high) = reach
            likes = rng.randint(likes_low, likes_high)
            shares = rng.randint(shares_low, shares_high)
            posts.append(page_post(scene, when, text, likes, shares))
    return posts


def comments_under(
    scene: Scene,
    times: Sequence[datetime],
    compose: Composer,
    page_posts: Sequence[Post],
    earlier_post_id: str,
) -> list[tuple[Post, Said]]:
    """Comments at ``times``, each under the page's latest post at that moment."""
    ordered = sorted(page_posts, key=lambda post: post.created_at)
    written: list[tuple[Post, Said]] = []
    for when in times:
        post_id = earlier_post_id
        for candidate in ordered:
            if candidate.created_at <= when:
                post_id = candidate.id
        said = compose(scene.rng)
        author = scene.facebook_people.pick()
        written.append((comment(scene, when, said.text, author, (post_id, None)), said))
    return written


def page_answers(
    scene: Scene, written: Sequence[tuple[Post, Said]], policy: ReplyPolicy
) -> list[Post]:
    """The page's replies to some comments, inviting private contact about problems."""
    rng = scene.rng
    replies: list[Post] = []
    for answered, said in written:
        when = policy.answer_at(rng, answered.created_at, said.topic)
        if when is None:
            continue
        text = policy.write(rng, answered.author_handle or "", said.topic)
        replies.append(page_reply(scene, when, text, answered.in_reply_to or "", answered))
    return replies


def ordinary_x_posts(
    scene: Scene, start: datetime, end: datetime, scale: float = 1.0
) -> list[Post]:
    """People on X naming the bank in passing, about one every two hours by day."""

    def rate(when: datetime) -> float:
        return scale * ORDINARY_HOURLY[when.hour] / 30.0

    times = arrivals(scene.rng, start, end, rate)
    return [x_post(scene, when, texts.ordinary_x_text(scene.rng), "it") for when in times]


def ordinary_news(scene: Scene, days: Sequence[int]) -> list[Post]:
    """One unremarkable news item a day that mentions the bank."""
    return news_on(scene, [local(day, 0) for day in days], texts.ORDINARY_NEWS, FEEDS)


def news_on(
    scene: Scene,
    midnights: Sequence[datetime],
    pool: Sequence[tuple[str, str]],
    feeds: Sequence[Feed],
    lang: str = "it",
) -> list[Post]:
    """One unremarkable news item on each day starting at ``midnights``, late in the morning."""
    rng = scene.rng
    items: list[Post] = []
    for midnight in midnights:
        day = midnight.day
        when = jitter(rng, midnight + timedelta(hours=11, minutes=30), 90)
        news = pool[day % len(pool)]
        items.append(rss_item(scene, when, feeds[day % len(feeds)], news, lang))
    return items
