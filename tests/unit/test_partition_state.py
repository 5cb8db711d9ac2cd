"""The window agent's state machine: event-time clock, judging boundaries, exact recovery."""

from __future__ import annotations

import functools
import itertools
import random
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from factories import T0, make_scored

from listener.records import NEGATIVE, NEUTRAL, POSITIVE, UNKNOWN, SamplePost, ScoredBatch
from listener.windows.config import WindowConfig
from listener.windows.counting.words import TopicIndex
from listener.windows.judging import BrandView, Judge, Outcome
from listener.windows.learning.baseline import alpha_for
from listener.windows.learning.surprise import variance
from listener.windows.partition import PartitionState
from listener.windows.recovery import decode_snapshot, encode_snapshot
from listener.windows.stats import WindowStats

STEP = 60
CONFIG = WindowConfig(step=STEP, sizes=(120, 300), lateness=30, raw_partitions=2, half_life=3600)


@dataclass(frozen=True)
class Call:
    brand: str
    now: float
    stats: dict[int, WindowStats]
    samples: dict[int, tuple[SamplePost, ...]]
    states: dict[str, Any]


def recording_judge(
    decide: Callable[[str, Mapping[int, WindowStats], dict[str, Any], float], list[Any]]
    | None = None,
) -> tuple[Judge, list[Call]]:
    """A judge that records every call; ``decide`` (if given) updates states and fires."""
    calls: list[Call] = []

    def judge(brand: str, view: BrandView, states: dict[str, Any], now: float) -> list[Any]:
        stats = view.stats
        calls.append(
            Call(brand, now, dict(stats), dict(view.samples), orjson.loads(orjson.dumps(states)))
        )
        return decide(brand, stats, states, now) if decide else []

    return judge, calls


def burst_rule(
    brand: str, stats: Mapping[int, WindowStats], states: dict[str, Any], now: float
) -> list[Any]:
    """Fires when the smallest window holds 3 posts for a minute, at most every 5 minutes; its
    state is what the real engine keeps (pending_since, last_fired)."""
    small = stats[min(stats)]
    rule = states.get("burst") or {"pending_since": None, "last_fired": None}
    fired: list[Any] = []
    if small.volume >= 3:
        since = now if rule["pending_since"] is None else rule["pending_since"]
        last = rule["last_fired"]
        if now - since >= 60 and (last is None or now - last >= 300):
            fired.append(["burst", brand, now, small.volume])
            last = now
        rule = {"pending_since": since, "last_fired": last}
    else:
        rule = {"pending_since": None, "last_fired": rule["last_fired"]}
    states["burst"] = rule
    return fired


def batch(
    brand: str | None = None,
    *posts: Any,
    marks: Mapping[int, float | None],
    idle: frozenset[int] = frozenset(),
) -> ScoredBatch:
    return ScoredBatch(brand, tuple(posts), dict(marks), idle)


def tick(*marks: float | None, idle: frozenset[int] = frozenset()) -> ScoredBatch:
    """A clock-only batch reporting ``marks`` for raw partitions 0, 1, ..."""
    return batch(None, marks=dict(enumerate(marks)), idle=idle)


def fresh(config: WindowConfig = CONFIG) -> tuple[PartitionState, list[Call]]:
    judge, calls = recording_judge()
    return PartitionState(config, judge), calls


class Feeder:
    """Applies batches at increasing offsets."""

    def __init__(self, state: PartitionState) -> None:
        self.state = state
        self.offset = -1

    def __call__(self, message: ScoredBatch) -> Outcome:
        self.offset += 1
        return self.state.apply(message, self.offset)


# --- offsets ----------------------------------------------------------------------------


def test_an_offset_at_or_below_the_last_applied_changes_nothing() -> None:
    state, calls = fresh()
    first = batch("acme", make_scored("1", ts=T0 + 10), marks={0: T0 + 200, 1: T0 + 200})
    outcome = state.apply(first, 5)
    assert (outcome.counted, outcome.skipped, state.offset) == (1, False, 5)
    before = orjson.dumps(state.to_dict())
    judged = len(calls)
    for offset in (5, 4, 0):
        again = state.apply(
            batch("acme", make_scored("2", ts=T0 + 11), marks={0: T0 + 900, 1: T0 + 900}), offset
        )
        assert again.skipped
        assert (again.counted, again.duplicates, again.alerts, again.judged) == (0, 0, [], [])
    assert orjson.dumps(state.to_dict()) == before
    assert len(calls) == judged
    # Offsets may jump (compaction, transactions): the next one above is applied.
    assert not state.apply(tick(T0 + 260, T0 + 260), 9).skipped
    assert state.offset == 9


