"""How a crowd writes during an event: sentences by mood, dressed and roughened.

Synthetic data for testing, not real posts: the sentences come from each scenario's own
:class:`Voices`, written for listener, and no author is a real person. A post is a core
sentence in one mood, often followed by one in another mood (people mix anger, irony and
worry in one post), with an optional opening, closing, hashtags and emoji; the Intesa
wave texts are built the same way.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from listener.records import Post
from listener.replay.scenarios.posts import Scene, comment, forum_post, x_post
from listener.replay.scenarios.talk import Register, assemble
from listener.replay.scenarios.texts import pick, roughen, sentence


@dataclass(frozen=True, slots=True)
class Voices:
    """What people say during one event, by mood, and how they dress it.

    Sentences may hold ``{brand}`` (one of ``names``: how people write the brand),
    ``{city}`` (one of ``places``) and ``{n}`` (a small number). ``weights`` are the
    moods' usual weights; a caller may pass others for a phase of the event (after a
    statement, say).
    """

    register: Register
    names: tuple[str, ...]
    moods: Mapping[str, tuple[str, ...]]
    weights: Mapping[str, int]
    #: Places a sentence may name as ``{city}``.
    places: tuple[str, ...] = ("",)
    openings: tuple[str, ...] = ("",)
    closings: tuple[str, ...] = ("",)
    hashtags: tuple[str, ...] = ()
    emoji: tuple[str, ...] = ()
    #: Replies under someone else's post: "Exactly.", "This."
    agreeing: tuple[str, ...] = ()
    second_share: float = 0.4
    #: Moods said on their own: no second sentence, no closing (a grumble among cheers).
    solo: tuple[str, ...] = ()
    hashtag_share: float = 0.25
    #: Share of posts whose final stop becomes "!!!".
    shout_share: float = 0.12
    emoji_share: float = 0.3
    typo_share: float = 0.15


def fill(rng: random.Random, template: str, voices: Voices) -> str:
    text = template.replace("{brand}", pick(rng, voices.names))
    text = text.replace("{city}", pick(rng, voices.places))
    return text.replace("{n}", str(rng.randint(2, 9)))


def mood(rng: random.Random, weights: Mapping[str, int], unlike: str = "") -> str:
    """A mood drawn by weight, other than ``unlike``."""
    moods = [name for name in weights if name != unlike and weights[name] > 0]
    return rng.choices(moods, weights=[weights[name] for name in moods])[0]


def core(rng: random.Random, voices: Voices, name: str) -> str:
    """One sentence in the mood ``name``."""
    return sentence(fill(rng, pick(rng, voices.moods[name]), voices))


def decorate(rng: random.Random, voices: Voices, text: str) -> str:
    """Hashtags and emoji, sometimes; now and then a shout of exclamation marks."""
    tags = ""
    if voices.hashtags and rng.random() < voices.hashtag_share:
        chosen = rng.sample(voices.hashtags, min(len(voices.hashtags), rng.randint(1, 2)))
        tags = " ".join(tag for tag in chosen if tag.lower() not in text.lower())
    emoji = ""
    if voices.emoji and rng.random() < voices.emoji_share:
        emoji = pick(rng, voices.emoji) * rng.randint(1, 3)
    if rng.random() < voices.shout_share and text.endswith("."):
        text = text.rstrip(".") + "!!!"
    return assemble(voices.register, text, tags, emoji)


def crowd_post(rng: random.Random, voices: Voices, weights: Mapping[str, int] | None = None) -> str:
    """One post in the crowd, its moods drawn from ``weights`` (the usual ones if None)."""
    weights = voices.weights if weights is None else weights
    first = mood(rng, weights)
    body = core(rng, voices, first)
    second = closing = ""
    if first not in voices.solo:
        if rng.random() < voices.second_share and len(weights) > 1:
            others = {name: weight for name, weight in weights.items() if name not in voices.solo}
            second = core(rng, voices, mood(rng, others, unlike=first))
        closing = pick(rng, voices.closings)
    proper = (*voices.names, *voices.places)
    text = assemble(voices.register, pick(rng, voices.openings), body, second, proper=proper)
    text = assemble(voices.register, text, closing)
    return roughen(rng, decorate(rng, voices, text), voices.typo_share, typos=voices.register.typos)


def crowd_reply(
    rng: random.Random, voices: Voices, weights: Mapping[str, int] | None = None
) -> str:
    """A reply under someone else's post: agreement, often with a line of one's own."""
    weights = voices.weights if weights is None else weights
    own = core(rng, voices, mood(rng, weights)) if rng.random() < 0.7 else ""
    proper = (*voices.names, *voices.places)
    text = assemble(voices.register, pick(rng, voices.agreeing or ("",)), own, proper=proper)
    return roughen(rng, decorate(rng, voices, text), voices.typo_share, typos=voices.register.typos)


def names_brand(text: str, names: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``names`` as a whole word ("#brandfail" does not)."""
    return _name_pattern(names).search(text.casefold()) is not None


