"""A brand's buckets: counted once, summed into hopping windows, evicted, snapshotted."""

from __future__ import annotations

import dataclasses
import math
import random

import orjson
import pytest
from factories import T0, make_scored

from listener.records import NEGATIVE, NEUTRAL, POSITIVE, UNKNOWN, SamplePost, ScoredPost
from listener.windows.counting.brand import BrandWindows
from listener.windows.counting.bucket import SAMPLES, Bucket, as_sample, damage, top_samples
from listener.windows.counting.walk import window_sums
from listener.windows.counting.words import TopicIndex

STEP = 60


def windows_with(*posts: ScoredPost) -> BrandWindows:
    windows = BrandWindows(step=STEP)
    for post in posts:
        assert windows.add(post)
    return windows


# --- damage and one bucket --------------------------------------------------------------


def test_damage_is_log_reach_times_negativity() -> None:
    negative = make_scored(compound=-0.5, label=NEGATIVE, author_followers=990)
    assert damage(negative) == pytest.approx(3.0 * 0.75)
    # shares weigh five times, likes once, followers once: 10 + 5 * 18 = 100
    shared = make_scored(compound=-1.0, label=NEGATIVE, shares=18)
    assert damage(shared) == pytest.approx(2.0 * 1.25)
    liked = make_scored(compound=0.0, label=NEUTRAL, likes=90)
    assert damage(liked) == pytest.approx(2.0 * 0.25)
    positive = make_scored(compound=0.9, label=POSITIVE, author_followers=90)
    assert damage(positive) == pytest.approx(2.0 * 0.25)


def test_a_post_in_an_unknown_language_counts_as_half_negative() -> None:
    unknown = make_scored(compound=0.8, label=UNKNOWN, author_followers=0)
    assert damage(unknown) == pytest.approx(1.0 * 0.75)


def test_a_bucket_counts_posts_by_label() -> None:
    bucket = Bucket()
    labels = [NEGATIVE, NEGATIVE, POSITIVE, NEUTRAL, UNKNOWN, UNKNOWN, NEGATIVE]
    for i, label in enumerate(labels):
        bucket.add(make_scored(str(i), label=label))
    assert (bucket.volume, bucket.negative, bucket.positive, bucket.unknown) == (7, 3, 1, 2)


def test_posts_of_unknown_sentiment_are_left_out_of_the_sentiment_sum() -> None:
    bucket = Bucket()
    bucket.add(make_scored("1", compound=-0.5, label=NEGATIVE))
    bucket.add(make_scored("2", compound=0.25, label=POSITIVE))
    bucket.add(make_scored("3", compound=0.0, label=NEUTRAL))
    bucket.add(make_scored("4", compound=-0.9, label=UNKNOWN))
    assert bucket.sentiment_units == -2_500  # in units of 1e-4
    windows = windows_with(
        *(
            make_scored(str(i), compound=c, label=lab)
            for i, (c, lab) in enumerate([(-0.5, NEGATIVE), (0.25, POSITIVE), (-0.9, UNKNOWN)])
        )
    )
    assert windows.sums(T0 + STEP, STEP).sentiment_sum == -0.25


def test_a_window_sentiment_sum_does_not_depend_on_arrival_order() -> None:
    rng = random.Random(11)
    posts = [
        make_scored(
            f"s{i}",
            ts=T0 + rng.randrange(600),
            compound=round(rng.uniform(-1, 1), 4),
            label=rng.choice([NEGATIVE, POSITIVE, NEUTRAL]),
        )
        for i in range(200)
    ]
    shuffled = posts[:]
    rng.shuffle(shuffled)
    forward, backward = windows_with(*posts), windows_with(*shuffled)
    for size in (60, 300, 600):
        assert forward.sums(T0 + 600, size) == backward.sums(T0 + 600, size)
    total = forward.sums(T0 + 600, 600).sentiment_sum
    assert total == round(sum(round(p.compound * 10_000) for p in posts)) / 10_000


def test_sentiment_is_summed_to_four_decimal_places() -> None:
    windows = windows_with(
        make_scored("1", compound=0.12344, label=POSITIVE),
        make_scored("2", compound=0.12346, label=POSITIVE),
    )
    assert windows.sums(T0 + STEP, STEP).sentiment_sum == 0.2469