def test_a_fresh_state_has_applied_nothing() -> None:
    state, _ = fresh()
    assert (state.offset, state.clock, state.watermark) == (-1, None, None)
    assert not state.apply(tick(None, None), 0).skipped


# --- the watermark ----------------------------------------------------------------------


def test_there_is_no_watermark_until_every_raw_partition_has_reported() -> None:
    config = WindowConfig(step=STEP, sizes=(120,), lateness=10, raw_partitions=3)
    state, _ = fresh(config)
    feed = Feeder(state)
    feed(batch(marks={0: T0 + 100}))
    feed(batch(marks={1: T0 + 200}))
    assert state.watermark is None
    assert state.clock is None
    feed(batch(marks={2: T0 + 300}))
    assert state.watermark == T0 + 90
    assert state.clock == T0 + 60


def test_a_busy_partition_that_has_seen_nothing_holds_the_clock() -> None:
    state, _ = fresh()
    feed = Feeder(state)
    feed(tick(T0 + 500, None))
    assert state.watermark is None
    assert state.clock is None
    feed(tick(T0 + 500, T0 + 400))
    assert state.watermark == T0 + 370


def test_the_watermark_is_the_slowest_busy_partition_less_the_lateness() -> None:
    config = WindowConfig(step=STEP, sizes=(120,), lateness=45, raw_partitions=3)
    state, _ = fresh(config)
    Feeder(state)(tick(T0 + 1000, T0 + 400, T0 + 700))
    assert state.watermark == T0 + 355


def test_idle_partitions_do_not_hold_the_clock_back() -> None:
    state, _ = fresh()
    feed = Feeder(state)
    feed(tick(T0 + 1000, T0 + 100, idle=frozenset({1})))
    assert state.watermark == T0 + 970
    # Partition 1 idle with nothing seen at all does not hold it either.
    other, _ = fresh()
    Feeder(other)(tick(T0 + 1000, None, idle=frozenset({1})))
    assert other.watermark == T0 + 970


def test_when_every_partition_is_idle_everything_seen_is_complete() -> None:
    state, _ = fresh()
    Feeder(state)(tick(T0 + 100, T0 + 1000, idle=frozenset({0, 1})))
    assert state.watermark == T0 + 970
    nothing, _ = fresh()
    Feeder(nothing)(tick(None, None, idle=frozenset({0, 1})))
    assert nothing.watermark is None
    one_seen, _ = fresh()
    Feeder(one_seen)(tick(None, T0 + 600, idle=frozenset({0, 1})))
    assert one_seen.watermark == T0 + 570


def test_a_partitions_mark_never_goes_backwards() -> None:
    state, _ = fresh()
    feed = Feeder(state)
    feed(tick(T0 + 500, T0 + 800))
    feed(batch(marks={0: T0 + 300}))  # a new owner re-reading old posts
    assert state.upstream.marks[0] == (T0 + 500, False)
    feed(batch(marks={0: None}, idle=frozenset({0})))
    assert state.upstream.marks[0] == (T0 + 500, True)  # the mark stays, the idleness is news
    feed(batch(marks={0: T0 + 650}))
    assert state.upstream.marks[0] == (T0 + 650, False)
    assert state.watermark == T0 + 620


def test_the_clock_never_goes_back_when_the_watermark_does() -> None:
    state, calls = fresh()
    feed = Feeder(state)
    feed(batch("acme", make_scored("1", ts=T0 + 1), marks={0: T0 + 400}))
    feed(tick(T0 + 100, T0 + 1000, idle=frozenset({0})))
    assert state.clock == T0 + 960
    judged = len(calls)
    feed(tick(T0 + 400, T0 + 1000))  # partition 0 busy again, far behind
    assert state.watermark == T0 + 370
    assert state.clock == T0 + 960
    assert len(calls) == judged


# --- judging boundaries -----------------------------------------------------------------


