"""A fictional brand's ordinary days on every source: the history a baseline is learnt from.

Synthetic data for testing, not real posts; authors are fictional. People write under the
brand's Facebook page, on X and on a Reddit-like forum in the everyday rhythm (quiet nights,
busy days) with hourly noise; the brand posts on its page and its X account and answers
some of them in office hours; a news item names it now and then.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Final

from listener.records import Post
from listener.replay.scenarios import ordinary
from listener.replay.scenarios.ordinary import ReplyPolicy
from listener.replay.scenarios.people import Author
from listener.replay.scenarios.posts import Feed, Scene, forum_post, x_post
from listener.replay.scenarios.talk import (
    Register,
    Talk,
    brand_reply,
    everyday_comment,
    everyday_mention,
)
from listener.replay.scenarios.texts import Said
from listener.replay.scenarios.timing import (
    Rate,
    arrivals,
    daily_rate,
    hour_noise,
    jitter,
    midnights,
)

#: Invented English-language outlets read by the rss connector.
ENGLISH_FEEDS: Final = (
    Feed("daily-ledger", "The Daily Ledger", "dailyledger.example"),
    Feed("market-brief", "Market Brief", "marketbrief.example"),
    Feed("consumer-watch", "Consumer Watch", "consumerwatch.example"),
    Feed("tech-wire", "Tech Wire", "techwire.example"),
    Feed("city-post", "The City Post", "citypost.example"),
)


@dataclass(frozen=True, slots=True)
class Mix:
    """Where people's posts about the brand go: its page, X, and (the rest) a forum."""

    page: float = 0.55
    x: float = 0.35
    #: The forum (a subreddit) where the rest goes; none when empty.
    forum: str = ""


@dataclass(frozen=True, slots=True)
class Everyday:
    """One brand's ordinary traffic: what is said, where, how much, and how it answers.

    ``per_hour`` is people's posts per hour on average over a day (the brand's own come on
    top); ``answers`` says when the brand answers, on its page and from ``x_account``.
    """

    talk: Talk
    per_hour: float
    mix: Mix
    answers: ReplyPolicy
    x_account: Author | None = None
    feeds: tuple[Feed, ...] = ENGLISH_FEEDS
    #: Share of days with a news item naming the brand.
    news_share: float = 0.6
    #: A factor by instant on top of the everyday rhythm (weekends, commuting hours).
    factor: Callable[[datetime], float] | None = None
    noise_sigma: float = 0.2
    #: When the brand stops its scheduled posts (a crisis pauses them); never if None.
    posts_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Traffic:
    """What :func:`ordinary_traffic` wrote: every post, and the page's own posts among them."""

    posts: list[Post]
    page_posts: list[Post]


def ordinary_traffic(scene: Scene, everyday: Everyday, start: datetime, end: datetime) -> Traffic:
    """Every ordinary post about the brand in ``[start, end)``; the brand stays silent from
    ``everyday.answers.silence_from`` on, if set."""
    rng = scene.rng
    talk, mix = everyday.talk, everyday.mix
    policy = everyday.answers
    days = midnights(start, end)
    page_posts = [
        post
        for post in ordinary.page_posts_on(scene, days, talk.page_posts, 2, ((20, 400), (1, 40)))
        if start <= post.created_at < _until(everyday, end)
    ]
    rate = daily_rate(everyday.per_hour, hour_noise(rng, start, end, everyday.noise_sigma))
    if everyday.factor is not None:
        rate = _times(rate, everyday.factor)
    on_page: list[datetime] = []
    on_x: list[tuple[Post, Said]] = []
    elsewhere: list[Post] = []
    for when in arrivals(rng, start, end, rate):
        roll = rng.random()
        if roll < mix.page:
            on_page.append(when)
        elif roll < mix.page + mix.x or not mix.forum:
            said = everyday_mention(rng, talk)
            on_x.append((x_post(scene, when, said.text, talk.register.lang), said))
        else:
            elsewhere.append(_forum(scene, when, talk, mix.forum, elsewhere))
    earlier = f"{int((start - timedelta(hours=18)).timestamp())}00000"
    compose = partial(everyday_comment, talk=talk)
    written = ordinary.comments_under(scene, on_page, compose, page_posts, earlier)
    posts = [*page_posts, *(post for post, _ in written), *(post for post, _ in on_x), *elsewhere]
    posts += ordinary.page_answers(scene, written, policy)
    if everyday.x_account is not None:
        posts += x_answers(scene, on_x, everyday.x_account, policy)
        posts += own_x_posts(scene, everyday, days, _until(everyday, end))
    posts += _news(scene, everyday, days, start, end)
    return Traffic(posts, page_posts)


