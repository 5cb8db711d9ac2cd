"""executive-statement: a sportswear chief executive's remark in an interview offends.

Synthetic data for testing, not real posts: Kestrova is a fictional UK sportswear brand,
its chief executive is never named, and every author and text is invented. Two ordinary
days give the baseline. Then a news site publishes an interview in which the chief
executive says larger customers are not the people the brand wants in its clothes; within
minutes people quote him on X, and the outrage builds over the evening. The brand says
the remarks were taken out of context, which makes it worse; the next afternoon it
apologises.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Channels, spread
from listener.replay.scenarios.everyday import ENGLISH_FEEDS, Mix, draw_scale, ordinary_traffic
from listener.replay.scenarios.everyday import prior as usual
from listener.replay.scenarios.people import ENGLISH
from listener.replay.scenarios.posts import Scene, page_post, rss_item, x_post
from listener.replay.scenarios.shape_texts import executive_statement as words
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.timing import LONDON, Rate, arrivals, bump, hour_noise

NAME: Final = "executive-statement"
ACCOUNTS: Final = kit.accounts("kestrovauk", "Kestrova", "kestrova", (330_000, 140_000))


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(ACCOUNTS, "kestrova", "Kestrova", "en", per_hour)


def build(seed: int) -> Scenario:
    """One variant: the day and hour of the interview, how fast and far the outrage goes,
    when the brand speaks, and where people post."""
    rng = kit.seeded(NAME, seed)
    scale = draw_scale(rng)
    start = datetime(2017, 9, 25 + rng.randint(0, 3), tzinfo=LONDON)
    onset = (start + timedelta(days=2, hours=rng.uniform(7.5, 17.0))).replace(microsecond=0)
    clarified_at = (onset + timedelta(hours=rng.uniform(4.0, 6.0))).replace(microsecond=0)
    next_day = onset.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    sorry_at = (next_day + timedelta(hours=rng.uniform(14.0, 16.5))).replace(microsecond=0)
    end = next_day + timedelta(hours=22)
    scene = kit.scene(rng, 111, ACCOUNTS, ENGLISH)
    everyday = kit.everyday(
        words.TALK,
        ACCOUNTS,
        7.0 * rng.uniform(0.85, 1.15),
        Mix(page=0.45, x=0.45, forum="running"),
        news_share=0.3,
        posts_until=onset,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    prior = usual(traffic, start, onset)
    interview = rss_item(scene, onset, ENGLISH_FEEDS[4], words.INTERVIEW, "en")
    spoken = [
        *_own(scene, clarified_at, words.CLARIFICATION),
        *_own(scene, sorry_at, words.APOLOGY),
    ]
    page = rng.uniform(0.2, 0.35)
    channels = Channels(page=page, x=1.0 - page - rng.uniform(0.04, 0.1), forum="running")
    # Readers quote the line on X as soon as the article is out, and others quote them.
    quoted = kit.burst(rng, onset + timedelta(seconds=40), prior, (9, 14), (4.0, 8.0))
    rate = _outrage_rate(rng, onset, (clarified_at, sorry_at), scale)
    times = sorted([*quoted, *arrivals(rng, onset + timedelta(minutes=2), end, rate)])
    under = [*traffic.page_posts[-1:], spoken[0], spoken[2]]
    turns = [(clarified_at, words.AFTER_CLARIFICATION), (sorry_at, words.AFTER_APOLOGY)]
    write = kit.crowd_writer(rng, words.VOICES, words.NAMES, "en", turns)
    crowd = spread(scene, times, channels, write, under)
    news_at = _news_times(rng, onset, clarified_at, sorry_at)
    news = kit.news(scene, ENGLISH_FEEDS[:4], news_at, words.HEADLINES, "en")
    return kit.synthetic(
        NAME,
        "Kestrova: the chief executive says larger customers are not wanted (English)",
        seed,
        brand(prior),
        Expected("executive-statement", 10),
        traffic.posts,
        [interview, *spoken, *crowd, *news],
    )


def _own(scene: Scene, when: datetime, text: str) -> list[Post]:
    rng = scene.rng
    later = when + timedelta(seconds=rng.randint(30, 120))
    return [
        page_post(scene, when, text, rng.randint(400, 2000), rng.randint(50, 500)),
        x_post(scene, later, text, "en", ACCOUNTS.x),
    ]


def _outrage_rate(
    rng: random.Random, onset: datetime, spoken: tuple[datetime, datetime], scale: float
) -> Rate:
    """Quotes within minutes, a rise over half an hour or so from a level already several
    times the usual, two hours at the top, a slow fall; flares at the clarification and
    the apology, and a second morning."""
    rise = rng.uniform(20.0, 45.0)
    peak = 200.0 * scale
    noise = hour_noise(rng, onset, onset + timedelta(days=2), 0.12)
    clarified_at, sorry_at = spoken
    flares = (bump(clarified_at, 10.0, 0.4 * peak, 70.0), bump(sorry_at, 15.0, 0.3 * peak, 90.0))
    morning = bump(sorry_at.replace(hour=7, minute=30, second=0), 120.0, 0.3 * peak, 240.0)

    level = kit.plateau(onset, 25.0, peak, rise, 120.0, 150.0)

    def rate(when: datetime) -> float:
        if when < onset:
            return 0.0
        extra = sum(flare(when) for flare in flares) + morning(when)
        return (level(when) + extra) * noise(when)

    return rate


def _news_times(
    rng: random.Random, onset: datetime, clarified_at: datetime, sorry_at: datetime
) -> tuple[datetime, ...]:
    first = onset + timedelta(minutes=rng.uniform(60.0, 100.0))
    second = first + timedelta(minutes=rng.uniform(60.0, 120.0))
    third = clarified_at + timedelta(minutes=rng.uniform(30.0, 70.0))
    fourth = sorry_at + timedelta(minutes=rng.uniform(20.0, 50.0))
    return (first, second, third, fourth)


ENTRY: Final = Entry(NAME, "a chief executive's offensive remark in an interview (English)", build)