def test_the_first_watermark_judges_only_the_boundary_it_reached() -> None:
    state, calls = fresh()
    feed = Feeder(state)
    feed(batch("acme", make_scored("1", ts=T0 + 400), marks={0: T0 + 500, 1: T0 + 500}))
    assert state.clock == T0 + 420  # floor((T0 + 470) / 60) * 60
    assert [c.now for c in calls] == [T0 + 420]
    assert calls[0].stats[120].volume == 1


def test_each_boundary_is_judged_once_in_order() -> None:
    state, calls = fresh()
    feed = Feeder(state)
    feed(batch("acme", make_scored("1", ts=T0 + 130), marks={0: T0 + 150, 1: T0 + 150}))
    assert calls == []  # judging starts at the first boundary after the first post
    assert state.clock == T0 + 120
    outcome = feed(tick(T0 + 400, T0 + 391))  # watermark T0 + 361: four boundaries at once
    assert [c.now for c in calls] == [T0 + 180, T0 + 240, T0 + 300, T0 + 360]
    assert [stats[120].end for stats in outcome.judged] == [T0 + 180, T0 + 240, T0 + 300, T0 + 360]
    feed(tick(T0 + 400, T0 + 419))  # same boundary again
    feed(tick(T0 + 400, T0 + 391))
    assert len(calls) == 4
    feed(tick(T0 + 500, T0 + 500))
    assert [c.now for c in calls][4:] == [T0 + 420]
    assert state.clock == T0 + 420
    feed(tick(T0 + 600, T0 + 600))  # from T0 + 480 on the post is out of every window
    assert state.clock == T0 + 540
    assert len(calls) == 5


def test_days_read_before_the_clock_starts_are_judged_from_the_first_post() -> None:
    state, calls = fresh()
    feed = Feeder(state)
    feed(batch("acme", make_scored("1", ts=T0 + 70), marks={0: T0 + 1000}))
    feed(batch("acme", make_scored("2", ts=T0 + 900), marks={1: T0 + 1000}))
    # The first complete watermark is T0 + 970, but the first post is at T0 + 70.
    assert [c.now for c in calls][:2] == [T0 + 120, T0 + 180]
    assert calls[0].stats[120].volume == 1


def test_only_brands_with_posts_in_the_horizon_are_judged_alphabetically() -> None:
    state, calls = fresh()
    feed = Feeder(state)
    feed(batch("zeta", make_scored("z", ts=T0 + 5, brand="zeta"), marks={0: None}))
    feed(batch("acme", make_scored("a", ts=T0 + 250, brand="acme"), marks={1: None}))
    feed(tick(T0 + 330, T0 + 330))  # watermark T0 + 300; judging starts after zeta's post
    assert [(c.brand, c.now - T0) for c in calls] == [
        ("zeta", 60), ("zeta", 120), ("zeta", 180), ("zeta", 240), ("acme", 300), ("zeta", 300)
    ]  # fmt: skip
    feed(tick(T0 + 390, T0 + 390))  # horizon 300 from T0 + 360: zeta's post is out of it
    assert [(c.brand, c.now - T0) for c in calls][6:] == [("acme", 360)]


def keeps_pending(pending_since: float | None) -> Callable[..., list[Any]]:
    """A rule that leaves its state pending since ``pending_since`` (None: not pending)."""

    def decide(
        brand: str, stats: Mapping[int, WindowStats], states: dict[str, Any], now: float
    ) -> list[Any]:
        states["r"] = {"pending_since": pending_since, "last_fired": None}
        return []

    return decide


def test_a_brand_with_a_pending_rule_is_judged_without_posts() -> None:
    judge, calls = recording_judge(keeps_pending(T0))
    state = PartitionState(CONFIG, judge)
    feed = Feeder(state)
    feed(batch("acme", make_scored("a", ts=T0 + 10), marks={0: T0 + 100, 1: T0 + 100}))
    feed(tick(T0 + 1000, T0 + 1000))
    assert [c.now - T0 for c in calls] == [60 * i for i in range(1, 17)]
    assert calls[-1].stats[300].volume == 0


def test_a_settled_rule_lets_a_quiet_brand_rest() -> None:
    judge, calls = recording_judge(keeps_pending(None))
    state = PartitionState(CONFIG, judge)
    feed = Feeder(state)
    feed(batch("acme", make_scored("a", ts=T0 + 10), marks={0: T0 + 100, 1: T0 + 100}))
    feed(tick(T0 + 1000, T0 + 1000))
    # The post at T0 + 10 is in the 300-second horizon up to the boundary at T0 + 300.
    assert [c.now - T0 for c in calls] == [60, 120, 180, 240, 300]