def care(
    register: Register,
    silence_from: datetime | None = None,
    shares: Mapping[str, float] | None = None,
    delay_minutes: tuple[int, int] = (4, 45),
) -> ReplyPolicy:
    """A brand's care team answering in ``register``'s language, in office hours, on the
    topics of ``shares`` (by default the everyday ones), until ``silence_from`` if given."""
    return ReplyPolicy(
        dict(shares if shares is not None else ordinary.EVERYDAY_ANSWERS),
        delay_minutes,
        (8, 21),
        silence_from,
        partial(brand_reply, register=register),
    )


def _until(everyday: Everyday, end: datetime) -> datetime:
    stops = [when for when in (everyday.answers.silence_from, everyday.posts_until) if when]
    return min([end, *stops])


def _times(rate: Rate, factor: Callable[[datetime], float]) -> Rate:
    def scaled(when: datetime) -> float:
        return rate(when) * factor(when)

    return scaled


def _forum(scene: Scene, when: datetime, talk: Talk, forum: str, earlier: list[Post]) -> Post:
    """A forum thread naming the brand, or a comment under a recent thread about it."""
    rng = scene.rng
    said = everyday_mention(rng, talk, forum=True)
    recent = [post for post in earlier[-20:] if post.in_reply_to is None]
    parent = rng.choice(recent) if recent and rng.random() < 0.4 else None
    return forum_post(scene, when, said.text, forum, parent)


def x_answers(
    scene: Scene, written: Sequence[tuple[Post, Said]], account: Author, policy: ReplyPolicy
) -> list[Post]:
    """The brand's X account answering some of the posts addressed to it."""
    rng = scene.rng
    replies: list[Post] = []
    for answered, said in written:
        when = policy.answer_at(rng, answered.created_at, said.topic)
        if when is None:
            continue
        handle = answered.author_handle or ""
        text = f"@{handle} {policy.write(rng, handle, said.topic)}"
        lang = answered.lang or "en"
        replies.append(x_post(scene, when, text, lang, account, in_reply_to=answered.id))
    return replies


def own_x_posts(
    scene: Scene, everyday: Everyday, days: Sequence[datetime], until: datetime
) -> list[Post]:
    """The brand's own post on X each day, early in the afternoon."""
    rng = scene.rng
    account = everyday.x_account
    if account is None:
        return []
    talk = everyday.talk
    posts: list[Post] = []
    for midnight in days:
        when = jitter(rng, midnight + timedelta(hours=13, minutes=30), 75)
        text = talk.page_posts[(midnight.day + 3) % len(talk.page_posts)]
        if when < until:
            posts.append(x_post(scene, when, text, talk.register.lang, account))
    return posts


def _news(
    scene: Scene, everyday: Everyday, days: Sequence[datetime], start: datetime, end: datetime
) -> list[Post]:
    rng = scene.rng
    chosen = [day for day in days if rng.random() < everyday.news_share]
    items = ordinary.news_on(
        scene, chosen, everyday.talk.news, everyday.feeds, everyday.talk.register.lang
    )
    return [item for item in items if start <= item.created_at < end]


def prior(traffic: Traffic, start: datetime, end: datetime) -> float:
    """The brand's usual posts per hour over ``[start, end)``, as brands.yaml would give it."""
    hours = (end - start).total_seconds() / 3600.0
    count = sum(start <= post.created_at < end for post in traffic.posts)
    return round(count / hours, 1)


def draw_scale(rng: random.Random, low: float = 0.6, high: float = 1.6) -> float:
    """A volume factor for one variant of a scenario."""
    return round(rng.uniform(low, high), 3)