def test_a_bucket_sums_reach_keeps_the_largest_author_and_counts_authors_once() -> None:
    bucket = Bucket()
    bucket.add(make_scored("1", author_id="ann", author_followers=100))
    bucket.add(make_scored("2", author_id="ann", author_followers=100))
    bucket.add(make_scored("3", author_id="bob", author_followers=None))
    bucket.add(make_scored("4", author_id="cy", author_followers=5_000))
    bucket.add(make_scored("5", author_id="ann", source="reddit", author_followers=7))
    assert bucket.reach == 5_207
    assert bucket.max_reach == 5_000
    # The same author id on another source is another author.
    assert bucket.authors == {"twitter:ann", "twitter:bob", "twitter:cy", "reddit:ann"}


def test_a_bucket_keeps_the_three_most_damaging_posts() -> None:
    bucket = Bucket()
    followers = [10, 100_000, 0, 5_000, 1_000_000, 50]
    for i, count in enumerate(followers):
        bucket.add(make_scored(f"p{i}", compound=-0.5, label=NEGATIVE, author_followers=count))
    kept = sorted(bucket.samples, reverse=True)
    assert [key for _, key, _ in kept] == ["twitter:p4", "twitter:p1", "twitter:p3"]
    assert len(bucket.samples) == SAMPLES == 3
    # Each sample is the quoted post itself, with its damage rounded to nine places.
    top_damage, _, top = kept[0]
    assert top_damage == round(math.log10(1_000_010) * 0.75, 9)
    sample = as_sample(top)
    assert isinstance(sample, SamplePost) and sample.author_followers == 1_000_000
    # A snapshot writes the quoted post, and a restored bucket holds the same.
    restored = Bucket.from_dict(orjson.loads(orjson.dumps(bucket.to_dict())))
    assert sorted(restored.samples, reverse=True)[0] == (top_damage, "twitter:p4", sample)


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]])
def test_equal_damage_is_broken_by_the_larger_key_whatever_the_arrival_order(
    order: list[int],
) -> None:
    names = ["a", "b", "c", "d"]
    bucket = Bucket()
    for i in order:
        bucket.add(make_scored(names[i], compound=-0.4, label=NEGATIVE, author_followers=90))
    assert sorted(key for _, key, _ in bucket.samples) == ["twitter:b", "twitter:c", "twitter:d"]
    windows = BrandWindows(step=STEP)
    for i in order:
        windows.add(make_scored(names[i], compound=-0.4, label=NEGATIVE, author_followers=90))
    top = windows.sums(T0 + STEP, STEP).samples
    assert [s.key for s in top] == ["twitter:d", "twitter:c", "twitter:b"]


# --- counting once ----------------------------------------------------------------------


def test_a_post_is_counted_once_however_often_it_comes() -> None:
    windows = BrandWindows(step=STEP)
    first = make_scored("1", ts=T0 + 5, compound=-0.5, label=NEGATIVE)
    assert windows.add(first) is True
    assert windows.add(first) is False
    # The same key scored differently (fetched twice) is still the same post.
    assert windows.add(make_scored("1", ts=T0 + 5, compound=0.5, label=POSITIVE)) is False
    assert windows.add(make_scored("1", source="reddit", ts=T0 + 5)) is True
    sums = windows.sums(T0 + STEP, STEP)
    assert (sums.volume, sums.negative, sums.positive) == (2, 1, 0)


def test_the_brands_own_posts_set_its_last_post_and_are_not_counted() -> None:
    windows = BrandWindows(step=STEP)
    assert windows.brand_last_post(T0 + 1000) is None
    assert windows.add(make_scored("own1", ts=T0 + 30, own=True, in_reply_to="c1")) is True
    assert windows.brand_last_post(T0 + 1000) is None  # read when the clock passes it
    windows.read_own(T0 + 60, None)
    assert windows.brand_last_post(T0 + 1000) == T0 + 30
    assert windows.add(make_scored("own0", ts=T0 + 10, own=True, in_reply_to="c1")) is True
    windows.read_own(T0 + 60, None)
    assert windows.brand_last_post(T0 + 1000) == T0 + 30  # an older own post does not turn it back
    assert windows.add(make_scored("own2", ts=T0 + 90, own=True, in_reply_to="c1")) is True
    windows.read_own(T0 + 120, None)
    assert windows.brand_last_post(T0 + 1000) == T0 + 90
    assert windows.brand_last_post(T0 + 60) == T0 + 30  # not a post after the window's end
    assert windows.add(make_scored("own2", ts=T0 + 90, own=True, in_reply_to="c1")) is False
    assert windows.buckets == {}
    assert windows.sums(T0 + 120, 120).volume == 0
    assert set(windows.seen) == {"twitter:own0", "twitter:own1", "twitter:own2"}


# --- windows ----------------------------------------------------------------------------