def test_the_judge_sees_the_windows_their_baselines_and_samples() -> None:
    config = WindowConfig(
        step=STEP,
        sizes=(120, 300),
        lateness=0,
        raw_partitions=1,
        half_life=3600,
        priors={"acme": (60.0, 0.1)},
    )
    judge, calls = recording_judge()
    state = PartitionState(config, judge)
    posts = [
        make_scored("1", ts=T0 + 10, compound=-0.5, label=NEGATIVE, author_followers=10),
        make_scored("2", ts=T0 + 200, compound=0.5, label=POSITIVE, author_id="x"),
        make_scored("3", ts=T0 + 250, compound=-0.3, label=UNKNOWN, author_id="x"),
        make_scored("own", ts=T0 + 100, own=True, in_reply_to="2"),
    ]
    outcome = state.apply(batch("acme", *posts, marks={0: T0 + 300}), 0)
    assert outcome.counted == 4
    assert [c.now - T0 for c in calls] == [60, 120, 180, 240, 300]
    first, call = calls[0], calls[-1]
    assert (call.brand, call.now) == ("acme", T0 + 300)
    big, small = call.stats[300], call.stats[120]
    assert (big.brand, big.size, big.end) == ("acme", 300, T0 + 300)
    assert (big.volume, big.negative, big.positive, big.unknown) == (3, 1, 1, 1)
    assert big.sentiment_sum == pytest.approx(0.0)
    assert (big.unique_authors, big.reach, big.max_author_reach) == (2, 10, 10)
    assert (small.volume, small.negative, small.positive, small.unknown) == (2, 0, 1, 1)
    assert big.brand_last_post == small.brand_last_post == T0 + 100
    # The first judgement sees the priors: 60 posts an hour, 10% negative.
    fbig, fsmall = first.stats[300], first.stats[120]
    assert (fbig.volume_baseline, fsmall.volume_baseline) == pytest.approx((5.0, 2.0))
    assert fbig.volume_std == pytest.approx(variance(5.0) ** 0.5)
    assert fsmall.volume_std == pytest.approx(variance(2.0) ** 0.5)
    assert (fbig.sentiment_baseline, fbig.sentiment_std) == pytest.approx((0.0, 0.3))
    assert (fbig.negative_share_baseline, fbig.negative_share_std) == pytest.approx((0.1, 0.1))
    # The own post at T0 + 100 is not yet the brand's last post at T0 + 60.
    assert first.stats[300].brand_last_post is None
    assert [s.key for s in call.samples[300]] == ["twitter:1", "twitter:3", "twitter:2"]
    assert [s.key for s in call.samples[120]] == ["twitter:3", "twitter:2"]
    assert outcome.judged == [c.stats for c in calls]


def test_a_brand_without_priors_starts_from_ten_posts_an_hour() -> None:
    state, calls = fresh()
    Feeder(state)(batch("acme", make_scored("1", ts=T0 + 1), marks={0: T0 + 200, 1: T0 + 200}))
    call = calls[0]
    assert call.stats[300].volume_baseline == pytest.approx(10.0 * 300 / 3600)
    assert call.stats[300].negative_share_baseline == pytest.approx(0.2)


def test_baselines_learn_from_each_judged_window() -> None:
    config = WindowConfig(step=STEP, sizes=(120,), lateness=0, raw_partitions=1, half_life=3600)
    judge, calls = recording_judge()
    state = PartitionState(config, judge)
    feed = Feeder(state)
    posts = [make_scored(f"p{i}", ts=T0 + i, compound=-0.5, label=NEGATIVE) for i in range(6)]
    feed(batch("acme", *posts, marks={0: T0 + 60}))
    feed(tick(T0 + 120))
    alpha = alpha_for(STEP, 3600)
    prior = 10.0 * 120 / 3600
    first, second = calls
    assert first.stats[120].volume == second.stats[120].volume == 6
    assert first.stats[120].volume_baseline == pytest.approx(prior)
    # The usual volume learns from whole hours once they leave the windows, not from these.
    assert second.stats[120].volume_baseline == pytest.approx(prior)
    assert second.stats[120].sentiment_baseline == pytest.approx(alpha * -0.5)
    # A share of 1.0 is clamped too, to 0.2 + 3 * 0.1.
    assert second.stats[120].negative_share_baseline == pytest.approx(0.2 + alpha * 0.3)


