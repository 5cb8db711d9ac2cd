"""viral-video: a passenger's video of airline staff dragging a man off a plane goes viral.

Synthetic data for testing, not real posts: Skylarq Airways is a fictional UK airline and
every author and text is invented; the shape follows widely reported cases. Two ordinary
days give the baseline; in the afternoon of the third a passenger posts a video from an
overbooked flight, others on board post theirs and accounts share them within minutes,
and within the hour thousands of angry posts pour in on X, under the airline's Facebook
page, on a travel forum and soon in the news. The airline posts a weak
statement two to three hours later, which makes things worse, and a real apology late
the next morning.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Channels, Writer, spread
from listener.replay.scenarios.everyday import (
    ENGLISH_FEEDS,
    Mix,
    draw_scale,
    ordinary_traffic,
    prior,
)
from listener.replay.scenarios.people import ENGLISH
from listener.replay.scenarios.posts import Scene, page_post, rss_item, x_post
from listener.replay.scenarios.shape_texts import viral_video as words
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.shapes.kit import accounts, seeded, synthetic
from listener.replay.scenarios.timing import LONDON, Rate, arrivals, bump, hour_noise

NAME: Final = "viral-video"
ACCOUNTS: Final = accounts("skylarqairways", "Skylarq Airways", "skylarqair", (640_000, 410_000))


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(
        ACCOUNTS, "skylarq", "Skylarq Airways", "en", per_hour, terms=("skylarq", "skylarq airways")
    )


def build(seed: int) -> Scenario:
    """One variant: the day, hour, speed and size of the wave, and where it is posted."""
    rng = seeded(NAME, seed)
    scale = draw_scale(rng)
    start = datetime(2017, 9, 22 + rng.randint(0, 4), tzinfo=LONDON)
    onset = (start + timedelta(days=2, hours=rng.uniform(12.5, 18.5))).replace(microsecond=0)
    rise = rng.uniform(25.0, 60.0)
    page, forum = rng.uniform(0.2, 0.32), rng.uniform(0.04, 0.12)
    channels = Channels(page=page, x=1.0 - page - forum, forum="travel")
    foreign = rng.uniform(0.02, 0.07)
    statement_at = onset + timedelta(minutes=rng.uniform(125.0, 175.0), seconds=0)
    next_day = onset.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    apology_at = next_day + timedelta(hours=rng.uniform(10.5, 12.5))
    end = next_day + timedelta(hours=22)
    scene = kit.scene(rng, 101, ACCOUNTS, ENGLISH)
    everyday = kit.everyday(
        words.TALK,
        ACCOUNTS,
        16.0 * rng.uniform(0.85, 1.15),
        Mix(page=0.45, x=0.45, forum="travel"),
        feeds=ENGLISH_FEEDS,
        posts_until=onset,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    usual = prior(traffic, start, onset)
    statement = _own(scene, statement_at, words.STATEMENT)
    apology = _own(scene, apology_at.replace(microsecond=0), words.APOLOGY)
    first = x_post(scene, onset, words.FIRST_POST, "en")
    # Other passengers post their own clips within minutes, and accounts share them at once.
    shared = kit.burst(rng, onset, usual, posts=(10, 16), minutes=(3.0, 7.0))
    rate = _wave_rate(rng, onset, rise, scale, (statement_at, apology_at))
    times = sorted([*shared, *arrivals(rng, onset + timedelta(seconds=1), end, rate)])
    turns = [(statement_at, words.AFTER_STATEMENT), (apology_at, words.AFTER_APOLOGY)]
    crowd_writer = kit.crowd_writer(rng, words.VOICES, words.NAMES, "en", turns)
    write = partial(_write, rng, foreign, crowd_writer)
    under = [*traffic.page_posts, statement[0], apology[0]]
    crowd = spread(scene, times, channels, write, under)
    news = _news(scene, onset, apology_at, end)
    event = [first, *statement, *apology, *crowd, *news]
    return synthetic(
        NAME,
        "Skylarq Airways: a passenger's video of a man dragged off an overbooked flight",
        seed,
        brand(usual),
        Expected("employee-conduct", 10, silence_escalation=None),
        traffic.posts,
        event,
    )


def _own(scene: Scene, when: datetime, text: str) -> list[Post]:
    """The airline's words, on its page and on X a minute later."""
    rng = scene.rng
    on_page = page_post(scene, when, text, rng.randint(800, 3000), rng.randint(200, 900))
    on_x = x_post(scene, when + timedelta(seconds=rng.randint(30, 150)), text, "en", ACCOUNTS.x)
    return [on_page, on_x]


def _wave_rate(
    rng: random.Random,
    onset: datetime,
    rise: float,
    scale: float,
    answers: tuple[datetime, datetime],
) -> Rate:
    """Posts per hour about the video: a steep rise from a level already many times the
    usual, two hours at the top, a slow fall, a flare at the statement and the next
    morning's second wave with the apology."""
    noise = hour_noise(rng, onset, onset + timedelta(days=2), 0.12)
    statement, apology = answers
    at_statement = bump(statement, 10.0, 140.0, 60.0)
    at_apology = bump(apology, 15.0, 110.0, 90.0)
    morning = bump(apology.replace(hour=7, minute=0, second=0), 120.0, 90.0, 240.0)

    wave = kit.plateau(onset, 45.0, 230.0, rise, 120.0, 100.0)

    def rate(when: datetime) -> float:
        if when < onset:
            return 0.0
        extra = at_statement(when) + at_apology(when) + morning(when)
        return scale * (wave(when) + extra) * noise(when)

    return rate


def _write(
    rng: random.Random,
    foreign: float,
    crowd: Writer,
    when: datetime,
    place: str,
) -> tuple[str, str]:
    """Now and then a post on X in another language; otherwise the ``crowd``'s words."""
    if place == "x" and rng.random() < foreign:
        return words.FOREIGN[rng.randrange(len(words.FOREIGN))]
    return crowd(when, place)


def _news(scene: Scene, onset: datetime, apology_at: datetime, end: datetime) -> list[Post]:
    """The story in the news: from an hour and a half after the video, then the apology."""
    rng = scene.rng
    items: list[Post] = []
    when = onset + timedelta(minutes=rng.uniform(80.0, 110.0))
    for index, story in enumerate(words.HEADLINES):
        feed = ENGLISH_FEEDS[index % len(ENGLISH_FEEDS)]
        items.append(rss_item(scene, when.replace(microsecond=0), feed, story, "en"))
        when += timedelta(minutes=rng.uniform(40.0, 160.0))
    when = apology_at + timedelta(minutes=rng.uniform(20.0, 50.0))
    for index, story in enumerate(words.LATE_HEADLINES):
        feed = ENGLISH_FEEDS[(index + 2) % len(ENGLISH_FEEDS)]
        items.append(rss_item(scene, when.replace(microsecond=0), feed, story, "en"))
        when += timedelta(minutes=rng.uniform(60.0, 120.0))
    return [item for item in items if item.created_at < end]


ENTRY: Final = Entry(NAME, "an airline's staff caught on video; a weak statement (English)", build)