@functools.cache
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    either = "|".join(re.escape(name.casefold()) for name in names)
    return re.compile(rf"(?<!\w)(?:{either})(?!\w)")


#: Ways to make a post name the brand when its sentences did not: ``{brand}`` and ``{text}``.
_FRAMES: Final = ("{brand}: {text}", "{text} {brand}", "{text} {brand}")


def naming(rng: random.Random, text: str, names: tuple[str, ...]) -> str:
    """``text``, made to name the brand if it does not already (a post elsewhere than the
    brand's page is found by its name)."""
    if names_brand(text, names):
        return text
    frame = pick(rng, _FRAMES)
    return frame.replace("{brand}", pick(rng, names)).replace("{text}", text)


#: Writes an event post at an instant for a place ("page", "reply", "x" or "forum"):
#: returns its text and language.
Writer = Callable[[datetime, str], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Channels:
    """Where an event's posts go: shares for the brand's page and X; the rest to ``forum``
    (or X too, when there is no forum). ``replies`` is the share of page comments that
    answer a recent comment rather than the page's post."""

    page: float
    x: float
    forum: str = ""
    replies: float = 0.15


def spread(
    scene: Scene,
    times: Sequence[datetime],
    channels: Channels,
    write: Writer,
    under: Sequence[Post],
) -> list[Post]:
    """The event's posts at ``times``, spread over the page (under the latest of its posts
    ``under`` at that moment), X and the forum."""
    rng = scene.rng
    ordered = sorted(under, key=lambda post: post.created_at)
    top_level: list[Post] = []
    threads: list[Post] = []
    written: list[Post] = []
    for when in times:
        roll = rng.random()
        if roll < channels.page and ordered:
            post = _on_page(scene, when, channels, write, ordered, top_level)
        elif roll < channels.page + channels.x or not channels.forum:
            text, lang = write(when, "x")
            post = x_post(scene, when, text, lang)
        else:
            recent = threads[-15:]
            parent = rng.choice(recent) if recent and rng.random() < 0.5 else None
            text, _ = write(when, "forum")
            post = forum_post(scene, when, text, channels.forum, parent)
            if parent is None:
                threads.append(post)
        written.append(post)
    return written


def _on_page(
    scene: Scene,
    when: datetime,
    channels: Channels,
    write: Writer,
    ordered: Sequence[Post],
    top_level: list[Post],
) -> Post:
    rng = scene.rng
    page_post_id = ordered[0].id
    for candidate in ordered:
        if candidate.created_at <= when:
            page_post_id = candidate.id
    author = scene.facebook_people.pick()
    recent = [post for post in top_level[-40:] if post.in_reply_to == page_post_id]
    if recent and rng.random() < channels.replies:
        text, _ = write(when, "reply")
        return comment(scene, when, text, author, (page_post_id, rng.choice(recent).id))
    text, _ = write(when, "page")
    post = comment(scene, when, text, author, (page_post_id, None))
    top_level.append(post)
    return post
