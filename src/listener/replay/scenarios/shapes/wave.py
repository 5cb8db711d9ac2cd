"""wave-answered and wave-ignored: a customer-service backlash on a mobile operator's page.

Synthetic data for testing, not real posts: Voxia and Telvera are fictional Italian mobile
operators and every author and text (Italian) is invented. Two ordinary days give the
baseline, in which the operator answers comments in office hours. Then, one morning, an
SMS tells customers that prices go up and bills come every 28 days, and within minutes
they flood the operator's Facebook page: "vergogna", "commissioni", "nessuno risponde". The same
generator makes both variants: Voxia starts answering about twelve minutes in and keeps
answering every few minutes; Telvera never says a word, and its customers notice.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Channels, spread
from listener.replay.scenarios.everyday import Mix, draw_scale, ordinary_traffic
from listener.replay.scenarios.everyday import prior as usual
from listener.replay.scenarios.ordinary import FEEDS
from listener.replay.scenarios.people import ITALIAN
from listener.replay.scenarios.posts import Scene, comment, page_post, page_reply
from listener.replay.scenarios.shape_texts import wave as words
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.talk import called
from listener.replay.scenarios.texts import pick
from listener.replay.scenarios.timing import ROME, Rate, arrivals, hour_noise


@dataclass(frozen=True, slots=True)
class Operator:
    """One of the two operators and whether it answers its customers."""

    name: str
    title: str
    tag: int
    brand_id: str
    display: str
    accounts: kit.Accounts
    names: tuple[str, ...]
    first_day: datetime
    per_hour: float
    peak: float
    answers: bool
    #: Days of ordinary history before the wave's day: a small brand needs more.
    history_days: int = 2


def brand(operator: Operator, per_hour: float) -> BrandSpec:
    slug = operator.display.lower()
    return kit.brand_spec(
        operator.accounts,
        operator.brand_id,
        operator.display,
        "it",
        per_hour,
        terms=(slug, f"{slug} mobile"),
        hashtags=(f"#{slug}",),
    )


def build(operator: Operator, seed: int) -> Scenario:
    """One variant: the day and hour of the SMS, the size and pace of the wave, and (for
    the operator that answers) how soon and how often it does."""
    rng = kit.seeded(operator.name, seed)
    scale = draw_scale(rng)
    start = operator.first_day + timedelta(days=rng.randint(0, 2))
    days = operator.history_days
    onset = (start + timedelta(days=days, hours=rng.uniform(9.0, 12.0))).replace(microsecond=0)
    end = onset + timedelta(hours=rng.uniform(13.0, 15.0))
    scene = kit.scene(rng, operator.tag, operator.accounts, ITALIAN)
    talk = words.talk(operator.names, operator.display, operator.accounts.x_account)
    silence = None if operator.answers else onset
    everyday = kit.everyday(
        talk,
        operator.accounts,
        operator.per_hour * rng.uniform(0.85, 1.15),
        Mix(page=0.6, x=0.3, forum="italy"),
        feeds=FEEDS,
        news_share=0.3,
        posts_until=onset,
        silence_from=silence,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    prior = usual(traffic, start, onset)
    latest = traffic.page_posts[-1]
    first = comment(
        scene, onset, words.FIRST_COMMENT, scene.facebook_people.pick(), (latest.id, None)
    )
    first_answer = onset + timedelta(minutes=rng.uniform(10.0, 14.0))
    clarification = (first_answer + timedelta(minutes=rng.uniform(45.0, 80.0))).replace(
        microsecond=0
    )
    own: list[Post] = []
    if operator.answers:
        likes, shares = rng.randint(200, 900), rng.randint(20, 150)
        own.append(page_post(scene, clarification, words.CLARIFICATION, likes, shares))
    page = rng.uniform(0.62, 0.78)
    channels = Channels(page=page, x=1.0 - page - 0.04, forum="italy", replies=0.2)
    # The SMS reached every customer at once: the page fills within minutes.
    at_once = kit.burst(rng, onset, prior, (9, 14), (4.0, 8.0))
    rate = _wave_rate(rng, onset, scale * operator.peak)
    times = sorted([*at_once, *arrivals(rng, onset + timedelta(seconds=20), end, rate)])
    voices = words.voices(operator.names)
    if operator.answers:
        turns = [(first_answer + timedelta(minutes=20), words.ANSWERED_WEIGHTS)]
    else:
        turns = [(onset + timedelta(hours=2), words.IGNORED_LATE_WEIGHTS)]
    write = kit.crowd_writer(rng, voices, voices.names, "it", turns, words.WEIGHTS)
    crowd = [first, *spread(scene, times, channels, write, [latest, *own])]
    if operator.answers:
        own += _answers(scene, crowd, first_answer, end)
    return kit.synthetic(
        operator.name,
        operator.title,
        seed,
        brand(operator, prior),
        Expected("customer-service-backlash", 10, silence_escalation=not operator.answers),
        traffic.posts,
        [*crowd, *own],
    )


def _wave_rate(rng: random.Random, onset: datetime, peak: float) -> Rate:
    """A rise over twenty to forty minutes from a level already many times the usual, two
    or three hours at the top, a slow fall."""
    rise = rng.uniform(20.0, 40.0)
    hold = rng.uniform(120.0, 180.0)
    noise = hour_noise(rng, onset, onset + timedelta(days=1), 0.12)

    level = kit.plateau(onset, 20.0, peak, rise, hold, 120.0)

    def rate(when: datetime) -> float:
        if when < onset:
            return 0.0
        return level(when) * noise(when)

    return rate


def _answers(scene: Scene, crowd: list[Post], first_answer: datetime, end: datetime) -> list[Post]:
    """The operator answering a recent comment on its page every two to six minutes, from
    its first answer until the evening."""
    rng = scene.rng
    stop = min(end, first_answer.replace(hour=21, minute=0, second=0))
    on_page = sorted((post for post in crowd if post.source == "facebook"), key=_at)
    replies: list[Post] = []
    answered: set[str] = set()
    when = first_answer.replace(microsecond=0)
    while when < stop:
        low = bisect_left(on_page, when - timedelta(minutes=20), key=_at)
        high = bisect_left(on_page, when, key=_at)
        waiting = [post for post in on_page[low:high] if post.id not in answered]
        if waiting:
            chosen = rng.choice(waiting)
            answered.add(chosen.id)
            name = called(chosen.author_handle or "")
            text = pick(rng, words.ANSWERS).replace("{name}", name)
            thread = (chosen.url or "").split("/posts/", 1)[-1].split("?", 1)[0]
            replies.append(page_reply(scene, when, text, thread, chosen))
        when += timedelta(seconds=rng.randint(120, 360))
    return replies


def _at(post: Post) -> datetime:
    return post.created_at


VOXIA: Final = Operator(
    name="wave-answered",
    title="Voxia: customers flood the page over a price rise, and the operator answers (Italian)",
    tag=109,
    brand_id="voxia",
    display="Voxia",
    accounts=kit.accounts("voxiamobile", "Voxia", "voxia_it", (410_000, 52_000)),
    names=("Voxia", "Voxia", "Voxia", "@voxia_it", "#voxia"),
    first_day=datetime(2017, 10, 1, tzinfo=ROME),
    per_hour=10.0,
    peak=150.0,
    answers=True,
)
TELVERA: Final = Operator(
    name="wave-ignored",
    title="Telvera: customers flood the page over a price rise, and nobody answers (Italian)",
    tag=110,
    brand_id="telvera",
    display="Telvera",
    accounts=kit.accounts("telveramobile", "Telvera", "telvera_it", (95_000, 12_000)),
    names=("Telvera", "Telvera", "Telvera", "@telvera_it", "#telvera"),
    first_day=datetime(2017, 10, 7, tzinfo=ROME),
    per_hour=3.5,
    peak=90.0,
    answers=False,
    history_days=3,
)

ANSWERED: Final = Entry(
    "wave-answered",
    "a price-rise wave on an operator's page, answered (Italian)",
    partial(build, VOXIA),
)
IGNORED: Final = Entry(
    "wave-ignored",
    "the same wave on another operator's page, ignored (Italian)",
    partial(build, TELVERA),
)
