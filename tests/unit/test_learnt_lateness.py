"""The clock waits for late posts only as long as a live source's posts have needed lately.

Three parts: what a stream remembers of how late its posts came (eventtime.Lateness), what
the scoring stage reports of it for the partitions it follows live (``waits``), and the
window clock taking it off each raw partition's mark instead of the allowed lateness.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from factories import T0, make_post, make_scored
from test_scoring_stage import AcmeEnricher, FakeClock, acme, message

from listener.enrich.stage import ScoringStage
from listener.eventtime import (
    LATENESS_LEARNING_SECONDS,
    LATENESS_MEMORY_SECONDS,
    Lateness,
)
from listener.records import ScoredBatch
from listener.windows.config import WindowConfig
from listener.windows.judging import BrandView
from listener.windows.partition import PartitionState
from listener.windows.recovery import decode_snapshot, encode_snapshot

LEARNT = T0 + LATENESS_LEARNING_SECONDS  # where a stream followed from T0 has been learnt


# --- what a stream remembers ---------------------------------------------------------------


def test_a_stream_is_not_trusted_before_it_was_followed_for_the_learning_time() -> None:
    lateness = Lateness(since=T0)
    assert lateness.wait(T0 + 10) is None
    assert lateness.wait(LEARNT - 1) is None
    assert lateness.wait(LEARNT) == 0.0  # no post came late: nothing to wait for
    assert lateness.wait(T0 + 30, learning=30) == 0.0


def test_the_wait_is_what_two_late_posts_reached() -> None:
    lateness = Lateness(since=T0)
    lateness.note(T0 + 700, T0 + 660)  # 40 s late
    assert lateness.wait(T0 + 700) == 0.0  # one post alone is counted late, not waited for
    lateness.note(T0 + 705, T0 + 690)  # 15 s late
    assert lateness.wait(T0 + 705) == 15.0
    lateness.note(T0 + 710, T0 + 685)  # 25 s late: now two posts reach 25 s
    assert lateness.wait(T0 + 710) == 25.0
    lateness.note(T0 + 2000, T0 + 1990)  # 10 s late, in a later span: the largest two stay
    assert lateness.wait(T0 + 2000) == 25.0


def test_a_stream_forgets_lateness_older_than_its_memory() -> None:
    lateness = Lateness(since=T0)
    lateness.note(T0 + 700, T0 + 400)
    lateness.note(T0 + 701, T0 + 450)
    assert lateness.wait(T0 + 800) == 251.0
    lateness.note(T0 + 3000, T0 + 2990)
    lateness.note(T0 + 3001, T0 + 2991)
    assert lateness.wait(T0 + 3001) == 251.0  # within the hour: still waited for
    later = T0 + 701 + LATENESS_MEMORY_SECONDS + 300
    assert lateness.wait(later) == 10.0  # the slow page is forgotten, the newer posts stay


# --- what the scoring stage reports --------------------------------------------------------


def live_stage(wall: float) -> tuple[ScoringStage, FakeClock]:
    clock = FakeClock(100.0)
    stage = ScoringStage(AcmeEnricher(), 86_400.0, 3.0, clock, wall=lambda: wall)
    return stage, clock


def test_a_live_partition_whose_posts_come_in_order_needs_no_wait() -> None:
    stage, _ = live_stage(wall=LEARNT + 5)
    for i, ts in enumerate(range(0, int(LATENESS_LEARNING_SECONDS) + 10, 5)):
        stage.process([message(acme(str(i), ts=T0 + ts), offset=i)])
    assert stage.waits([0]) == {0: 0.0}


def test_a_partition_is_reported_only_once_learnt() -> None:
    stage, _ = live_stage(wall=T0 + 100)
    for i in range(20):
        stage.process([message(acme(str(i), ts=T0 + 5 * i), offset=i)])
    assert stage.waits([0]) == {}  # followed for 90 s: the allowed lateness still holds
    stage.lateness_learning_seconds = 60.0
    assert stage.waits([0]) == {0: 0.0}


def test_a_replayed_partition_always_gets_the_allowed_lateness() -> None:
    stage, _ = live_stage(wall=time.time())  # posts from 2025 are not followed live
    for i, ts in enumerate(range(0, int(LATENESS_LEARNING_SECONDS) + 10, 5)):
        stage.process([message(acme(str(i), ts=T0 + ts), offset=i)])
    assert stage.waits([0]) == {}


def test_a_page_of_posts_newest_first_is_not_late() -> None:
    """A poll's page comes in one message: its order says nothing of lateness; what was
    agreed before the message does."""
    stage, _ = live_stage(wall=LEARNT + 120)
    stage.process([message(acme("a", ts=T0), offset=0), message(acme("b", ts=T0 + 1), offset=1)])
    for n in range(1, 8):
        start = T0 + 100 * n
        page = b"[" + b",".join(acme(f"{n}-{k}", ts=start + 90 - 10 * k).dumps() for k in range(10))
        stage.process([message(page + b"]", offset=n + 1)])
    assert stage.waits([0]) == {0: 0.0}


def test_posts_arriving_behind_their_partition_teach_the_wait() -> None:
    stage, _ = live_stage(wall=LEARNT + 120)
    for i, ts in enumerate(range(0, int(LATENESS_LEARNING_SECONDS) + 60, 10)):
        stage.process([message(acme(str(i), ts=T0 + ts), offset=i)])
    mark = stage.marks[0]
    # A source read every few minutes delivers a page, its posts 20-35 s behind the others.
    page = [acme(f"slow-{k}", ts=mark - 20 - 5 * k).dumps() for k in range(4)]
    stage.process([message(b"[" + b",".join(page) + b"]", offset=999)])
    assert stage.waits([0]) == {0: 30.0}
    # A duplicate of an old post is dropped, not waited for.
    stage.process([message(acme("0", ts=T0), offset=1000)])
    assert stage.waits([0]) == {0: 30.0}
    stage.forget([0])
    assert stage.waits([0]) == {}


# --- the window clock ----------------------------------------------------------------------

CONFIG = WindowConfig(step=60, sizes=(120,), lateness=60, raw_partitions=2)


def judge_nothing(brand: str, view: BrandView, states: dict[str, Any], now: float) -> list[Any]:
    return []


def tick(marks: dict[int, float], waits: dict[int, float]) -> ScoredBatch:
    return ScoredBatch(None, (), marks, frozenset(), {}, waits)


def test_the_clock_takes_each_partitions_wait_off_its_mark() -> None:
    state = PartitionState(CONFIG, judge_nothing)
    state.apply(tick({0: T0 + 1000, 1: T0 + 990}, {}), 0)
    assert state.watermark == T0 + 930  # no word: the allowed lateness
    state.apply(tick({0: T0 + 1000, 1: T0 + 990}, {0: 0.0, 1: 4.0}), 1)
    assert state.watermark == T0 + 986
    assert state.received == T0 + 990
    state.apply(tick({0: T0 + 1000, 1: T0 + 990}, {0: 500.0, 1: 4.0}), 2)
    assert state.watermark == T0 + 940  # never more than the allowed lateness
    state.apply(tick({0: T0 + 1010, 1: T0 + 1000}, {1: 0.0}), 3)
    assert state.watermark == T0 + 950  # partition 0 is learning again (a new owner)


def test_the_health_view_shows_what_holds_the_clock() -> None:
    state = PartitionState(CONFIG, judge_nothing)
    state.apply(ScoredBatch(None, (), {0: T0 + 1000, 1: T0 + 990}, frozenset({0}), {}, {1: 4.0}), 0)
    assert state.upstream.view() == {
        "0": {"mark": T0 + 1000, "idle": True, "wait": 60.0},
        "1": {"mark": T0 + 990, "idle": False, "wait": 4.0},
    }


def test_the_allowed_lateness_always_when_learning_is_off() -> None:
    config = WindowConfig(
        step=60, sizes=(120,), lateness=60, raw_partitions=2, learn_lateness=False
    )
    state = PartitionState(config, judge_nothing)
    state.apply(tick({0: T0 + 1000, 1: T0 + 990}, {0: 0.0, 1: 0.0}), 0)
    assert state.watermark == T0 + 930


def test_a_minute_is_judged_as_soon_as_its_posts_are_in() -> None:
    judged: dict[str, float | None] = {}
    for name, waits in (("learnt", {0: 0.0, 1: 0.0}), ("allowed", {})):
        state = PartitionState(CONFIG, judge_nothing)
        state.apply(ScoredBatch("acme", (make_scored("1", ts=T0 + 30),), {}), 0)
        state.apply(tick({0: T0 + 61, 1: T0 + 62}, waits), 1)
        judged[name] = state.clock
    assert judged == {"learnt": T0 + 60, "allowed": T0}


def test_the_waits_survive_a_snapshot() -> None:
    state = PartitionState(CONFIG, judge_nothing)
    state.apply(tick({0: T0 + 1000, 1: T0 + 990}, {0: 2.0, 1: 4.0}), 0)
    restored = PartitionState.from_dict(
        CONFIG, judge_nothing, decode_snapshot(encode_snapshot(state.to_dict()))
    )
    assert restored.upstream.waits == {0: 2.0, 1: 4.0}
    assert restored.watermark == state.watermark == T0 + 986


def test_the_waits_travel_on_the_scored_topic() -> None:
    sent = tick({0: T0 + 1000, 3: T0 + 990}, {3: 4.5})
    back = ScoredBatch.loads(sent.dumps())
    assert back.waits == {3: 4.5}
    # Posts and marks without waits say nothing of them, and cost no bytes.
    plain = ScoredBatch("acme", (make_scored("1"),), {})
    assert "waits" not in orjson.loads(plain.dumps())
    assert ScoredBatch.loads(plain.dumps()).waits == {}
    assert make_post("x").ts == T0  # the factories' time is the one these tests reason in
