"""campaign-backlash: a burger chain's hashtag campaign is turned against it.

Synthetic data for testing, not real posts: Burgado is a fictional UK burger chain and
every author and text is invented; the shape follows well-known hashtag campaigns that
went wrong. Two ordinary days give the baseline. On the third morning the chain asks for
fond memories under #BurgadoMoments and for a few hours gets them; then a mocking reply
under the campaign's post is quoted at once by people with stories of their own, and
within the hour the hashtag carries food poisoning, rats, cold fries and stories from
former staff, mostly on X. The chain pauses the campaign a
few hours into the backlash. The onset is the first hostile post, not the campaign.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Channels, crowd_post, crowd_reply, naming, spread
from listener.replay.scenarios.everyday import (
    ENGLISH_FEEDS,
    Mix,
    draw_scale,
    ordinary_traffic,
    prior,
)
from listener.replay.scenarios.people import ENGLISH
from listener.replay.scenarios.posts import Scene, page_post, x_post
from listener.replay.scenarios.shape_texts import campaign_backlash as words
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.timing import LONDON, Rate, arrivals, bump, hour_noise

NAME: Final = "campaign-backlash"
ACCOUNTS: Final = kit.accounts("burgadouk", "Burgado", "burgado", (880_000, 520_000))
FORUM: Final = "unitedkingdom"
_TAGGED_NAMES: Final = (*words.NAMES, words.HASHTAG)


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(
        ACCOUNTS,
        "burgado",
        "Burgado",
        "en",
        per_hour,
        hashtags=("#burgado", words.HASHTAG.lower()),
        # What the brand team registers while the campaign runs: its tag and its line.
        topics={"campaign-backlash": (words.HASHTAG, words.SLOGAN)},
    )


def build(seed: int) -> Scenario:
    """One variant: the day, how long the campaign stays sweet, how big the backlash."""
    rng = kit.seeded(NAME, seed)
    scale = draw_scale(rng)
    start = datetime(2017, 9, 19 + rng.randint(0, 3), tzinfo=LONDON)
    campaign_at = (start + timedelta(days=2, hours=rng.uniform(9.5, 12.0))).replace(microsecond=0)
    onset = (campaign_at + timedelta(hours=rng.uniform(2.5, 6.0))).replace(microsecond=0)
    pause_at = (onset + timedelta(hours=rng.uniform(3.5, 5.0))).replace(microsecond=0)
    end = onset.replace(hour=0, minute=0, second=0) + timedelta(days=1, hours=20)
    scene = kit.scene(rng, 103, ACCOUNTS, ENGLISH)
    everyday = kit.everyday(
        words.TALK,
        ACCOUNTS,
        14.0 * rng.uniform(0.85, 1.15),
        Mix(page=0.4, x=0.5, forum=FORUM),
        news_share=0.3,
        posts_until=campaign_at,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    usual = prior(traffic, start, campaign_at)
    campaign = _own(scene, campaign_at, words.CAMPAIGN)
    fond = _fond(scene, campaign_at, end, campaign[0])
    # A mocking reply under the campaign's own post on X, quoted at once by people who
    # have a story of their own.
    first = x_post(scene, onset, words.FIRST_REPLY, "en", in_reply_to=campaign[1].id)
    page = rng.uniform(0.12, 0.25)
    channels = Channels(page=page, x=1.0 - page - rng.uniform(0.03, 0.08), forum=FORUM)
    quoted = kit.burst(rng, onset, usual, posts=(9, 13), minutes=(4.0, 8.0))
    rate = _backlash_rate(rng, onset, scale)
    times = sorted([*quoted, *arrivals(rng, onset + timedelta(seconds=1), end, rate)])
    pause = _own(scene, pause_at, words.PAUSE)
    under = [campaign[0], pause[0]]
    hostile = spread(scene, times, channels, partial(_write, rng), under)
    news = kit.news(scene, ENGLISH_FEEDS, _news_times(rng, onset, pause_at), words.HEADLINES, "en")
    return kit.synthetic(
        NAME,
        "Burgado: the #BurgadoMoments campaign turned against the brand",
        seed,
        brand(usual),
        Expected("campaign-backlash", 10),
        [*traffic.posts, *campaign, *fond],
        [first, *hostile, *pause, *news],
    )


def _own(scene: Scene, when: datetime, text: str) -> list[Post]:
    rng = scene.rng
    on_page = page_post(scene, when, text, rng.randint(900, 4000), rng.randint(40, 400))
    on_x = x_post(scene, when + timedelta(seconds=rng.randint(20, 90)), text, "en", ACCOUNTS.x)
    return [on_page, on_x]


def _fond(scene: Scene, campaign_at: datetime, end: datetime, campaign: Post) -> list[Post]:
    """The memories the campaign asked for, on X and under its post; they go on, fewer,
    once the backlash has begun."""
    rng = scene.rng
    rate = bump(campaign_at + timedelta(minutes=2), 25.0, 30.0 * rng.uniform(0.7, 1.3), 200.0)
    times = arrivals(rng, campaign_at + timedelta(minutes=2), end, rate)

    def write(when: datetime, place: str) -> tuple[str, str]:
        del when, place
        text = crowd_post(rng, words.FOND_VOICES)
        return naming(rng, f"{text} {words.HASHTAG}", _TAGGED_NAMES), "en"

    return spread(scene, times, Channels(page=0.3, x=0.7), write, [campaign])


def _backlash_rate(rng: random.Random, onset: datetime, scale: float) -> Rate:
    """Hostile posts per hour: a rise over an hour or so from a level already many times
    the usual, two hours at the top, a fall."""
    rise = rng.uniform(35.0, 80.0)
    noise = hour_noise(rng, onset, onset + timedelta(days=2), 0.12)
    peak = 240.0 * scale

    level = kit.plateau(onset, 25.0, peak, rise, 120.0, 150.0)

    def rate(when: datetime) -> float:
        if when < onset:
            return 0.0
        return level(when) * noise(when)

    return rate


def _write(rng: random.Random, when: datetime, place: str) -> tuple[str, str]:
    del when
    if place == "reply":
        return crowd_reply(rng, words.VOICES), "en"
    text = crowd_post(rng, words.VOICES)
    if words.HASHTAG.lower() not in text.lower() and rng.random() < words.TAGGED:
        text = f"{words.HASHTAG} {text}" if rng.random() < 0.6 else f"{text} {words.HASHTAG}"
    return (text if place == "page" else naming(rng, text, _TAGGED_NAMES)), "en"


def _news_times(rng: random.Random, onset: datetime, pause_at: datetime) -> tuple[datetime, ...]:
    first = onset + timedelta(minutes=rng.uniform(100.0, 150.0))
    second = first + timedelta(minutes=rng.uniform(40.0, 90.0))
    after = pause_at + timedelta(minutes=rng.uniform(20.0, 60.0))
    late = after + timedelta(minutes=rng.uniform(60.0, 180.0))
    return (first, second, after, late)


ENTRY: Final = Entry(NAME, "a hashtag campaign hijacked by mockery (English)", build)
