"""What every synthetic shape of the library needs: its seeded draw, the fictional brand's
own accounts, and the assembled :class:`Scenario` with its event labelled.

The shapes are synthetic data for testing, not real posts: brands, authors and texts are
fictional, written for listener.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Expected, Scenario
from listener.replay.scenarios.crowd import Voices, Writer, crowd_post, crowd_reply, naming
from listener.replay.scenarios.everyday import ENGLISH_FEEDS, Everyday, Mix, care
from listener.replay.scenarios.people import Author, Names
from listener.replay.scenarios.posts import Feed, IdMaker, Page, Scene, by_time, rss_item
from listener.replay.scenarios.talk import Talk


def scene(rng: random.Random, tag: int, accounts: Accounts, names: Names) -> Scene:
    """A scene for a shape: its ids tagged with the shape's own number ``tag`` (100-999),
    the brand's page, and people of ``names``'s language."""
    return Scene(rng, ids=IdMaker(str(tag)), page=accounts.page, names=names)


def seeded(name: str, seed: int) -> random.Random:
    """The one generator a variant draws from: the scenario's name and the seed, so two
    scenarios never share a sequence (a string seed is hashed the same on every run)."""
    return random.Random(f"listener-scenario/{name}/{seed}")


@dataclass(frozen=True, slots=True)
class Accounts:
    """A fictional brand's own Facebook page and X account."""

    page: Page
    x: Author

    @property
    def own(self) -> tuple[str, ...]:
        """The accounts as brands.yaml's ``own_accounts`` lists them."""
        return (self.page.own_account, self.x_account)

    @property
    def x_account(self) -> str:
        return f"@{self.x.handle}"


def accounts(slug: str, page_name: str, x_handle: str, followers: tuple[int, int]) -> Accounts:
    """A page ``facebook.com/slug`` named ``page_name`` and an X account ``@x_handle``, with
    ``followers`` (page, X)."""
    page = Page(slug, f"{slug}_page", page_name, followers[0])
    x_id = str(800_000_000 + zlib.crc32(slug.encode()) % 100_000_000)
    return Accounts(page, Author(x_id, x_handle, followers[1]))


def brand_spec(
    accounts: Accounts,
    brand_id: str,
    name: str,
    language: str,
    per_hour: float = 10.0,
    *,
    terms: tuple[str, ...] = (),
    hashtags: tuple[str, ...] = (),
    negative_share: float = 0.2,
    topics: Mapping[str, tuple[str, ...]] | None = None,
) -> BrandSpec:
    """A fictional brand as its team would list it: its own ``accounts`` (the X one is its
    handle), ``terms`` and ``hashtags`` (by default its id alone, as a word and as a tag),
    and its usual ``per_hour`` posts."""
    return BrandSpec(
        id=brand_id,
        name=name,
        terms=terms or (brand_id,),
        hashtags=hashtags or (f"#{brand_id}",),
        handles=(accounts.x_account,),
        own_accounts=accounts.own,
        channels=(accounts.page.channel,),
        language=language,
        volume_per_hour=per_hour,
        negative_share=negative_share,
        topics=topics or {},
    )


def everyday(
    talk: Talk,
    accounts: Accounts,
    per_hour: float,
    mix: Mix,
    *,
    feeds: tuple[Feed, ...] = ENGLISH_FEEDS,
    news_share: float = 0.6,
    posts_until: datetime | None = None,
    silence_from: datetime | None = None,
) -> Everyday:
    """The brand's ordinary days: ``talk`` at ``per_hour`` over ``mix``, its care team
    answering on its page and from its X account until ``silence_from``, its scheduled
    posts until ``posts_until``."""
    return Everyday(
        talk,
        per_hour=per_hour,
        mix=mix,
        answers=care(talk.register, silence_from=silence_from),
        x_account=accounts.x,
        feeds=feeds,
        news_share=news_share,
        posts_until=posts_until,
    )


