"""The Intesa Sanpaolo Facebook incident of 3-4 October 2017, reconstructed for replay.

A reconstruction for demonstration, not real posts: the authors are fictional and every
text was written for listener. The timeline follows what was reported: two ordinary days
(1-2 October) give the baseline; on 3 October the page launches its new app in the
morning and answers complaints about it; from 16:30 a leaked internal video of a branch
director berating staff about sales targets brings a wave of hostile comments onto the
page while the page says nothing; on 4 October volume stays high and the page posts one
statement in the afternoon.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Final

from listener.records import Post
from listener.replay.scenarios import ordinary, texts, wave_texts
from listener.replay.scenarios.posts import (
    Scene,
    by_time,
    comment,
    page_post,
    rss_item,
    x_post,
)
from listener.replay.scenarios.timing import (
    ORDINARY_HOURLY,
    Rate,
    arrivals,
    bump,
    hour_noise,
    hours_between,
    local,
    ordinary_rate,
    scaled,
)

START: Final = local(1, 0)
END: Final = local(5, 0)
APP_LAUNCH: Final = local(3, 9, 40, 12)
#: When the video reaches the page; the page writes nothing from here until the statement.
INCIDENT_START: Final = local(3, 16, 30)
FIRST_VIDEO_COMMENT_AT: Final = local(3, 16, 31, 47)
STATEMENT_AT: Final = local(4, 15, 52, 30)
#: The page's post of 30 September, which the first comments of 1 October sit under.
EARLIER_POST_ID: Final = "150678180000000"

_DAY_FACTORS: Final = {1: 0.8, 2: 1.0, 3: 1.05, 4: 1.0}
_LAUNCH_ANSWERS: Final = {"app": 0.6, "praise": 0.2}
_NEWS_TIMES: Final = (
    local(3, 18, 35), local(3, 19, 20), local(3, 20, 5), local(3, 20, 50), local(3, 22, 10),
    local(3, 23, 40), local(4, 7, 15), local(4, 8, 40), local(4, 10, 5), local(4, 12, 30),
    local(4, 16, 40), local(4, 18, 15),
)  # fmt: skip


def generate_intesa(seed: int = 2017, scale: float = 1.0) -> list[Post]:
    """Every post of 1-4 October 2017 (Rome time) for the scenario, in event-time order.

    ``scale`` multiplies how many people write, on ordinary days and in the wave: the same
    afternoon on a page with a larger or smaller audience. At 1.0 the posts are exactly
    those of the reconstruction as it has always been generated for ``seed``.
    """
    scene = Scene(random.Random(seed))
    page_posts = ordinary.ordinary_page_posts(scene, (1, 2))
    launch = page_post(scene, APP_LAUNCH, texts.APP_LAUNCH_POST, 940, 85)
    statement = page_post(scene, STATEMENT_AT, wave_texts.STATEMENT, 2300, 410)
    posts = [*page_posts, launch, statement]
    posts += _everyday(scene, [*page_posts, launch], scale)
    posts += _app_launch(scene, launch, scale)
    posts += _wave(scene, launch, statement, scale)
    posts += ordinary.ordinary_x_posts(scene, START, END, scale)
    posts += _wave_on_x(scene, scale)
    posts += _news(scene)
    return by_time(posts)


def _hours(when: datetime) -> int:
    return int(hours_between(INCIDENT_START, when))


def _wave_on_x(scene: Scene, scale: float) -> list[Post]:
    """The case on X: the same shape as on the page, a twentieth of the volume."""
    rng = scene.rng
    wave = _wave_rate(rng, scale)
    times = arrivals(rng, FIRST_VIDEO_COMMENT_AT, END, lambda when: 0.045 * wave(when))
    return [x_post(scene, when, *wave_texts.wave_x_text(rng, _hours(when))) for when in times]


def _everyday(scene: Scene, page_posts: list[Post], scale: float) -> list[Post]:
    """Ordinary questions and complaints all four days; answered only until the silence."""
    rng = scene.rng
    rate = ordinary_rate(_DAY_FACTORS, hour_noise(rng, START, END, 0.2))
    times = arrivals(rng, START, END, scaled(rate, scale))
    written = ordinary.comments_under(
        scene, times, texts.ordinary_comment, page_posts, EARLIER_POST_ID
    )
    policy = ordinary.ReplyPolicy(silence_from=INCIDENT_START)
    return [post for post, _ in written] + ordinary.page_answers(scene, written, policy)


def _app_launch(scene: Scene, launch: Post, scale: float) -> list[Post]:
    """Comments about the new app, mostly problems; the page answers quickly, until 16:30."""
    rng = scene.rng
    times = arrivals(rng, APP_LAUNCH, END, scaled(bump(APP_LAUNCH, 30, 22.0, 240), scale))
    written = ordinary.comments_under(scene, times, texts.app_comment, [launch], launch.id)
    policy = ordinary.ReplyPolicy(_LAUNCH_ANSWERS, (3, 25), silence_from=INCIDENT_START)
    return [post for post, _ in written] + ordinary.page_answers(scene, written, policy)


def _wave_rate(rng: random.Random, scale: float) -> Rate:
    """Comments per hour about the video: a steep rise, three hours at the top, a slow fall."""
    noise = hour_noise(rng, INCIDENT_START, END, 0.12)
    reaction = bump(STATEMENT_AT, 10, 45.0, 90)

    def rate(when: datetime) -> float:
        minutes = (when - INCIDENT_START).total_seconds() / 60.0
        if minutes < 0.0:
            return 0.0
        if minutes < 20.0:
            wave = 20.0 + 280.0 * minutes / 20.0
        elif minutes < 90.0:
            wave = 300.0 + 260.0 * (minutes - 20.0) / 70.0
        elif minutes < 270.0:
            wave = 560.0
        else:
            wave = 560.0 * math.pow(0.5, (minutes - 270.0) / 140.0)
        # The next day people who missed the evening arrive at the usual hours, only many more.
        next_day = 3.0 * ORDINARY_HOURLY[when.hour] if when.day == 4 else 0.0
        return scale * ((wave + next_day) * noise(when) + reaction(when))

    return rate


def _wave(scene: Scene, launch: Post, statement: Post, scale: float) -> list[Post]:
    """The hostile comments: under the app post, and under the statement once it is out."""
    rng = scene.rng
    first = comment(
        scene,
        FIRST_VIDEO_COMMENT_AT,
        wave_texts.FIRST_VIDEO_COMMENT,
        scene.facebook_people.pick(),
        (launch.id, None),
    )
    top_level: dict[str, list[Post]] = {launch.id: [first], statement.id: []}
    written = [first]
    start = FIRST_VIDEO_COMMENT_AT + timedelta(seconds=1)
    for when in arrivals(rng, start, END, _wave_rate(rng, scale)):
        after = when >= statement.created_at
        post_id = statement.id if after and rng.random() < 0.5 else launch.id
        post = _wave_comment(scene, when, post_id, top_level[post_id], after)
        if post.in_reply_to == post_id:
            top_level[post_id].append(post)
        written.append(post)
    return written


def _wave_comment(
    scene: Scene, when: datetime, post_id: str, earlier: list[Post], after: bool
) -> Post:
    """One comment, a reply under a recent comment about one time in six."""
    rng = scene.rng
    author = scene.facebook_people.pick()
    recent = [post for post in earlier[-60:] if post.created_at < when]
    if recent and rng.random() < 0.17:
        parent = rng.choice(recent)
        text = wave_texts.thread_reply(rng, _hours(when))
        return comment(scene, when, text, author, (post_id, parent.id))
    text = wave_texts.wave_comment(rng, _hours(when), after_statement=after)
    return comment(scene, when, text, author, (post_id, None))


def _news(scene: Scene) -> list[Post]:
    """News items: ordinary ones, the app launch, then the case from the evening of the 3rd."""
    rng = scene.rng
    items = ordinary.ordinary_news(scene, (1, 2))
    feeds = ordinary.FEEDS
    launch_at = local(3, 11, 10, rng.randrange(60))
    items.append(rss_item(scene, launch_at, feeds[0], texts.LAUNCH_NEWS[0]))
    for index, scheduled in enumerate(_NEWS_TIMES):
        when = scheduled + timedelta(seconds=rng.randrange(600))
        story = wave_texts.headline(index, after_statement=when > STATEMENT_AT)
        items.append(rss_item(scene, when, feeds[index % len(feeds)], story))
    return items