def test_fired_alerts_are_collected_in_the_outcome() -> None:
    judge, _ = recording_judge(lambda brand, stats, states, now: [(brand, now)])
    state = PartitionState(CONFIG, judge)
    feed = Feeder(state)
    feed(batch("acme", make_scored("1", ts=T0 + 1), marks={0: None, 1: None}))
    feed(batch("bolt", make_scored("2", ts=T0 + 2, brand="bolt"), marks={}))
    outcome = feed(tick(T0 + 150, T0 + 150))  # watermark T0 + 120
    assert outcome.alerts == [
        ("acme", T0 + 60), ("bolt", T0 + 60), ("acme", T0 + 120), ("bolt", T0 + 120)
    ]  # fmt: skip
    outcome = feed(tick(T0 + 270, T0 + 270))
    assert outcome.alerts == [
        ("acme", T0 + 180),
        ("bolt", T0 + 180),
        ("acme", T0 + 240),
        ("bolt", T0 + 240),
    ]
    assert len(outcome.judged) == 4


# --- late posts -------------------------------------------------------------------------


def test_before_there_is_a_clock_every_post_counts_and_none_is_late() -> None:
    state, _ = fresh()
    outcome = Feeder(state)(
        batch("acme", make_scored("1", ts=T0 - 86_400), make_scored("2", ts=T0), marks={})
    )
    assert (outcome.counted, outcome.late, outcome.too_late) == (2, 0, 0)


def test_late_posts_within_the_horizon_are_counted_and_flagged() -> None:
    state, calls = fresh()
    feed = Feeder(state)
    feed(batch("acme", make_scored("0", ts=T0 + 590), marks={0: T0 + 630, 1: T0 + 630}))
    assert state.clock == T0 + 600  # horizon 300: posts from T0 + 300 on are still counted
    outcome = feed(
        batch(
            "acme",
            make_scored("late", ts=T0 + 450),
            make_scored("edge", ts=T0 + 300),
            make_scored("new", ts=T0 + 610),
            make_scored("gone", ts=T0 + 299),
            make_scored("ancient", ts=T0 - 5000),
            marks={0: T0 + 700},
        )
    )
    assert (outcome.counted, outcome.late, outcome.too_late, outcome.duplicates) == (3, 2, 2, 0)
    windows = state.brands["acme"]
    assert "twitter:gone" not in windows.seen and "twitter:ancient" not in windows.seen
    assert windows.sums(T0 + 600, 300).volume == 3  # edge, late, 0
    feed(tick(T0 + 700, T0 + 700))
    assert calls[-1].now == T0 + 660
    assert calls[-1].stats[300].volume == 3  # [T0 + 360, T0 + 660): late, 0, new


def test_a_redelivered_post_is_a_duplicate_not_a_second_count() -> None:
    state, _ = fresh()
    feed = Feeder(state)
    post = make_scored("1", ts=T0 + 10)
    assert feed(batch("acme", post, marks={0: T0 + 100, 1: T0 + 100})).counted == 1
    outcome = feed(batch("acme", post, post, marks={}))
    assert (outcome.counted, outcome.duplicates) == (0, 2)


def test_old_buckets_and_keys_are_evicted_once_out_of_every_window() -> None:
    state, _ = fresh()
    feed = Feeder(state)
    feed(batch("acme", make_scored("1", ts=T0 + 10), marks={0: T0 + 100, 1: T0 + 100}))
    feed(tick(T0 + 389, T0 + 389))  # clock T0 + 300: the bucket at T0 is still kept
    assert state.brands["acme"].buckets
    feed(tick(T0 + 450, T0 + 450))  # clock T0 + 420: out of every window, not yet swept
    assert state.brands["acme"].buckets
    feed(tick(T0 + 630, T0 + 630))  # clock T0 + 600, a sweep step: evicts before T0 + 240
    assert state.brands["acme"].buckets == {}
    assert state.brands["acme"].seen == {}


# --- baselines through quiet stretches --------------------------------------------------


