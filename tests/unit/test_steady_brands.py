"""A brand its judge found settled, whose windows' posts have not changed since, is not
judged again: it is learnt from exactly as a judged brand is, and no figures are sent for
it (PartitionState._steady). Judging it would find every rule false again."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from factories import T0, make_scored

from listener.records import NEGATIVE, ScoredBatch
from listener.windows.config import WindowConfig
from listener.windows.judging import BrandView
from listener.windows.partition import PartitionState

STEP = 60
CONFIG = WindowConfig(step=STEP, sizes=(120, 300, 900), lateness=0, raw_partitions=1)
#: The start of the bucket the posts fall in.
B = T0 // STEP * STEP


class Settled:
    """A judge that finds every brand settled (or none), counting its calls."""

    def __init__(self, settled: bool = True) -> None:
        self.answer = settled
        self.calls = 0

    def settled(self, brand: str, stats: Any, states: Any) -> bool:
        return self.answer

    def __call__(self, brand: str, view: BrandView, states: dict[str, Any], now: float) -> list:
        self.calls += 1
        return []


def every_boundary(brand: str, view: BrandView, states: dict[str, Any], now: float) -> list:
    """A judge with no ``settled``: the brand is judged at every boundary."""
    return []


class Run:
    def __init__(self, judge: Any) -> None:
        self.state = PartitionState(CONFIG, judge)
        self.offset = -1
        #: Window figures sent, by boundary.
        self.judged: dict[float, dict[int, Any]] = {}
        #: Boundaries where the brand was found steady.
        self.steady: list[float] = []

    def send(self, *posts: Any, mark: float) -> None:
        self.offset += 1
        brand = "acme" if posts else None
        outcome = self.state.apply(ScoredBatch(brand, tuple(posts), {0: mark}), self.offset)
        for stats in outcome.judged:
            end = next(iter(stats.values())).end
            self.judged[end] = {size: s.metrics() for size, s in stats.items()}
        self.steady.extend(end for _, end in outcome.steady)

    def minutes(self, until: float) -> None:
        mark = self.state.watermark or B
        while mark < until:
            mark += STEP
            self.send(mark=mark)


def posts(*offsets: int, negative: bool = False) -> list[Any]:
    return [
        make_scored(f"p{o}", ts=B + o, compound=-0.6 if negative else 0.4,
                    label=NEGATIVE if negative else "positive", author_id=f"a{o}")
        for o in offsets
    ]  # fmt: skip


def test_a_settled_brand_is_judged_only_when_its_windows_change() -> None:
    steady, full = Run(Settled()), Run(every_boundary)
    for run in (steady, full):
        run.send(*posts(10, 20), mark=B + 30)
        run.minutes(B + 1200)
    # Judged when the posts enter and as they leave the 2- and 5-minute windows; the
    # 15-minute window holds them until they leave every window, when nothing is judged.
    assert sorted(steady.judged) == [B + 60, B + 180, B + 360]
    assert sorted(full.judged) == [B + 60 * i for i in range(1, 16)]
    assert steady.steady == sorted(set(full.judged) - set(steady.judged)) and not full.steady
    for end, figures in steady.judged.items():
        assert figures == full.judged[end]
    # What was learnt is the same as if judged at every boundary.
    assert orjson.dumps(steady.state.to_dict()) == orjson.dumps(full.state.to_dict())


def test_a_brand_not_settled_is_judged_at_every_boundary() -> None:
    run = Run(Settled(False))
    run.send(*posts(10), mark=B + 30)
    run.minutes(B + 1200)
    assert sorted(run.judged) == [B + 60 * i for i in range(1, 16)]


def test_enough_posts_in_the_shortest_window_to_start_a_wave_are_judged_each_boundary() -> None:
    # Three posts could start a wave as the usual falls, with the same counts.
    run = Run(Settled())
    run.send(*posts(10, 20, 30), mark=B + 40)
    run.minutes(B + 1200)
    assert sorted(run.judged) == [B + 60, B + 120, B + 180, B + 360]


def test_a_late_post_in_a_window_already_summed_is_judged() -> None:
    quiet, late, full = Run(Settled()), Run(Settled()), Run(every_boundary)
    for run in (quiet, late, full):
        run.send(*posts(10), mark=B + 30)
        run.minutes(B + 240)
    for run in (late, full):
        run.send(*posts(200), mark=B + 240)  # into the bucket of B + 180, summed already
    for run in (quiet, late, full):
        run.minutes(B + 1200)
    assert B + 300 not in quiet.judged
    assert B + 300 in late.judged
    assert late.judged[B + 300][120]["volume"] == 1.0
    # What the steady boundaries before it taught was learnt before the post changed the
    # windows they had.
    assert orjson.dumps(late.state.to_dict()) == orjson.dumps(full.state.to_dict())


def test_a_new_judge_is_asked_again() -> None:
    kept, reloaded = Run(Settled()), Run(Settled())
    for run in (kept, reloaded):
        run.send(*posts(10), mark=B + 30)
        run.minutes(B + 240)
        assert sorted(run.judged) == [B + 60, B + 180]
    reloaded.state.judge = Settled(False)  # reloaded rules that no longer settle it
    for run in (kept, reloaded):
        run.minutes(B + 300)
    assert B + 300 not in kept.judged
    assert B + 300 in reloaded.judged


def test_a_settled_brand_is_not_asked_to_judge() -> None:
    judge = Settled()
    run = Run(judge)
    run.send(*posts(10), mark=B + 30)
    run.minutes(B + 600)
    assert run.judged and judge.calls == 0


@pytest.mark.parametrize("late", [None, 200])
def test_a_restored_state_finds_the_same_brands_steady(late: int | None) -> None:
    whole, restarted = Run(Settled()), Run(Settled())
    for run in (whole, restarted):
        run.send(*posts(10), mark=B + 30)
        run.minutes(B + 240)
        if late is not None:  # into the bucket of B + 180, summed already, leaving no window
            run.send(*posts(late), mark=B + 240)
    # The snapshot, between two boundaries: the restored state must find steady what the
    # worker that took it found, and know of a late post since the last boundary.
    data = orjson.loads(orjson.dumps(restarted.state.to_dict()))
    restarted.state = PartitionState.from_dict(CONFIG, Settled(), data)
    for run in (whole, restarted):
        run.minutes(B + 1200)
    assert (B + 300 in whole.judged) == (late is not None)
    assert restarted.judged == whole.judged
    assert restarted.steady[-8:] == whole.steady[-8:]
    assert orjson.dumps(restarted.state.to_dict()) == orjson.dumps(whole.state.to_dict())
