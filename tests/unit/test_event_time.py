"""Event time no single post can move: the plausibility rule for a post's date, the
agreement rule for marks, and how the scoring stage and the window clock apply them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import orjson
from factories import T0, make_post, make_scored, post_dict
from hypothesis import given
from hypothesis import strategies as st

from listener.enrich.stage import RawMessage, ScoringStage
from listener.eventtime import (
    AGREEING,
    APART_SECONDS,
    EARLIEST_TS,
    MAX_BEHIND_SECONDS,
    MAX_FUTURE_SECONDS,
    agreed_newest,
    door_problem,
    first_judged,
    stream_problem,
)
from listener.records import ScoredBatch, ScoredPost, parse_post
from listener.windows.config import WindowConfig
from listener.windows.judging import BrandView
from listener.windows.partition import PartitionState
from listener.windows.stage import CATCH_UP_STEPS, WindowStage

WALL = T0 + 3600
CONFIG = WindowConfig(step=60, sizes=(120, 300), lateness=30, raw_partitions=2)

# --- the plausibility rule ---------------------------------------------------------------


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_any_date_a_post_can_carry_is_judged_and_refused_only_outside_the_door(
    when: datetime, offset_minutes: int
) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    raw = post_dict(id="x")
    raw["created_at"] = when.astimezone(zone).isoformat()
    post = parse_post(orjson.dumps(raw))
    problem = door_problem(post.ts, WALL)
    plausible = EARLIEST_TS <= post.ts <= WALL + MAX_FUTURE_SECONDS
    assert (problem is None) == plausible
    if problem is not None:
        assert problem.reason == ("past_timestamp" if post.ts < EARLIEST_TS else "future_timestamp")
        assert "created_at" in problem.detail


def test_the_door_names_the_dates_it_refuses() -> None:
    year_one = parse_post(orjson.dumps({**post_dict(), "created_at": "0001-01-01T00:00:00Z"}))
    problem = door_problem(year_one.ts, WALL)
    assert problem is not None and problem.reason == "past_timestamp"
    assert "0001-01-01" in problem.detail and "2000-01-01" in problem.detail
    ahead = door_problem(WALL + 5 * 3600, WALL)
    assert ahead is not None and ahead.reason == "future_timestamp"
    assert "18000 s ahead" in ahead.detail
    assert door_problem(WALL + MAX_FUTURE_SECONDS, WALL) is None
    assert door_problem(float("inf"), WALL) is not None


def test_a_stream_refuses_only_what_is_a_day_behind_what_it_agreed_on() -> None:
    assert stream_problem(T0 - 10 * 365 * 86_400, None) is None  # nothing agreed yet
    assert stream_problem(T0 - MAX_BEHIND_SECONDS, T0) is None
    late = stream_problem(T0 - MAX_BEHIND_SECONDS - 1, T0)
    assert late is not None and late.reason == "past_timestamp" and "behind" in late.detail


# --- the agreement rule ------------------------------------------------------------------

times = st.lists(st.floats(min_value=EARLIEST_TS, max_value=WALL), min_size=1, max_size=30)


@given(times, st.floats(min_value=EARLIEST_TS, max_value=1e12))
def test_one_post_more_never_moves_the_agreed_time_past_what_the_others_reached(
    others: list[float], one: float
) -> None:
    agreed = agreed_newest([*others, one])
    assert agreed is None or agreed <= max(others)


@given(times, st.randoms())
def test_the_agreed_time_is_the_second_newest_distinct_time_in_any_order(
    seen: list[float], rng: object
) -> None:
    shuffled = list(seen)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    distinct = sorted(set(seen), reverse=True)
    if len(distinct) >= 2 and distinct[0] - distinct[1] > APART_SECONDS:
        distinct = distinct[1:]  # the newest stands apart: not counted
    expected = distinct[AGREEING - 1] if len(distinct) >= AGREEING else None
    assert agreed_newest(shuffled) == agreed_newest(seen) == expected
    assert agreed_newest([*seen, *seen]) == expected  # a post read twice agrees with nobody


@given(
    st.lists(st.floats(min_value=0, max_value=APART_SECONDS), min_size=2, max_size=30),
    st.floats(min_value=APART_SECONDS + 1, max_value=1e9),
)
def test_a_post_standing_apart_from_a_stream_changes_nothing(
    gaps: list[float], lead: float
) -> None:
    stream = [T0 + sum(gaps[: n + 1]) for n in range(len(gaps))]  # no gap wider than apart
    assert agreed_newest([*stream, max(stream) + lead]) == agreed_newest(stream)


def test_judging_begins_at_the_oldest_post_unless_it_stands_a_day_apart() -> None:
    clock = T0 + 86_400 * 3
    assert first_judged((), clock) == clock
    assert first_judged((T0,), clock) == clock  # three days before the first clock, alone
    assert first_judged((clock - 3600,), clock) == clock - 3600
    assert first_judged((EARLIEST_TS, clock - 3600), clock) == clock - 3600
    assert first_judged((T0, T0 + 86_000), clock) == T0  # a replay read at once: its days
    assert first_judged((clock + 60, clock + 120), clock) == clock  # never after the clock


# --- the scoring stage -------------------------------------------------------------------


class Everything:
    """Scores every post for brand acme."""

    def enrich_many(self, posts: object) -> list[list[ScoredPost]]:
        return [[make_scored(p.id, ts=p.ts)] for p in posts]  # type: ignore[attr-defined]


def scoring(now: list[float]) -> ScoringStage:
    return ScoringStage(Everything(), 86_400, 3.0, clock=lambda: now[0], wall=lambda: WALL)


def raw(offset: int, *stamps: float, partition: int = 0) -> RawMessage:
    posts = [make_post(f"{offset}-{n}", ts=ts).to_dict() for n, ts in enumerate(stamps)]
    value = orjson.dumps(posts[0] if len(posts) == 1 else posts)
    return RawMessage("raw", partition, offset, value)


def test_implausible_posts_are_dead_lettered_with_their_reason_and_alone() -> None:
    stage = scoring([0.0])
    result = stage.process(
        [raw(0, T0, T0 + 1, WALL + 55 * 60, 0.0, T0 + 2), raw(1, T0 - 2 * 86_400)]
    )
    assert [(d.reason, d.offset) for d in result.dead] == [
        ("future_timestamp", 0),
        ("past_timestamp", 0),
        ("past_timestamp", 1),
    ]
    assert orjson.loads(result.dead[0].payload)["id"] == "0-2"  # only that post of the bundle
    assert "behind its stream" in result.dead[2].detail
    assert sorted(p.post.id for p in result.by_brand["acme"]) == ["0-0", "0-1", "0-4"]
    assert stage.marks[0] == T0 + 1


def test_a_post_ahead_of_its_partition_neither_moves_its_mark_nor_is_promoted_when_idle() -> None:
    now = [0.0]
    stage = scoring(now)
    stage.process([raw(0, T0, T0 + 10, T0 + 20), raw(1, WALL - 60)])  # plausible, but alone
    assert stage.marks[0] == T0 + 10  # the lone post stands apart: not even counted
    now[0] = 10.0
    marks, idle = stage.watermarks([0])
    assert (marks, idle) == ({0: T0 + 10}, frozenset({0}))
    stage.process([raw(2, T0 + 30)])
    assert stage.marks[0] == T0 + 20  # real posts move it on
    stage.process([raw(3, WALL - 50)])
    assert stage.marks[0] == WALL - 60  # two posts agreeing do


# --- the window clock --------------------------------------------------------------------


def window(judged: list[float]) -> PartitionState:
    def judge(brand: str, view: BrandView, states: dict[str, object], now: float) -> list[object]:
        judged.append(now)
        return []

    return PartitionState(CONFIG, judge)


def test_when_every_partition_is_idle_the_clock_goes_where_their_posts_agree() -> None:
    judged: list[float] = []
    state = window(judged)
    posts = tuple(make_scored(str(n), ts=T0 + 60 * n) for n in range(5))
    state.apply(ScoredBatch("acme", posts, {}), 0)
    # Partition 1's newest post is 55 minutes ahead of all others: it agrees with nobody.
    newest = {0: (T0 + 240, T0 + 180), 1: (T0 + 240 + 3300, T0 + 120)}
    idle = frozenset({0, 1})
    state.apply(ScoredBatch(None, (), {0: T0 + 180, 1: T0 + 120}, idle, newest), 1)
    assert state.watermark == T0 + 180 - CONFIG.lateness  # as if the lone post were not there
    assert state.clock == T0 + 120 and max(judged) == T0 + 120
    # A second post near it: now two agree.
    state.apply(ScoredBatch(None, (), {}, idle, {0: (T0 + 240 + 3290,)}), 2)
    assert state.watermark == T0 + 240 + 3290 - CONFIG.lateness


def test_judging_starts_at_the_stream_not_at_a_stray_old_post() -> None:
    judged: list[float] = []
    state = window(judged)
    stray = make_scored("stray", ts=EARLIEST_TS + 3600)
    posts = (stray, make_scored("a", ts=T0 + 100), make_scored("b", ts=T0 + 130))
    state.apply(ScoredBatch("acme", posts, {}), 0)
    state.apply(ScoredBatch(None, (), {0: T0 + 400, 1: T0 + 400}), 1)
    assert judged[0] == T0 + 120  # the first boundary after the first post of the stream
    assert len(judged) == 5


def test_a_catch_up_in_slices_ends_in_the_same_state_as_one_in_one_go() -> None:
    whole: list[float] = []
    sliced: list[float] = []
    one, other = window(whole), window(sliced)
    posts = tuple(make_scored(str(n), ts=T0 + 120 * n) for n in range(800))
    marks = {0: T0 + 96_000, 1: T0 + 96_000}
    for state, steps in ((one, None), (other, 7)):
        state.apply(ScoredBatch("acme", posts, {}), 0)
        state.apply(ScoredBatch(None, (), marks), 1, steps)
    assert len(sliced) == 7 and other.behind
    while other.behind:
        other.catch_up(7)
    assert sliced == whole and len(whole) > 1000
    assert orjson.dumps(other.to_dict()) == orjson.dumps(one.to_dict())


async def test_a_long_catch_up_lets_the_event_loop_answer_meanwhile() -> None:
    judged: list[float] = []
    stage = WindowStage(CONFIG, window(judged).judge, "127.0.0.1:1", "scored", "snaps", 5.0)
    stage.states[0] = PartitionState(CONFIG, stage.judge)
    posts = tuple(make_scored(str(n), ts=T0 + 120 * n) for n in range(500))
    stage.apply(0, 0, ScoredBatch("acme", posts, {}).dumps())
    stage.apply(0, 1, ScoredBatch(None, (), {0: T0 + 60_000, 1: T0 + 60_000}).dumps())
    assert len(judged) == CATCH_UP_STEPS
    turns = 0

    async def other_work() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    beside = asyncio.create_task(other_work())
    await stage.catch_up(0)
    beside.cancel()
    assert not stage.states[0].behind and len(judged) > 900
    assert turns >= len(judged) // CATCH_UP_STEPS - 1