def crowd_text(
    rng: random.Random,
    voices: Voices,
    names: tuple[str, ...],
    language: str,
    place: str,
    weights: Mapping[str, int] | None = None,
) -> tuple[str, str]:
    """What one of the crowd writes at ``place`` ("page", "x", "forum" or "reply"), in
    ``language``: a reply as it is, a post on the page as it is, elsewhere a post that
    names the brand by one of its ``names``."""
    if place == "reply":
        return crowd_reply(rng, voices, weights), language
    text = crowd_post(rng, voices, weights)
    return (text if place == "page" else naming(rng, text, names)), language


def crowd_writer(
    rng: random.Random,
    voices: Voices,
    names: tuple[str, ...],
    language: str,
    turns: Sequence[tuple[datetime, Mapping[str, int]]],
    weights: Mapping[str, int] | None = None,
) -> Writer:
    """What the crowd writes (:func:`crowd_text`): its moods by ``weights`` at first, and from
    each of the ``turns`` on (the brand speaks, the service is back) by that turn's; the
    latest turn reached wins."""

    def write(when: datetime, place: str) -> tuple[str, str]:
        mood = next((after for since, after in reversed(turns) if when >= since), weights)
        return crowd_text(rng, voices, names, language, place, mood)

    return write


def news(
    scene: Scene,
    feeds: Sequence[Feed],
    times: Iterable[datetime],
    headlines: Iterable[tuple[str, str]],
    lang: str = "it",
    *,
    strict: bool = True,
) -> list[Post]:
    """The ``headlines`` as news items at ``times`` (to the second), one feed after another
    of ``feeds``."""
    timed = zip(times, headlines, strict=strict)
    return [
        rss_item(scene, when.replace(microsecond=0), feeds[index % len(feeds)], story, lang)
        for index, (when, story) in enumerate(timed)
    ]


def burst(
    rng: random.Random,
    onset: datetime,
    usual_per_hour: float,
    posts: tuple[int, int] = (9, 14),
    minutes: tuple[float, float] = (3.0, 8.0),
) -> list[datetime]:
    """The instants of the posts that make an event visible as soon as it starts, after its
    first one at ``onset``: a video shared by a few accounts at once, a screenshot
    reposted, a mocking reply quoted. They are ``posts`` of them (drawn from the range),
    and never fewer than four to seven times what the brand usually gets in ten minutes
    (``usual_per_hour``, as brands.yaml gives it): a crisis shows against the brand's
    usual, however big the brand. They come within ``minutes`` (drawn) of the onset, more
    of them early on.
    """
    least = rng.randint(*posts)
    usual = math.ceil(rng.uniform(4.0, 7.0) * usual_per_hour / 6.0)
    span = 60.0 * rng.uniform(*minutes)
    offsets = (5 + round(span * rng.random() ** 1.5) for _ in range(max(least, usual)))
    return sorted(onset + timedelta(seconds=offset) for offset in offsets)


def plateau(
    onset: datetime, start: float, peak: float, rise: float, hold: float, half_life: float
) -> Callable[[datetime], float]:
    """A wave's level, posts an hour: nothing before ``onset``, then a straight rise from
    ``start`` to ``peak`` over ``rise`` minutes, ``hold`` minutes at the top, and a fall
    that halves it every ``half_life`` minutes."""

    def level(when: datetime) -> float:
        minutes = (when - onset).total_seconds() / 60.0
        if minutes < 0.0:
            return 0.0
        if minutes < rise:
            return start + (peak - start) * minutes / rise
        if minutes < rise + hold:
            return peak
        return peak * math.pow(0.5, (minutes - rise - hold) / half_life)

    return level


def synthetic(
    name: str,
    title: str,
    seed: int,
    brand: BrandSpec,
    expected: Expected,
    posts: Iterable[Post],
    event: Iterable[Post] = (),
) -> Scenario:
    """The variant: every post in event-time order, the onset at the first event post."""
    happening = list(event)
    onset: datetime | None = min(post.created_at for post in happening) if happening else None
    return Scenario(
        name=name,
        title=title,
        seed=seed,
        brand=brand,
        onset=onset,
        expected=expected,
        posts=by_time([*posts, *happening]),
        kind="synthetic",
        event=frozenset(post.key for post in happening),
    )