def spread_posts() -> list[ScoredPost]:
    return [
        make_scored("a", ts=T0, compound=-0.5, label=NEGATIVE, author_id="u1", author_followers=10),
        make_scored("b", ts=T0 + 59, compound=0.5, label=POSITIVE, author_id="u2"),
        make_scored("c", ts=T0 + 60, label=UNKNOWN, compound=0.3, author_id="u1"),
        make_scored(
            "d", ts=T0 + 200, compound=-0.8, label=NEGATIVE, author_id="u3", author_followers=700
        ),
        make_scored("e", ts=T0 + 299, compound=0.1, label=NEUTRAL, author_id="u4"),
        make_scored("f", ts=T0 + 300, compound=-1.0, label=NEGATIVE, author_id="u5"),
        make_scored("g", ts=T0 + 610, compound=-0.2, label=NEGATIVE, author_id="u1"),
    ]


def test_a_snapshot_writes_each_bucket_as_it_is_now_whatever_it_wrote_before() -> None:
    windows = windows_with(*spread_posts())
    first = orjson.dumps(windows.to_dict(encoded=True))
    assert first == orjson.dumps(windows.to_dict())  # the buckets kept as JSON: same bytes
    index = int(T0 // STEP)
    written = windows.buckets[index].as_json()
    assert windows.buckets[index].as_json() is written  # unchanged: not encoded again
    # A late post joins a bucket already written: the next snapshot writes it with it.
    assert windows.add(
        make_scored("late", ts=T0 + 30, compound=-0.9, label=NEGATIVE, author_id="u9")
    )
    second = orjson.dumps(windows.to_dict(encoded=True))
    assert second == orjson.dumps(windows.to_dict()) != first
    restored = BrandWindows.from_dict(STEP, orjson.loads(second))
    assert restored.buckets[index].volume == windows.buckets[index].volume == 3
    assert restored.buckets[index].authors == {"twitter:u1", "twitter:u2", "twitter:u9"}


def test_windows_of_several_sizes_end_at_the_same_boundary() -> None:
    windows = windows_with(*spread_posts())
    end = T0 + 300
    five = windows.sums(end, 300)  # [T0, T0 + 300): a, b, c, d, e
    assert (five.volume, five.negative, five.positive, five.unknown) == (5, 2, 1, 1)
    assert five.sentiment_sum == pytest.approx(-0.5 + 0.5 - 0.8 + 0.1)
    assert five.unique_authors == 4  # u1 twice
    assert (five.reach, five.max_reach) == (710, 700)
    two = windows.sums(end, 120)  # [T0 + 180, T0 + 300): d, e
    assert (two.volume, two.negative, two.unique_authors) == (2, 1, 2)
    assert two.sentiment_sum == pytest.approx(-0.7)
    one = windows.sums(end, 60)  # [T0 + 240, T0 + 300): e
    assert (one.volume, one.negative, one.positive) == (1, 0, 0)


def test_a_post_exactly_at_a_boundary_belongs_to_the_later_window() -> None:
    windows = windows_with(*spread_posts())
    assert "twitter:f" not in {s.key for s in windows.sums(T0 + 300, 300).samples}
    assert windows.sums(T0 + 300, 300).volume == 5
    later = windows.sums(T0 + 360, 60)  # [T0 + 300, T0 + 360): f
    assert (later.volume, later.negative) == (1, 1)
    assert [s.key for s in later.samples] == ["twitter:f"]
    # ...and a post at the start of a window belongs to it.
    assert windows.sums(T0 + 60, 60).volume == 2  # a at T0, b at T0 + 59


def test_an_empty_window_is_all_zeros() -> None:
    windows = windows_with(*spread_posts())
    empty = windows.sums(T0 + 600, 240)  # [T0 + 360, T0 + 600)
    assert (empty.volume, empty.negative, empty.positive, empty.unknown) == (0, 0, 0, 0)
    assert (empty.sentiment_sum, empty.unique_authors, empty.reach, empty.max_reach) == (
        0.0,
        0,
        0,
        0,
    )
    assert empty.samples == ()


def test_a_window_quotes_its_three_most_damaging_posts_most_damaging_first() -> None:
    windows = windows_with(*spread_posts())
    samples = windows.sums(T0 + 660, 660).samples
    expected = sorted(
        spread_posts()[:7], key=lambda s: (round(damage(s), 9), s.post.key), reverse=True
    )[:3]
    assert [s.key for s in samples] == [s.post.key for s in expected]
    assert [s.key for s in samples] == ["twitter:d", "twitter:f", "twitter:a"]


def test_window_sums_match_a_direct_count_over_random_posts() -> None:
    rng = random.Random(5)
    posts = []
    for i in range(300):
        label = rng.choice([NEGATIVE, NEUTRAL, POSITIVE, UNKNOWN])
        posts.append(
            make_scored(
                f"r{i}",
                ts=T0 + rng.randrange(0, 3600),
                compound=round(rng.uniform(-1, 1), 4),
                label=label,
                author_id=f"u{rng.randrange(40)}",
                author_followers=rng.choice([None, 0, 10, 1000, 250_000]),
            )
        )
    windows = windows_with(*posts)
    for end in (T0 + 600, T0 + 1800, T0 + 3600):
        for size in (60, 300, 900):
            inside = [p for p in posts if end - size <= p.ts < end]
            sums = windows.sums(end, size)
            assert sums.volume == len(inside)
            assert sums.negative == sum(p.label == NEGATIVE for p in inside)
            assert sums.unknown == sum(p.label == UNKNOWN for p in inside)
            assert sums.sentiment_sum == pytest.approx(
                math.fsum(p.compound for p in inside if p.label != UNKNOWN)
            )
            assert sums.unique_authors == len({p.post.author_id for p in inside})
            assert sums.reach == sum(p.post.author_followers or 0 for p in inside)
            top = sorted(inside, key=lambda p: (round(damage(p), 9), p.post.key), reverse=True)
            assert [s.key for s in sums.samples] == [p.post.key for p in top[:3]]


def test_windows_ending_together_are_summed_in_one_walk_as_each_alone() -> None:
    rng = random.Random(9)
    posts = [
        make_scored(
            f"n{i}",
            ts=T0 + rng.choice([rng.randrange(0, 3600), rng.randrange(3000, 3600)]),
            compound=round(rng.uniform(-1, 1), 4),
            label=rng.choice([NEGATIVE, NEUTRAL, POSITIVE, UNKNOWN]),
            author_id=f"u{rng.randrange(30)}",
            author_followers=rng.choice([None, 5, 2000, 400_000]),
            shares=rng.choice([None, 0, 40]),
        )
        for i in range(400)
    ]
    windows = windows_with(*posts)
    for end in (T0 + 1200, T0 + 3600, T0 + 4200):
        together = windows.sums_ending(end, (3600, 300, 900))
        assert sorted(together) == [300, 900, 3600]
        for size, sums in together.items():
            inside = [p for p in posts if end - size <= p.ts < end]
            assert sums.volume == len(inside)
            assert sums == windows.sums(end, size)
            top = sorted(inside, key=lambda p: (round(damage(p), 9), p.post.key), reverse=True)
            assert [s.key for s in sums.samples] == [p.post.key for p in top[:SAMPLES]]
            assert sums.max_reach == max((p.post.author_followers or 0 for p in inside), default=0)


def test_the_judging_walk_gives_the_figures_and_quotes_of_the_windows() -> None:
    rng = random.Random(4)
    topics = ["outage", "fraud", "staff"]
    windows = BrandWindows(step=60)
    for i in range(600):
        post = make_scored(
            f"w{i}",
            ts=T0 + rng.randrange(0, 4000),
            compound=round(rng.uniform(-1, 1), 4),
            label=rng.choice([NEGATIVE, NEUTRAL, POSITIVE, UNKNOWN]),
            author_id=f"u{rng.randrange(40)}",
            author_followers=rng.choice([None, 5, 2000, 400_000]),
            likes=rng.choice([None, 3, 900]),
            shares=rng.choice([None, 0, 40]),
        )
        windows.add(post, TopicIndex.build({t: [t] for t in rng.sample(topics, 2)}))
    for end in (T0 + 60, T0 + 1200, T0 + 3600, T0 + 4200, T0 + 9000):
        sizes = (3600, 300, 900)
        expected = windows.sums_ending(end, sizes)
        got, quotes = window_sums(windows, end, sizes)
        assert sorted(quotes) == sorted(got) == [300, 900, 3600] and len(quotes) == 3
        for size in sizes:
            assert dataclasses.replace(got[size], samples=quotes[size]) == expected[size]
            assert quotes[size] is quotes[size]  # made once


def test_has_posts_between_looks_at_the_buckets_of_the_span() -> None:
    windows = windows_with(make_scored("1", ts=T0 + 130))
    assert windows.has_posts_between(T0, T0 + 600)
    assert windows.has_posts_between(T0 + 179, T0 + 600)  # same bucket [T0 + 120, T0 + 180)
    assert not windows.has_posts_between(T0 + 180, T0 + 600)
    assert not windows.has_posts_between(T0, T0 + 120)  # the post lies after the span
    assert not BrandWindows(step=STEP).has_posts_between(T0, T0 + 600)


def test_evict_forgets_buckets_and_keys_before_a_boundary() -> None:
    windows = windows_with(*spread_posts())
    windows.add(make_scored("own", ts=T0 + 10, own=True, in_reply_to="c1"))
    windows.read_own(T0 + 60, None)
    windows.evict(T0 + 300)
    assert sorted(windows.buckets) == [int((T0 + 300) // STEP), int((T0 + 600) // STEP)]
    assert set(windows.seen) == {"twitter:f", "twitter:g"}
    assert windows.brand_last_post(T0 + 10_000) == T0 + 10  # kept: the last one before the horizon
    assert windows.sums(T0 + 300, 300).volume == 0
    assert windows.sums(T0 + 660, 360).volume == 2
    # A forgotten key can be counted again: it is the caller's job not to offer it.
    assert windows.add(make_scored("a", ts=T0)) is True


# --- snapshots --------------------------------------------------------------------------


def round_trip(windows: BrandWindows) -> BrandWindows:
    return BrandWindows.from_dict(STEP, orjson.loads(orjson.dumps(windows.to_dict())))


def test_a_snapshot_restores_the_same_sums_and_the_same_dict() -> None:
    posts = spread_posts() + [
        make_scored(f"x{i}", ts=T0 + 200 + i, compound=-0.3, label=NEGATIVE, author_followers=i)
        for i in range(8)
    ]
    windows = windows_with(*posts)
    windows.add(make_scored("own", ts=T0 + 400, own=True, in_reply_to="c1"))
    windows.add(make_scored("own-later", ts=T0 + 900, own=True, in_reply_to="c1"))
    windows.read_own(T0 + 420, None)
    restored = round_trip(windows)
    assert restored.to_dict() == windows.to_dict()
    assert restored.brand_last_post(T0 + 1000) == T0 + 400
    assert [(post.key, reply) for _, post, _, reply in restored.unread] == [
        ("twitter:own-later", True)
    ]
    assert restored.seen == windows.seen
    for end, size in [(T0 + 300, 300), (T0 + 300, 120), (T0 + 660, 660), (T0 + 360, 60)]:
        assert restored.sums(end, size) == windows.sums(end, size)


def test_a_restored_window_goes_on_exactly_like_the_original() -> None:
    windows = windows_with(*spread_posts())
    restored = round_trip(windows)
    assert restored.add(spread_posts()[0]) is False  # the seen keys came back too
    more = [
        make_scored(
            f"m{i}", ts=T0 + 210 + i, compound=-0.9, label=NEGATIVE, author_followers=i * 97
        )
        for i in range(6)
    ]
    for post in more:
        assert windows.add(post) == restored.add(post)
    assert restored.to_dict() == windows.to_dict()
    assert restored.sums(T0 + 300, 300) == windows.sums(T0 + 300, 300)


def test_an_empty_window_round_trips() -> None:
    restored = round_trip(BrandWindows(step=STEP))
    assert (restored.buckets, restored.seen, restored.answers) == ({}, {}, [])


def test_a_snapshot_from_before_the_detection_signals_still_loads() -> None:
    # Written by a worker of the previous release: no topics, terms, rants, off-brand
    # posts, account history or unread own posts. Upgrading must not lose the windows.
    old = {
        "b": {"29013120": {"n": [2, 1, 1, 0], "s": 0, "r": [10, 10], "a": ["x:1"], "x": []}},
        "seen": {"twitter:a": T0},
        "own": [T0 - 60],
    }
    windows = BrandWindows.from_dict(STEP, old)
    assert windows.sums(T0 + STEP, STEP).volume == 2
    assert windows.brand_last_post(T0) == T0 - 60
    assert windows.unread == [] and windows.off_brand == []


def test_a_snapshot_quotes_a_bucket_top_posts_as_an_alert_would() -> None:
    bucket = Bucket()
    for i, text in enumerate(["short", "x" * 499, "y" * 500, "z" * 501, "w" * 2000]):
        bucket.add(make_scored(f"p{i}", text=text, compound=-0.5, label=NEGATIVE))
    written = bucket.to_dict()["x"]
    expected = [[d, k, list(dataclasses.astuple(as_sample(s)))] for d, k, s in bucket.samples]
    assert written == expected and len(written) == SAMPLES
    restored = Bucket.from_dict(bucket.to_dict())
    assert top_samples({0: restored}, 0, 1) == top_samples({0: bucket}, 0, 1)
