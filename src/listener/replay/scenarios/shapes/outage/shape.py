"""The service-outage shape, for any brand and language: an app stops working and people
say so before the brand does.

Synthetic data for testing, not real posts: the brands (see italian.py and english.py beside it)
and every author and text are invented. Two ordinary days give the baseline. Then the app
fails: a few people notice in the first minutes, more and more each minute ("is it just
me?"), an hour in it is a flood (or, for a failure that hits everybody at once, the
flood starts within minutes); the brand posts a status update after twenty minutes to
three quarters of an hour, updates it, answers some people, and announces the fix; once it
works again the complaints fade into "it's back".
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Expected, Scenario
from listener.replay.scenarios.crowd import Channels, Voices, spread
from listener.replay.scenarios.everyday import Mix, draw_scale, ordinary_traffic
from listener.replay.scenarios.everyday import prior as usual
from listener.replay.scenarios.people import Names
from listener.replay.scenarios.posts import Feed, Scene, page_post, page_reply, x_post
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.talk import Talk, called
from listener.replay.scenarios.texts import pick
from listener.replay.scenarios.timing import Rate, arrivals, hour_noise


@dataclass(frozen=True, slots=True)
class Outage:
    """One brand's outage: who, where, how big, and what everybody says."""

    name: str
    title: str
    tag: int
    brand: BrandSpec
    accounts: kit.Accounts
    talk: Talk
    people: Names
    zone: tzinfo
    #: The first day the variants may start on (the onset is two or more days later).
    first_day: datetime
    #: People's ordinary posts per hour, and how many times the example build-up.
    per_hour: float
    size: float
    forum: str
    feeds: tuple[Feed, ...]
    voices: Voices
    #: Mood weights once the brand has spoken, and once the app works again.
    after_status: Mapping[str, int]
    after_fix: Mapping[str, int]
    #: The brand's first status update, its later updates, its "fixed", its answers.
    status: str
    updates: tuple[str, ...]
    fixed: str
    answers: tuple[str, ...]
    headlines: tuple[tuple[str, str], ...]
    #: True when the failure hits everybody at once (cards declined at every till): the
    #: first minutes already bring many times the brand's usual. False: the slow build
    #: of an app that fails for a few people first.
    sudden: bool = False