def test_idle_steps_teach_the_tone_baselines_nothing() -> None:
    config = WindowConfig(
        step=STEP, sizes=(120,), lateness=0, raw_partitions=1, half_life=3600,
        priors={"acme": (30.0, 0.2)},
    )  # fmt: skip
    judge, calls = recording_judge()
    state = PartitionState(config, judge)
    feed = Feeder(state)
    feed(
        batch(
            "acme", make_scored("1", ts=T0 + 10, compound=-0.5, label=NEGATIVE), marks={0: T0 + 60}
        )
    )
    feed(tick(T0 + 600))  # judged at 120; skipped at 180 ... 600 (eight quiet steps)
    assert [c.now - T0 for c in calls] == [60, 120]
    feed(batch("acme", make_scored("2", ts=T0 + 610), marks={0: T0 + 660}))
    assert [c.now - T0 for c in calls] == [60, 120, 660]
    alpha = alpha_for(STEP, 3600)
    last = calls[-1].stats[120]
    # Prior mean 1 post per 2 minutes: no hour has left the windows yet to teach it.
    assert last.volume_baseline == pytest.approx(1.0)
    # Empty windows say nothing about sentiment: that baseline kept what 60 and 120 taught it.
    after_first = alpha * -0.5
    assert last.sentiment_baseline == pytest.approx(after_first + alpha * (-0.5 - after_first))


# --- recovery: snapshot + replay == never stopped ---------------------------------------

RECOVERY = WindowConfig(
    step=STEP,
    sizes=(120, 300),
    lateness=30,
    raw_partitions=2,
    half_life=3600,
    priors={"acme": (60.0, 0.1)},
    topics=TopicIndex.build({"service-outage": ["down", "not working"], "data-breach": ["leak"]}),
    languages={"acme": "en"},
)
LABELS = (NEGATIVE, NEGATIVE, POSITIVE, NEUTRAL, UNKNOWN)
#: Texts with and without topics and rising words; the last ones are what a hijacked
#: account posts.
TEXTS = (
    "hello there", "the app is down again", "card not working at the till", "a data leak?",
    "branch director video", "thanks for the quick answer",
)  # fmt: skip
HIJACKED = ("GIVEAWAY send 1 BTC to our wallet", "free gift cards at bit.ly/x1 idiots")


def scenario(seed: int, count: int) -> list[tuple[int, ScoredBatch]]:
    """Deterministic traffic: three brands over two raw partitions, with gaps in offsets,
    leaps of event time, idle partitions, redelivered posts, late and too-late posts, the
    brand's own posts, and one brand falling quiet for a while."""
    rng = random.Random(seed)
    marks = [T0 + 7, T0 + 3]
    sent: dict[str, list[Any]] = {}
    out: list[tuple[int, ScoredBatch]] = []
    offset, serial = 3, 0
    for i in range(count):
        offset += rng.choice([1, 1, 1, 2, 5])
        p = rng.randrange(2)
        marks[p] += rng.choice([0, 5, 20, 45, 90, 90, 200])
        reported: dict[int, float | None] = {p: marks[p]}
        if i < 4 and p == 1:
            reported = {1: None}  # partition 1 has seen nothing yet
        elif i >= 4 and rng.random() < 0.4:
            reported = {0: marks[0], 1: marks[1]}
        idle = frozenset(q for q in reported if rng.random() < 0.1)
        if rng.random() < 0.15:
            out.append((offset, ScoredBatch(None, (), reported, idle)))
            continue
        brands = ["acme", "globex"] if 40 <= i < 80 else ["acme", "globex", "initech"]
        brand = rng.choice(brands)
        posts = []
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            if r < 0.12 and sent.get(brand):
                posts.append(rng.choice(sent[brand]))
                continue
            serial += 1
            ts = marks[p] - (rng.randrange(60, 700) if r < 0.25 else rng.randrange(0, 30))
            own = rng.random() < 0.08
            scored = make_scored(
                f"p{serial}",
                ts=ts,
                brand=brand,
                compound=round(rng.uniform(-1, 1), 4),
                label=rng.choice(LABELS),
                own=own,
                author_id=f"u{rng.randrange(30)}",
                author_followers=rng.choice([None, 0, 50, 5000, 250_000]),
                text=rng.choice(HIJACKED if own and rng.random() < 0.5 else TEXTS),
                likes=rng.choice([None, 3]),
            )
            sent.setdefault(brand, []).append(scored)
            posts.append(scored)
        out.append((offset, ScoredBatch(brand, tuple(posts), reported, idle)))
    return out


