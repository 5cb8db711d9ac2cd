"""launch: a consumer-electronics brand unveils a phone and people love it.

Synthetic data for testing, not real posts: Zyphon is a fictional brand, the Zyphon Arc a
fictional phone, and every author and text is invented. Two ordinary days give the
baseline. On the third evening the brand announces the phone; for hours twenty to thirty
times the usual number of people post about it, nearly all of them excited, a few
grumbling about the price, the stock or the wait. Nobody should be paged: this is
attention, not a crisis.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from functools import partial
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Channels, spread
from listener.replay.scenarios.everyday import ENGLISH_FEEDS, Mix, ordinary_traffic
from listener.replay.scenarios.everyday import prior as usual
from listener.replay.scenarios.people import ENGLISH
from listener.replay.scenarios.posts import Scene, page_post, x_post
from listener.replay.scenarios.shape_texts import launch as words
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.timing import (
    LONDON,
    ORDINARY_HOURLY,
    ORDINARY_MEAN,
    Rate,
    arrivals,
    bump,
    hour_noise,
)

NAME: Final = "launch"
ACCOUNTS: Final = kit.accounts("zyphonmobile", "Zyphon", "zyphon", (720_000, 390_000))
FORUM: Final = "gadgets"


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(
        ACCOUNTS,
        "zyphon",
        "Zyphon",
        "en",
        per_hour,
        hashtags=("#zyphon", "#zyphonarc"),
        negative_share=0.15,
    )


def build(seed: int) -> Scenario:
    """One variant: the day and hour of the launch, the size of the brand and of the
    excitement (22 to 32 times people's usual posts, 20 to 30 times all the usual
    traffic with the brand's own answers), how long it lasts, and where people post."""
    rng = kit.seeded(NAME, seed)
    start = datetime(2017, 10, 2 + rng.randint(0, 3), tzinfo=LONDON)
    launch_at = (start + timedelta(days=2, hours=rng.uniform(17.5, 19.5))).replace(microsecond=0)
    end = launch_at.replace(hour=0, minute=0, second=0) + timedelta(days=1, hours=21)
    per_hour = 6.0 * rng.uniform(0.7, 1.3)
    scene = kit.scene(rng, 112, ACCOUNTS, ENGLISH)
    everyday = kit.everyday(
        words.TALK,
        ACCOUNTS,
        per_hour,
        Mix(page=0.35, x=0.5, forum=FORUM),
        news_share=0.3,
        posts_until=launch_at,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    announcement = _announce(scene, launch_at)
    usual_then = per_hour * ORDINARY_HOURLY[launch_at.hour] / ORDINARY_MEAN
    rate = _excitement_rate(rng, launch_at, usual_then * rng.uniform(22.0, 32.0))
    times = arrivals(rng, launch_at + timedelta(seconds=40), end, rate)
    page = rng.uniform(0.15, 0.25)
    channels = Channels(page=page, x=1.0 - page - rng.uniform(0.05, 0.1), forum=FORUM)
    crowd = spread(scene, times, channels, partial(_write, rng), announcement[:1])
    feeds = (*ENGLISH_FEEDS[3:], *ENGLISH_FEEDS[:3])
    news = kit.news(scene, feeds, _news_times(rng, launch_at), words.HEADLINES, "en")
    return kit.synthetic(
        NAME,
        "Zyphon: the launch of a new phone, hours of excited posts (English)",
        seed,
        brand(usual(traffic, start, launch_at)),
        Expected(None),
        traffic.posts,
        [*announcement, *crowd, *news],
    )


def _announce(scene: Scene, when: datetime) -> list[Post]:
    rng = scene.rng
    later = when + timedelta(seconds=rng.randint(5, 40))
    return [
        page_post(
            scene, when, words.ANNOUNCEMENT, rng.randint(8000, 20000), rng.randint(900, 3000)
        ),
        x_post(scene, later, words.ANNOUNCEMENT, "en", ACCOUNTS.x),
    ]


def _excitement_rate(rng: random.Random, launch_at: datetime, level: float) -> Rate:
    """A fast rise, three to four and a half hours at the top, a fall through the night,
    and people catching up the next morning."""
    rise = rng.uniform(15.0, 30.0)
    hold = rng.uniform(180.0, 270.0)
    noise = hour_noise(rng, launch_at, launch_at + timedelta(days=2), 0.1)
    morning = bump(
        launch_at.replace(hour=7, minute=0, second=0) + timedelta(days=1), 120.0, 0.2 * level, 300.0
    )

    def rate(when: datetime) -> float:
        minutes = (when - launch_at).total_seconds() / 60.0
        if minutes < 0.0:
            return 0.0
        if minutes < rise:
            now = level * minutes / rise
        elif minutes < rise + hold:
            now = level
        else:
            now = level * math.pow(0.5, (minutes - rise - hold) / 90.0)
        return (now + morning(when)) * noise(when)

    return rate


def _write(rng: random.Random, when: datetime, place: str) -> tuple[str, str]:
    del when
    return kit.crowd_text(rng, words.VOICES, (*words.NAMES, *words.PHONE), "en", place)


def _news_times(rng: random.Random, launch_at: datetime) -> tuple[datetime, ...]:
    first = launch_at + timedelta(minutes=rng.uniform(20.0, 45.0))
    second = first + timedelta(minutes=rng.uniform(60.0, 120.0))
    third = second + timedelta(minutes=rng.uniform(30.0, 90.0))
    fourth = launch_at.replace(hour=9, minute=0, second=0) + timedelta(
        days=1, minutes=rng.uniform(0.0, 90.0)
    )
    return (first, second, third, fourth)


ENTRY: Final = Entry(NAME, "a product launch: huge, happy attention, no crisis (English)", build)
