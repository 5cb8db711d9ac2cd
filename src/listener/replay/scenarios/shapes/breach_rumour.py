"""breach-rumour: word spreads that an energy supplier's customer data has leaked.

Synthetic data for testing, not real posts: Lucenza Energia is a fictional Italian energy
supplier and every author and text (Italian) is invented. Two ordinary days give the
baseline. Then a forum post claims a database of Lucenza customers is for sale; within
minutes people repost screenshots of phishing SMS that use the brand's name, ask
whether their data was stolen, warn each other and worry more than they rage. The
volume stays moderate. The supplier says it is checking a few hours later; the news
picks it up the next morning.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Final

from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Channels, spread
from listener.replay.scenarios.everyday import Mix, draw_scale, ordinary_traffic
from listener.replay.scenarios.everyday import prior as usual
from listener.replay.scenarios.ordinary import FEEDS
from listener.replay.scenarios.people import ITALIAN
from listener.replay.scenarios.posts import forum_post, page_post, x_post
from listener.replay.scenarios.shape_texts import breach_rumour as words
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.timing import ROME, Rate, arrivals, bump, hour_noise

NAME: Final = "breach-rumour"
ACCOUNTS: Final = kit.accounts(
    "lucenzaenergia", "Lucenza Energia", "lucenzaenergia", (260_000, 31_000)
)
FORUM: Final = "italy"


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(
        ACCOUNTS, "lucenza", "Lucenza Energia", "it", per_hour, terms=("lucenza", "lucenza energia")
    )


def build(seed: int) -> Scenario:
    """One variant: the day and hour of the forum post, how fast and far the rumour goes,
    when the supplier speaks, and where people post."""
    rng = kit.seeded(NAME, seed)
    scale = draw_scale(rng)
    start = datetime(2017, 10, 10 + rng.randint(0, 2), tzinfo=ROME)
    onset = (start + timedelta(days=2, hours=rng.uniform(9.0, 20.5))).replace(microsecond=0)
    statement_at = (onset + timedelta(minutes=rng.uniform(150.0, 240.0))).replace(microsecond=0)
    end = onset.replace(hour=0, minute=0, second=0) + timedelta(days=1, hours=20)
    scene = kit.scene(rng, 107, ACCOUNTS, ITALIAN)
    everyday = kit.everyday(
        words.TALK,
        ACCOUNTS,
        8.0 * rng.uniform(0.8, 1.2),
        Mix(page=0.5, x=0.4, forum=FORUM),
        feeds=FEEDS,
        news_share=0.35,
        posts_until=onset,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    prior = usual(traffic, start, onset)
    dump = forum_post(scene, onset, words.FORUM_POST, FORUM)
    statement = [
        page_post(
            scene, statement_at, words.STATEMENT, rng.randint(300, 1200), rng.randint(50, 400)
        ),
        x_post(
            scene,
            statement_at + timedelta(seconds=rng.randint(30, 120)),
            words.STATEMENT_X,
            "it",
            ACCOUNTS.x,
        ),
    ]
    page = rng.uniform(0.3, 0.45)
    forum = rng.uniform(0.08, 0.16)
    channels = Channels(page=page, x=1.0 - page - forum, forum=FORUM)
    # Within minutes people who got the phishing SMS repost its screenshot with the news.
    reposted = kit.burst(rng, onset, prior, posts=(9, 13), minutes=(4.0, 9.0))
    rate = _rumour_rate(rng, onset, scale)
    times = sorted([*reposted, *arrivals(rng, onset + timedelta(minutes=2), end, rate)])
    under = [*traffic.page_posts[-1:], statement[0]]
    turns = [(statement_at, words.AFTER_STATEMENT)]
    write = kit.crowd_writer(rng, words.VOICES, words.NAMES, "it", turns)
    crowd = spread(scene, times, channels, write, under)
    news = kit.news(scene, FEEDS, _news_times(rng, onset, statement_at), words.HEADLINES)
    return kit.synthetic(
        NAME,
        "Lucenza Energia: a rumour that customer data is for sale, and phishing SMS (Italian)",
        seed,
        brand(prior),
        Expected("data-breach", 10),
        traffic.posts,
        [dump, *statement, *crowd, *news],
    )


def _rumour_rate(rng: random.Random, onset: datetime, scale: float) -> Rate:
    """A quick rise from a level already several times the usual to a moderate one, two
    hours there, a slow fall, and a second, smaller wave the next morning when the news
    has it."""
    rise = rng.uniform(20.0, 45.0)
    peak = 60.0 * scale
    noise = hour_noise(rng, onset, onset + timedelta(days=2), 0.15)
    morning = bump(
        onset.replace(hour=7, minute=30, second=0) + timedelta(days=1), 90.0, 0.5 * peak, 180.0
    )

    level = kit.plateau(onset, 20.0, peak, rise, 120.0, 180.0)

    def rate(when: datetime) -> float:
        if when < onset:
            return 0.0
        return (level(when) + morning(when)) * noise(when)

    return rate


def _news_times(
    rng: random.Random, onset: datetime, statement_at: datetime
) -> tuple[datetime, ...]:
    first = statement_at + timedelta(minutes=rng.uniform(40.0, 90.0))
    morning = onset.replace(hour=7, minute=0, second=0) + timedelta(days=1)
    times = (
        first,
        morning + timedelta(minutes=rng.uniform(0.0, 60.0)),
        morning + timedelta(hours=rng.uniform(2.0, 4.0)),
    )
    return times


ENTRY: Final = Entry(NAME, "a rumour of leaked customer data and phishing SMS (Italian)", build)