SCENARIO = scenario(seed=3, count=150)


def run(state: PartitionState, messages: list[tuple[int, ScoredBatch]]) -> list[Outcome]:
    return [state.apply(message, offset) for offset, message in messages]


def test_the_recovery_scenario_exercises_every_path() -> None:
    judge, calls = recording_judge(burst_rule)
    outcomes = run(PartitionState(RECOVERY, judge), SCENARIO)
    assert sum(o.counted for o in outcomes) > 150
    assert sum(o.duplicates for o in outcomes) > 5
    assert sum(o.late for o in outcomes) > 10
    assert sum(o.too_late for o in outcomes) > 10
    assert sum(len(o.alerts) for o in outcomes) > 5
    assert sum(len(o.judged) > 1 for o in outcomes) > 5  # several boundaries at once
    assert {c.brand for c in calls} == {"acme", "globex", "initech"}
    assert any(c.states.get("burst", {}).get("pending_since") for c in calls)
    initech = [c.now for c in calls if c.brand == "initech"]
    assert any(b - a > 10 * STEP for a, b in itertools.pairwise(initech))
    # The signals' state is exercised too: topics, off-brand own posts, big rants, and
    # whole hours learnt into the usual and the background words.
    stats = [s for c in calls for s in c.stats.values()]
    assert any(s.topics.get("service-outage") for s in stats)
    assert any(s.own_off_brand for s in stats)
    assert any(s.negative_reach == 250_000 for s in stats)
    state = PartitionState(RECOVERY, recording_judge(burst_rule)[0])
    run(state, SCENARIO)
    assert all(learnt.usual.next_hour is not None for learnt in state.learnt.values())
    assert any(learnt.background.weights for learnt in state.learnt.values())


def snapshot_json(state: PartitionState) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(orjson.dumps(state.to_dict()))
    return data


def snapshot_compressed(state: PartitionState) -> dict[str, Any]:
    """A snapshot as the window stage writes it: its buckets kept as JSON."""
    return decode_snapshot(encode_snapshot(state.to_dict(encoded=True)))


def snapshot_zlib(state: PartitionState) -> dict[str, Any]:
    """A snapshot as versions before zstd wrote it: still read."""
    return decode_snapshot(zlib.compress(orjson.dumps(state.to_dict()), 1))


def snapshot_plain(state: PartitionState) -> dict[str, Any]:
    return state.to_dict()


@functools.cache
def uninterrupted_run() -> tuple[PartitionState, list[Outcome], list[Call]]:
    """The whole scenario applied by a worker that never stopped (computed once)."""
    judge, calls = recording_judge(burst_rule)
    state = PartitionState(RECOVERY, judge)
    return state, run(state, SCENARIO), calls


@pytest.mark.parametrize(
    "snapshot", [snapshot_json, snapshot_compressed, snapshot_zlib, snapshot_plain]
)
@pytest.mark.parametrize("k", [0, 1, 3, 9, 27, 52, 77, 101, 128, 149, 150])
def test_a_restored_snapshot_plus_replay_is_exactly_an_uninterrupted_run(
    k: int, snapshot: Callable[[PartitionState], dict[str, Any]]
) -> None:
    uninterrupted, outcomes_a, calls_a = uninterrupted_run()

    judge_b, calls_b = recording_judge(burst_rule)
    stopped = PartitionState(RECOVERY, judge_b)
    outcomes_b = run(stopped, SCENARIO[:k])
    assert outcomes_b == outcomes_a[:k]
    saved = snapshot(stopped)
    del stopped

    judge_c, calls_c = recording_judge(burst_rule)
    restored = PartitionState.from_dict(RECOVERY, judge_c, saved)
    # The broker redelivers some of what the snapshot already covers: nothing changes.
    for offset, message in SCENARIO[max(0, k - 4) : k]:
        assert restored.apply(message, offset).skipped
    outcomes_c = run(restored, SCENARIO[k:])

    assert restored.to_dict() == uninterrupted.to_dict()
    assert orjson.dumps(restored.to_dict()) == orjson.dumps(uninterrupted.to_dict())
    assert outcomes_c == outcomes_a[k:]
    assert calls_b + calls_c == calls_a


