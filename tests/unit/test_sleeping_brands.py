"""A steady brand sleeps until its windows can change (windows/sleep.py): it is not visited
at the boundaries between, and learns what they would have taught it when it wakes. Posts
of many brands, sparse and bursty, late, early, repeated and the brands' own, give the very
figures, alerts, steady brands and learnt state as visiting every brand at every boundary,
through a snapshot and a restore too."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest
from factories import T0, make_scored

from listener.records import NEGATIVE, POSITIVE, ScoredBatch
from listener.windows.config import WindowConfig
from listener.windows.judging import BrandView
from listener.windows.partition import PartitionState
from listener.windows.sleep import Sleepers, Slept

STEP = 60
CONFIG = WindowConfig(step=STEP, sizes=(120, 300, 900), lateness=0, raw_partitions=1)
B = T0 // STEP * STEP


class Judge:
    """Settles a brand whose shortest window holds fewer than ``floor`` posts; alerts at
    every boundary it is asked about a brand with at least ``fires`` negative posts there."""

    def __init__(self, floor: int = 2, fires: int = 2) -> None:
        self.floor, self.fires = floor, fires

    def settled(self, brand: str, stats: Any, states: Any) -> bool:
        return bool(stats[min(stats)].volume < self.floor)

    def __call__(self, brand: str, view: BrandView, states: dict[str, Any], now: float) -> list:
        shortest = view.stats[min(view.stats)]
        return [(brand, now)] if shortest.negative >= self.fires else []


class Sleepless(Sleepers):
    def sleep(self, brand: str, slept: Slept | None) -> None:
        pass


class Awake(PartitionState):
    """Every brand visited at every boundary, as before brands slept."""

    def __init__(self, config: WindowConfig, judge: Any) -> None:
        super().__init__(config, judge)
        self.sleepers = Sleepless(self.sleepers.lengths)


class Run:
    """A partition and everything its boundaries gave out."""

    def __init__(self, state: PartitionState) -> None:
        self.state = state
        self.figures: dict[tuple[str, float], Any] = {}
        self.alerts: list[Any] = []
        self.steady: set[tuple[str, float]] = set()

    def apply(self, batch: ScoredBatch, offset: int) -> None:
        outcome = self.state.apply(batch, offset)
        for stats in outcome.judged:
            first = next(iter(stats.values()))
            figures = {str(size): s.metrics() for size, s in stats.items()}
            self.figures[first.brand, first.end] = orjson.dumps(figures)
        self.alerts += outcome.alerts
        self.steady.update(outcome.steady)

    def learnt(self) -> bytes:
        return orjson.dumps(self.state.to_dict())


def traffic(seed: int) -> list[ScoredBatch]:
    """Six brands over four hours: one with a post an hour, some with a few, one with a
    burst of negative posts; some posts late, some early, some twice, some the brand's own.
    Each batch carries the watermark, moved on by up to five minutes."""
    rng = random.Random(seed)
    posts: list[tuple[float, str, Any]] = []
    rates = {"hourly": 1, "few": 4, "some": 10, "busy": 40, "owner": 3, "burst": 2}
    for brand, per_hour in rates.items():
        for n in range(per_hour * 4):
            ts = B + rng.uniform(0, 4 * 3600)
            negative = rng.random() < 0.3
            posts.append((ts, brand, dict(
                id=f"{brand}-{n}", ts=ts, brand=brand, author_id=f"a{rng.randrange(30)}",
                compound=-0.6 if negative else 0.5, label=NEGATIVE if negative else POSITIVE,
                own=brand == "owner" and rng.random() < 0.4, author_followers=rng.randrange(5000),
            )))  # fmt: skip
    start = B + 2 * 3600 + rng.uniform(0, 600)
    for n in range(12):  # a burst: enough negative posts for the judge to fire
        ts = start + n * 20
        posts.append((ts, "burst", dict(
            id=f"burst-wave-{n}", ts=ts, brand="burst", author_id=f"w{n}",
            compound=-0.8, label=NEGATIVE,
        )))  # fmt: skip
    posts.sort(key=lambda p: p[0])
    batches: list[ScoredBatch] = []
    mark = B
    i = 0
    while i < len(posts):
        mark += rng.uniform(0, 300)
        chunk = []
        while i < len(posts) and posts[i][0] <= mark:
            chunk.append(posts[i])
            i += 1
        if rng.random() < 0.2 and chunk:  # held back: delivered late, after the boundary
            late = chunk.pop(rng.randrange(len(chunk)))
            posts.insert(i + rng.randrange(1, 8), (mark + 1, late[1], late[2]))
        if rng.random() < 0.1 and i < len(posts):  # delivered early, ahead of the clock
            chunk.append(posts.pop(i))
        if chunk and rng.random() < 0.1:  # a post delivered twice
            chunk.append(rng.choice(chunk))
        by_brand: dict[str, list[Any]] = {}
        for _, brand, fields in chunk:
            by_brand.setdefault(brand, []).append(make_scored(**fields))
        batches += [ScoredBatch(b, tuple(p), {0: mark}) for b, p in sorted(by_brand.items())]
        batches.append(ScoredBatch(None, (), {0: mark}))
    batches.append(ScoredBatch(None, (), {0: mark + 3600}))
    return batches


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("judge", [Judge(), Judge(floor=100), Judge(floor=4, fires=3)])
def test_sleeping_brands_give_what_visiting_every_brand_gives(seed: int, judge: Judge) -> None:
    sleeping, awake = Run(PartitionState(CONFIG, judge)), Run(Awake(CONFIG, judge))
    batches = traffic(seed)
    for offset, batch in enumerate(batches):
        for run in (sleeping, awake):
            run.apply(batch, offset)
        if offset % 97 == 0:  # a snapshot between boundaries, on the way
            assert sleeping.learnt() == awake.learnt()
    assert sleeping.state.sleepers.asleep  # brands did sleep
    assert sleeping.figures == awake.figures
    assert sleeping.alerts == awake.alerts
    assert bool(sleeping.alerts) == (judge.floor < 100)  # a judge settling all asks nothing
    assert sleeping.steady == awake.steady
    assert sleeping.learnt() == awake.learnt()


@pytest.mark.parametrize("seed", [4, 5])
def test_a_restored_partition_wakes_its_brands_when_they_change(seed: int) -> None:
    judge = Judge()
    whole, awake = Run(PartitionState(CONFIG, judge)), Run(Awake(CONFIG, judge))
    batches = traffic(seed)
    half = len(batches) // 2
    for offset, batch in enumerate(batches[:half]):
        whole.apply(batch, offset)
        awake.apply(batch, offset)
    data = orjson.loads(whole.learnt())
    restored = Run(PartitionState.from_dict(CONFIG, judge, data))
    restored.figures, restored.alerts = dict(whole.figures), list(whole.alerts)
    restored.steady = set(whole.steady)
    for offset, batch in enumerate(batches[half:], start=half):
        for run in (whole, restored, awake):
            run.apply(batch, offset)
    assert restored.figures == whole.figures == awake.figures
    assert restored.alerts == whole.alerts == awake.alerts
    assert restored.learnt() == whole.learnt() == awake.learnt()


class Visits(PartitionState):
    """Notes the boundaries each brand is visited at (its windows looked at)."""

    def __init__(self, config: WindowConfig, judge: Any) -> None:
        super().__init__(config, judge)
        self.visits: list[float] = []

    def _unchanged(self, brand: str, windows: Any, now: float) -> bool:
        self.visits.append(now)
        return super()._unchanged(brand, windows, now)


def test_a_brand_with_one_post_is_visited_only_as_its_windows_change() -> None:
    state = Visits(CONFIG, Judge())
    post = make_scored("p1", ts=B + 10, compound=0.5, label=POSITIVE)
    state.apply(ScoredBatch("acme", (post,), {0: B + 30}), 0)
    for offset, mark in enumerate(range(int(B) + 60, int(B) + 1500, 60), start=1):
        outcome = state.apply(ScoredBatch(None, (), {0: float(mark)}), offset)
        assert [brand for brand, _ in outcome.steady] in ([], ["acme"])
    # The post enters at B + 60 and leaves the 2-, 5- and 15-minute windows at B + 180,
    # B + 360 and B + 960, when the brand has no post left and sleeps with nothing to learn.
    assert state.visits == [B + 60, B + 180, B + 360]
    assert state.last_judged["acme"] == B + 900  # learnt from every boundary with the post
