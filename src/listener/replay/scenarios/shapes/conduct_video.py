"""conduct-video: a customer's video of a supermarket manager humiliating a cashier spreads.

Synthetic data for testing, not real posts: Spesavia is a fictional Italian supermarket
chain and every author and text (Italian) is invented. Two ordinary days give the
baseline. Then a customer posts a video from one of its stores: the manager shouting at a
cashier in front of everybody. A few accounts share it within minutes, and within an
hour the chain's Facebook page and X are full of anger and solidarity with the cashier;
the chain suspends the manager and says so a few hours later; the next day people are
still talking about it, fewer of them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Channels, spread
from listener.replay.scenarios.everyday import Mix, draw_scale, ordinary_traffic
from listener.replay.scenarios.everyday import prior as usual
from listener.replay.scenarios.ordinary import FEEDS
from listener.replay.scenarios.people import ITALIAN
from listener.replay.scenarios.posts import Scene, page_post, x_post
from listener.replay.scenarios.shape_texts import conduct_video as words
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.texts import pick
from listener.replay.scenarios.timing import ROME, Rate, arrivals, bump, hour_noise

NAME: Final = "conduct-video"
ACCOUNTS: Final = kit.accounts("spesavia", "Spesavia Supermercati", "spesavia", (540_000, 62_000))


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(ACCOUNTS, "spesavia", "Spesavia", "it", per_hour)


def build(seed: int) -> Scenario:
    """One variant: the day and hour of the video, the speed and size of the wave, when the
    chain speaks, and where people post."""
    rng = kit.seeded(NAME, seed)
    scale = draw_scale(rng)
    start = datetime(2017, 9, 19 + rng.randint(0, 3), tzinfo=ROME)
    onset = (start + timedelta(days=2, hours=rng.uniform(10.5, 19.0))).replace(microsecond=0)
    statement_at = (onset + timedelta(hours=rng.uniform(3.0, 5.0))).replace(microsecond=0)
    end = onset.replace(hour=0, minute=0, second=0) + timedelta(days=1, hours=21)
    scene = kit.scene(rng, 108, ACCOUNTS, ITALIAN)
    everyday = kit.everyday(
        words.TALK,
        ACCOUNTS,
        16.0 * rng.uniform(0.85, 1.15),
        Mix(page=0.55, x=0.35, forum="italy"),
        feeds=FEEDS,
        news_share=0.4,
        posts_until=onset,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    prior = usual(traffic, start, onset)
    city = pick(rng, words.VOICES.places)
    first = x_post(scene, onset, words.FIRST_POST.replace("{city}", city), "it")
    statement = _statement(scene, statement_at)
    page = rng.uniform(0.4, 0.55)
    channels = Channels(page=page, x=1.0 - page - rng.uniform(0.03, 0.08), forum="italy")
    # A few accounts share the video at once and their followers carry it to the page.
    shared = kit.burst(rng, onset, prior, posts=(9, 14), minutes=(3.0, 8.0))
    rate = _wave_rate(rng, onset, statement_at, scale)
    times = sorted([*shared, *arrivals(rng, onset + timedelta(seconds=30), end, rate)])
    under = [*traffic.page_posts[-1:], statement[0]]
    turns = [(statement_at, words.AFTER_STATEMENT)]
    write = kit.crowd_writer(rng, words.VOICES, words.NAMES, "it", turns)
    crowd = spread(scene, times, channels, write, under)
    news = kit.news(scene, FEEDS, _news_times(rng, onset, statement_at), words.HEADLINES)
    return kit.synthetic(
        NAME,
        "Spesavia: a video of a store manager humiliating a cashier (Italian)",
        seed,
        brand(prior),
        Expected("employee-conduct", 10),
        traffic.posts,
        [first, *statement, *crowd, *news],
    )


def _statement(scene: Scene, when: datetime) -> list[Post]:
    rng = scene.rng
    later = when + timedelta(seconds=rng.randint(30, 120))
    return [
        page_post(scene, when, words.STATEMENT, rng.randint(1500, 5000), rng.randint(100, 600)),
        x_post(scene, later, words.STATEMENT_X, "it", ACCOUNTS.x),
    ]


def _wave_rate(rng: random.Random, onset: datetime, statement_at: datetime, scale: float) -> Rate:
    """A rise over half an hour to an hour from a level already several times the usual,
    two hours at the top, a slow fall; a flare at the statement and a smaller wave the
    next day."""
    rise = rng.uniform(30.0, 60.0)
    peak = 190.0 * scale
    noise = hour_noise(rng, onset, onset + timedelta(days=2), 0.12)
    flare = bump(statement_at, 10.0, 0.3 * peak, 60.0)
    next_day = bump(
        onset.replace(hour=8, minute=0, second=0) + timedelta(days=1), 120.0, 0.25 * peak, 240.0
    )

    level = kit.plateau(onset, 30.0, peak, rise, 120.0, 120.0)

    def rate(when: datetime) -> float:
        if when < onset:
            return 0.0
        return (level(when) + flare(when) + next_day(when)) * noise(when)

    return rate


def _news_times(
    rng: random.Random, onset: datetime, statement_at: datetime
) -> tuple[datetime, ...]:
    first = onset + timedelta(minutes=rng.uniform(90.0, 130.0))
    second = first + timedelta(minutes=rng.uniform(40.0, 90.0))
    third = statement_at + timedelta(minutes=rng.uniform(20.0, 60.0))
    fourth = onset.replace(hour=10, minute=0, second=0) + timedelta(
        days=1, minutes=rng.uniform(0.0, 120.0)
    )
    times = (first, second, third, fourth)
    return times


ENTRY: Final = Entry(NAME, "a supermarket manager humiliating a cashier on video (Italian)", build)