def test_restoring_again_and_again_is_still_exactly_an_uninterrupted_run() -> None:
    uninterrupted, expected, _ = uninterrupted_run()
    judge, _ = recording_judge(burst_rule)
    state = PartitionState(RECOVERY, judge)
    got: list[Outcome] = []
    for start, stop in [(0, 13), (13, 14), (14, 60), (60, 61), (61, 150)]:
        state = PartitionState.from_dict(RECOVERY, judge, snapshot_json(state))
        got.extend(run(state, SCENARIO[start:stop]))
    assert got == expected
    assert state.to_dict() == uninterrupted.to_dict()


def test_replay_is_deterministic_for_another_seed() -> None:
    traffic = scenario(seed=11, count=90)
    judge, calls_a = recording_judge(burst_rule)
    a = PartitionState(RECOVERY, judge)
    outcomes_a = run(a, traffic)
    judge_b, calls_b = recording_judge(burst_rule)
    b = PartitionState(RECOVERY, judge_b)
    outcomes_b = run(b, traffic[:45])
    judge_c, calls_c = recording_judge(burst_rule)
    c = PartitionState.from_dict(RECOVERY, judge_c, snapshot_json(b))
    outcomes_b += run(c, traffic[45:])
    assert outcomes_b == outcomes_a
    assert calls_b + calls_c == calls_a
    assert c.to_dict() == a.to_dict()


def test_a_restored_state_remembers_which_partitions_were_idle() -> None:
    state, _ = fresh()
    Feeder(state)(tick(T0 + 1000, T0 + 100, idle=frozenset({1})))
    judge, _ = recording_judge()
    restored = PartitionState.from_dict(CONFIG, judge, snapshot_json(state))
    assert restored.upstream.marks == {0: (T0 + 1000, False), 1: (T0 + 100, True)}
    restored.apply(batch("acme", make_scored("1", ts=T0 + 1050), marks={0: T0 + 1100}), 1)
    assert restored.watermark == T0 + 1070
    assert restored.clock == T0 + 1020


def test_a_snapshot_before_any_clock_restores_to_the_same_start() -> None:
    state, _ = fresh()
    Feeder(state)(batch("acme", make_scored("1", ts=T0 + 5), marks={0: T0 + 100}))
    saved = snapshot_json(state)
    assert (saved["offset"], saved["clock"]) == (0, None)
    judge, calls = recording_judge()
    restored = PartitionState.from_dict(CONFIG, judge, saved)
    assert restored.apply(batch(marks={1: T0 + 100}), 1).judged[0][120].volume == 1
    assert [c.now for c in calls] == [T0 + 60]


def test_a_snapshot_does_not_change_when_the_state_goes_on() -> None:
    judge, _ = recording_judge(burst_rule)
    state = PartitionState(RECOVERY, judge)
    run(state, SCENARIO[:40])
    saved = state.to_dict()
    frozen = orjson.dumps(saved)
    run(state, SCENARIO[40:])
    assert orjson.dumps(saved) == frozen


def test_an_alert_may_quote_what_the_brand_published_since_its_wave_began() -> None:
    # Two offers from the brand's page, then a wave: the judge is handed the everyday posts
    # of each window, and once the wave is under way those since it began too.
    seen: dict[float, tuple[float | None, list[str], list[str]]] = {}

    def judge(brand: str, view: BrandView, states: dict[str, Any], now: float) -> list[Any]:
        small, large = ([p.key for p in view.published(size)] for size in (120, 300))
        seen[now - T0] = (view.stats[120].wave_since, small, large)
        return []

    def offer(key: str, at: float) -> Any:
        return make_scored(key, ts=T0 + at, own=True, compound=0.6, label=POSITIVE,
                           text="Autumn sale! Fares from 39 pounds, book by Sunday")  # fmt: skip

    angry = [
        make_scored(f"n{i}", ts=T0 + 250 + i, compound=-0.7, label=NEGATIVE, author_id=f"a{i}")
        for i in range(40)
    ]
    state = PartitionState(CONFIG, judge)
    posts = (offer("early", 10), offer("offer", 200), *angry)
    state.apply(batch("acme", *posts, marks={0: T0 + 420, 1: T0 + 420}), 0)
    assert seen[300] == (None, ["twitter:offer"], ["twitter:offer", "twitter:early"])
    wave, small, large = seen[360]
    assert wave is not None and T0 + 10 < wave <= T0 + 200
    # The 120 s window, [240, 360), does not hold the offer; the wave, begun before it, does.
    assert small == large == ["twitter:offer"]