def build(outage: Outage, seed: int) -> Scenario:
    """One variant: the day and hour, the size and pace of the failure, when the brand
    speaks, how long the repair takes, and where people post."""
    rng = kit.seeded(outage.name, seed)
    scale = draw_scale(rng)
    start = outage.first_day + timedelta(days=rng.randint(0, 3))
    onset = (start + timedelta(days=2, hours=rng.uniform(8.0, 20.5))).replace(microsecond=0)
    status_at = onset + timedelta(minutes=rng.uniform(20.0, 45.0))
    fixed_at = onset + timedelta(minutes=rng.uniform(110.0, 200.0))
    end = onset + timedelta(hours=rng.uniform(10.0, 14.0))
    scene = kit.scene(rng, outage.tag, outage.accounts, outage.people)
    everyday = kit.everyday(
        outage.talk,
        outage.accounts,
        outage.per_hour * rng.uniform(0.85, 1.15),
        Mix(page=0.45, x=0.42, forum=outage.forum),
        feeds=outage.feeds,
        news_share=0.4,
        posts_until=onset,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    prior = usual(traffic, start, onset)
    spoken = _brand_speaks(scene, outage, status_at.replace(microsecond=0), fixed_at)
    page = rng.uniform(0.3, 0.5)
    channels = Channels(page=page, x=1.0 - page - rng.uniform(0.04, 0.1), forum=outage.forum)
    rate = _outage_rate(rng, onset, fixed_at, scale * outage.size)
    if outage.sudden:
        # Everyone paying at that moment finds out together; the onset is the first of them.
        burst = kit.burst(rng, onset, prior, (9, 14), (4.0, 9.0))
        times = sorted([onset, *burst, *arrivals(rng, onset, end, rate)])
    else:
        first = _slow_build(rng, onset, outage.size)
        times = [*first, *arrivals(rng, onset + _BUILD, end, rate)]
    turns = [(status_at, outage.after_status), (fixed_at, outage.after_fix)]
    voices, lang = outage.voices, outage.talk.register.lang
    write = kit.crowd_writer(rng, voices, voices.names, lang, turns, voices.weights)
    under = [*traffic.page_posts[-1:], *(post for post in spoken if post.source == "facebook")]
    crowd = spread(scene, times, channels, write, under)
    answers = _answers(scene, outage, crowd, (status_at, fixed_at))
    lang = outage.talk.register.lang
    news_at = _news_times(rng, onset, fixed_at)
    news = kit.news(scene, outage.feeds, news_at, outage.headlines, lang, strict=False)
    return kit.synthetic(
        outage.name,
        outage.title,
        seed,
        replace(outage.brand, volume_per_hour=prior),
        Expected("service-outage", 10),
        traffic.posts,
        [*crowd, *spoken, *answers, *news],
    )


#: How an app that fails for a few people first is noticed, as reported cases go: about
#: 4 posts in the first 5 minutes, 13 in 15 and 36 in 30 (at size 1).
SLOW_BUILD: Final = ((5.0, 4.0), (15.0, 13.0), (30.0, 36.0))
_BUILD: Final = timedelta(minutes=SLOW_BUILD[-1][0])


def _slow_build(rng: random.Random, onset: datetime, size: float) -> list[datetime]:
    """The instants of the posts of :data:`SLOW_BUILD`, the first at ``onset``: each
    figure drawn within 15% of it, and within each stretch more posts towards its end."""
    times = [onset]
    begin = 0.0
    for until, total in SLOW_BUILD:
        target = round(total * size * rng.uniform(0.85, 1.15))
        span = 60.0 * (until - begin)
        for _ in range(max(0, target - len(times))):
            offset = 60.0 * begin + 1.0 + (span - 2.0) * rng.random() ** 0.7
            times.append(onset + timedelta(seconds=int(offset)))
        begin = until
    return sorted(times)


def _outage_rate(rng: random.Random, onset: datetime, fixed_at: datetime, size: float) -> Rate:
    """After the first half hour, the level keeps growing for an hour or more (from about
    90 posts an hour at size 1), holds until the fix and fades in half an hour after it."""
    top = rng.uniform(60.0, 100.0)
    noise = hour_noise(rng, onset, onset + timedelta(days=1), 0.1)
    repair = (fixed_at - onset).total_seconds() / 60.0

    def rate(when: datetime) -> float:
        minutes = (when - onset).total_seconds() / 60.0
        if minutes < 0.0:
            return 0.0
        level = 32.0 + 1.9 * min(minutes, top)
        if minutes > repair:
            level *= math.pow(0.5, (minutes - repair) / 30.0)
        return size * level * noise(when)

    return rate


def _brand_speaks(
    scene: Scene, outage: Outage, status_at: datetime, fixed_at: datetime
) -> list[Post]:
    """The status update on the page and X, updates every half hour or so, then the fix."""
    rng = scene.rng
    lang = outage.talk.register.lang
    account = outage.accounts.x
    said: list[Post] = []
    when, texts = status_at, [outage.status, *outage.updates]
    index = 0
    while when < fixed_at and index < len(texts):
        likes, shares = rng.randint(100, 600), rng.randint(5, 80)
        said.append(page_post(scene, when, texts[index], likes, shares))
        later = when + timedelta(seconds=rng.randint(20, 120))
        said.append(x_post(scene, later, texts[index], lang, account))
        when = (when + timedelta(minutes=rng.uniform(30.0, 45.0))).replace(microsecond=0)
        index += 1
    done = (fixed_at + timedelta(minutes=rng.uniform(5.0, 15.0))).replace(microsecond=0)
    said.append(page_post(scene, done, outage.fixed, rng.randint(300, 1500), rng.randint(10, 90)))
    later = done + timedelta(seconds=rng.randint(20, 90))
    said.append(x_post(scene, later, outage.fixed, lang, account))
    return said


def _answers(
    scene: Scene, outage: Outage, crowd: list[Post], spoken: tuple[datetime, datetime]
) -> list[Post]:
    """Once it has spoken, the brand answers some of the comments on its page."""
    rng = scene.rng
    status_at, fixed_at = spoken
    replies: list[Post] = []
    for post in crowd:
        on_page = post.source == "facebook" and post.in_reply_to is not None
        if not on_page or post.created_at < status_at or rng.random() >= 0.08:
            continue
        when = (post.created_at + timedelta(minutes=rng.uniform(3.0, 15.0))).replace(microsecond=0)
        if when > fixed_at + timedelta(hours=1):
            continue
        name = called(post.author_handle or "")
        text = pick(rng, outage.answers).replace("{name}", name)
        replies.append(page_reply(scene, when, text, _thread(post), post))
    return replies


def _thread(post: Post) -> str:
    """The page post a comment sits under, read from its address."""
    url = post.url or ""
    return url.split("/posts/", 1)[-1].split("?", 1)[0]


def _news_times(rng: random.Random, onset: datetime, fixed_at: datetime) -> tuple[datetime, ...]:
    first = onset + timedelta(minutes=rng.uniform(70.0, 100.0))
    after = fixed_at + timedelta(minutes=rng.uniform(30.0, 90.0))
    return (first, after)
