"""The windows' sums kept from one step to the next (windows/counting/running.py) are the ones a
fresh walk over their buckets gives, however posts arrive: ahead of the clock, late into
windows already summed, between boundaries skipped, after a snapshot."""

from __future__ import annotations

import dataclasses
import random

import pytest
from factories import T0, make_scored

from listener.records import NEGATIVE, NEUTRAL, POSITIVE, UNKNOWN, ScoredPost
from listener.windows.counting.brand import BrandWindows
from listener.windows.counting.running import Running, running
from listener.windows.counting.walk import window_sums
from listener.windows.counting.words import TopicIndex

STEP = 60
SIZES = (300, 900, 3600)
TOPICS = TopicIndex.build({"outage": ["down"], "fraud": ["scam"]})


def post(rng: random.Random, n: int, ts: float) -> ScoredPost:
    return make_scored(
        f"p{n}",
        ts=ts,
        text=rng.choice(["all down again", "a scam", "fine", "down and a scam"]),
        compound=round(rng.uniform(-1, 1), 4),
        label=rng.choice([NEGATIVE, NEGATIVE, NEUTRAL, POSITIVE, UNKNOWN]),
        author_id=f"u{rng.randrange(25)}",
        author_followers=rng.choice([None, 0, 10, 1000, 250_000, rng.randrange(10**6)]),
        likes=rng.choice([None, 3, rng.randrange(10**4)]),
        shares=rng.choice([None, 0, 40]),
    )


def assert_walked(windows: BrandWindows, end: float) -> None:
    got, quotes = window_sums(windows, end, SIZES)
    expected = windows.sums_ending(end, SIZES)
    for size in SIZES:
        assert dataclasses.replace(got[size], samples=quotes[size]) == expected[size]


@pytest.mark.parametrize("seed", range(8))
def test_kept_sums_match_a_fresh_walk_as_the_clock_moves(seed: int) -> None:
    rng = random.Random(seed)
    windows = BrandWindows(step=STEP)
    clock = T0 + 600
    n = 0
    for _ in range(150):
        # Posts around the clock: most just ahead of it, some late (into windows summed
        # already), a few far behind (outside every window).
        for _ in range(rng.randrange(0, 6)):
            n += 1
            ts = clock + rng.choice([rng.uniform(0, 120), -rng.uniform(0, 900), -5000.0])
            windows.add(post(rng, n, ts), TOPICS)
        move = rng.choices([1, 0, 2, 7, 90], weights=[20, 3, 2, 1, 1])[0]
        clock += move * STEP
        if rng.random() < 0.1:
            windows.evict(clock - 3600 - STEP)
        assert_walked(windows, clock)
        assert windows.running is not None and windows.running.last == clock // STEP


def test_the_windows_step_on_without_being_summed_again() -> None:
    rng = random.Random(3)
    windows = BrandWindows(step=STEP)
    for n in range(400):
        windows.add(post(rng, n, T0 + rng.uniform(0, 7200)), TOPICS)
    window_sums(windows, T0 + 3600, SIZES)
    kept = windows.running
    assert kept is not None
    window_sums(windows, T0 + 3660, SIZES)
    assert windows.running is kept  # moved one step on, not summed again
    window_sums(windows, T0 + 3660, SIZES)
    assert windows.running is kept  # the same boundary again
    window_sums(windows, T0 + 4000 // STEP * STEP + 600, SIZES)
    assert windows.running is not kept  # a jump: summed afresh from the buckets


def test_the_largest_reach_is_found_again_when_its_bucket_leaves() -> None:
    windows = BrandWindows(step=STEP)
    windows.add(make_scored("big", ts=T0 + 10, author_followers=900_000))
    windows.add(make_scored("small", ts=T0 + 70, author_followers=300))
    got, _ = window_sums(windows, T0 + 300, (300,))
    assert got[300].max_reach == 900_000
    got, _ = window_sums(windows, T0 + 360, (300,))  # the big account's minute left
    assert (got[300].max_reach, got[300].volume) == (300, 1)


def test_a_restored_brand_sums_its_windows_again() -> None:
    rng = random.Random(11)
    windows = BrandWindows(step=STEP)
    for n in range(300):
        windows.add(post(rng, n, T0 + rng.uniform(0, 3600)), TOPICS)
    before, _ = window_sums(windows, T0 + 3600, SIZES)
    restored = BrandWindows.from_dict(STEP, windows.to_dict())
    assert restored.running is None
    after, _ = window_sums(restored, T0 + 3600, SIZES)
    assert after == before


def test_other_lengths_are_summed_from_the_buckets() -> None:
    kept = Running.sum({}, 100, (5,))
    again = running(kept, {}, 100, (5, 15))
    assert again is not kept and tuple(again.windows) == (5, 15)
