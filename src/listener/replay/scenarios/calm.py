"""A calm control: the same bank and page on two ordinary days, 9-10 October 2017.

A reconstruction for demonstration, not real posts; authors are fictional. Monday the
9th gives the baseline, Tuesday the 10th is the control day: the usual rhythm with
hourly noise and two small clusters of complaints (card payments on Monday evening,
app log-in at Tuesday lunchtime) that a good rule set must not mistake for a crisis.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Final

from listener.records import Post
from listener.replay.scenarios import ordinary, texts
from listener.replay.scenarios.posts import Scene, by_time
from listener.replay.scenarios.texts import Said
from listener.replay.scenarios.timing import (
    arrivals,
    bump,
    hour_noise,
    local,
    ordinary_rate,
    scaled,
)

START: Final = local(9, 0)
END: Final = local(11, 0)
#: The control day itself; the day before only feeds the baseline.
CONTROL_DAY: Final = 10
EARLIER_POST_ID: Final = "150746580000000"

_DAY_FACTORS: Final = {9: 1.0, 10: 1.05}
#: (start, topic, peak comments per hour, half-life in minutes) of each complaint cluster.
_CLUSTERS: Final[tuple[tuple[datetime, str, float, float], ...]] = (
    (local(9, 19, 10), "card", 6.0, 40.0),
    (local(10, 12, 20), "app", 8.0, 45.0),
)


def generate_calm_day(seed: int = 7, scale: float = 1.0) -> list[Post]:
    """Every post of 9-10 October 2017 (Rome time) for the control, in event-time order.

    ``scale`` multiplies how many people write, in the ordinary rhythm and in the two
    complaint clusters: the same days on a page with a larger or smaller audience. At 1.0
    the posts are exactly those the control has always had for ``seed``.
    """
    scene = Scene(random.Random(seed))
    rng = scene.rng
    page_posts = ordinary.ordinary_page_posts(scene, (9, 10))
    rate = ordinary_rate(_DAY_FACTORS, hour_noise(rng, START, END, 0.18))
    times = arrivals(rng, START, END, scaled(rate, scale))
    written = ordinary.comments_under(
        scene, times, texts.ordinary_comment, page_posts, EARLIER_POST_ID
    )
    for start, topic, peak, half_life in _CLUSTERS:
        cluster_times = arrivals(rng, start, END, scaled(bump(start, 20, peak, half_life), scale))
        compose: Callable[[random.Random], Said] = partial(texts.complaint_cluster, topic=topic)
        written += ordinary.comments_under(
            scene, cluster_times, compose, page_posts, EARLIER_POST_ID
        )
    replies = ordinary.page_answers(scene, written, ordinary.ReplyPolicy())
    posts = [*page_posts, *(post for post, _ in written), *replies]
    posts += ordinary.ordinary_x_posts(scene, START, END, scale)
    posts += ordinary.ordinary_news(scene, (9, 10))
    return by_time(posts)
