"""The distinct authors kept from one step to the next (windows/authors.py) are the ones a
union of the windows' buckets gives, however posts arrive: ahead of the clock, late into
windows already counted, between boundaries skipped, after a snapshot."""

from __future__ import annotations

import random

import pytest
from factories import T0, make_scored

from listener.windows.authors import WindowAuthors, distinct_authors
from listener.windows.brand import BrandWindows
from listener.windows.walk import window_sums

STEP = 60
SIZES = (300, 900, 3600)


def post(rng: random.Random, n: int, ts: float) -> object:
    return make_scored(f"p{n}", ts=ts, author_id=f"u{rng.randrange(25)}")


@pytest.mark.parametrize("seed", range(8))
def test_kept_authors_match_a_union_of_the_buckets_as_the_clock_moves(seed: int) -> None:
    rng = random.Random(seed)
    windows = BrandWindows(step=STEP)
    clock = T0 + 600
    n = 0
    for _ in range(150):
        # Posts around the clock: most just ahead of it, some late (into windows counted
        # already), a few far behind (outside every window).
        for _ in range(rng.randrange(0, 6)):
            n += 1
            ts = clock + rng.choice([rng.uniform(0, 120), -rng.uniform(0, 900), -5000.0])
            windows.add(post(rng, n, ts))  # type: ignore[arg-type]
        move = rng.choices([1, 0, 2, 7, 90], weights=[20, 3, 2, 1, 1])[0]
        clock += move * STEP
        if rng.random() < 0.1:
            windows.evict(clock - 3600 - STEP)
        got, _ = window_sums(windows, clock, SIZES)
        expected = windows.sums_ending(clock, SIZES)
        assert {s: got[s].unique_authors for s in SIZES} == {
            s: expected[s].unique_authors for s in SIZES
        }
        assert windows.authors is not None and windows.authors.last == clock // STEP


def test_the_windows_step_on_without_being_counted_again() -> None:
    rng = random.Random(3)
    windows = BrandWindows(step=STEP)
    for n in range(400):
        windows.add(post(rng, n, T0 + rng.uniform(0, 7200)))  # type: ignore[arg-type]
    window_sums(windows, T0 + 3600, SIZES)
    kept = windows.authors
    assert kept is not None
    window_sums(windows, T0 + 3660, SIZES)
    assert windows.authors is kept  # moved one step on, not rebuilt
    window_sums(windows, T0 + 3660, SIZES)
    assert windows.authors is kept  # the same boundary again
    window_sums(windows, T0 + 4000 // STEP * STEP + 600, SIZES)
    assert windows.authors is not kept  # a jump: counted again from the buckets


def test_a_restored_brand_counts_its_authors_again() -> None:
    rng = random.Random(11)
    windows = BrandWindows(step=STEP)
    for n in range(300):
        windows.add(post(rng, n, T0 + rng.uniform(0, 3600)))  # type: ignore[arg-type]
    before, _ = window_sums(windows, T0 + 3600, SIZES)
    restored = BrandWindows.from_dict(STEP, windows.to_dict())
    assert restored.authors is None
    after, _ = window_sums(restored, T0 + 3600, SIZES)
    assert after == before


def test_other_lengths_are_counted_from_the_buckets() -> None:
    buckets: dict[int, object] = {}
    kept = WindowAuthors.build(buckets, 100, (5,))  # type: ignore[arg-type]
    again = distinct_authors(kept, buckets, 100, (5, 15))  # type: ignore[arg-type]
    assert again is not kept and again.distinct() == {5: 0, 15: 0}
