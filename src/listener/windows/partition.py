"""The window agent's whole state for one scored partition, as a pure state machine.

``apply(batch, offset)`` is the only way in. State is a deterministic function of the
partition's messages in offset order, so a snapshot taken after offset ``o``, plus the
messages after ``o`` replayed, is exactly the state of a worker that never stopped; and
a message at or below the last applied offset (a redelivery) changes nothing.

The clock is event time: the minimum, over all raw partitions, of the event time each
has reported its posts agree on, less the lateness it is allowed (windows/upstream.py).
Windows ending at a step boundary are judged when the clock passes that boundary, so a
window is judged only once it is complete, whatever the speed or order in which upstream
partitions were read. No single post moves it (listener.eventtime): not to its own date
when every partition is idle, nor back to where judging starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from listener.eventtime import first_judged, keep_oldest
from listener.records import ScoredBatch
from listener.windows.config import DEFAULT_PRIOR, WindowConfig
from listener.windows.counting.brand import BrandWindows
from listener.windows.counting.bucket import WindowSums
from listener.windows.counting.walk import window_sums
from listener.windows.judging import BrandView, Judge, Outcome, pending
from listener.windows.learning.baseline import Baseline
from listener.windows.learning.learnt import WAVE_MIN_POSTS, Learnt
from listener.windows.learning.usual import Usual
from listener.windows.sleep import Sleepers, Slept
from listener.windows.stats import WindowStats, window_stats
from listener.windows.upstream import Upstream

#: Old buckets and post keys are swept once every this many steps.
EVICT_EVERY = 10

_T = TypeVar("_T")
#: What the windows may ask a judge of a brand's figures and rule states (see ``Judge``).
_Asks = Callable[[str, Mapping[int, WindowStats], Mapping[str, Any]], _T]


class PartitionState:
    """Windows, baselines and rule states of every brand in one scored partition."""

    def __init__(self, config: WindowConfig, judge: Judge) -> None:
        self.config = config
        #: The brands found settled at their last boundary (see ``_unchanged``).
        self.settled: set[str] = set()
        #: The brands that counted a post into windows already judged since the last
        #: boundary (a late post): their windows changed.
        self.touched: set[str] = set()
        #: The brands not visited at each boundary, and when to visit them (windows/sleep.py).
        self.sleepers = Sleepers(tuple(sorted({size // config.step for size in config.sizes})))
        self.judge = judge
        self.brands: dict[str, BrandWindows] = {}
        self.baselines: dict[str, dict[int, Baseline]] = {}
        self.rule_states: dict[str, dict[str, Any]] = {}
        self.learnt: dict[str, Learnt] = {}
        self.last_judged: dict[str, float] = {}
        #: How far the raw partitions have delivered their posts: the clock's input.
        self.upstream = Upstream(config.raw_partitions, config.lateness, config.learn_lateness)
        #: The last step boundary judged (event time); None until every upstream reported.
        self.clock: float | None = None
        #: The last message offset applied; -1 when none.
        self.offset: int = -1
        #: Oldest distinct times of the posts counted before the clock started: where
        #: judging begins (see eventtime.first_judged).
        self.oldest: tuple[float, ...] = ()

    @property
    def judge(self) -> Judge:
        return self._judge

    @judge.setter
    def judge(self, judge: Judge) -> None:
        """A new judge (reloaded rules) is asked again what it finds settled."""
        self._judge = judge
        self._settles: _Asks[bool] | None = getattr(judge, "settled", None)
        self._holds: _Asks[frozenset[str]] | None = getattr(judge, "holding", None)
        self.settled.clear()
        for brand in list(self.sleepers.asleep):
            self._wake(brand)

    @property
    def watermark(self) -> float | None:
        """The event-time clock (see windows/upstream.py)."""
        return self.upstream.watermark

    @property
    def received(self) -> float | None:
        """How far every raw partition has delivered its posts, before any lateness."""
        return self.upstream.received

    def apply(self, batch: ScoredBatch, offset: int, steps: int | None = None) -> Outcome:
        """Count ``batch`` and judge the boundaries the clock passes: all of them, or at
        most ``steps``, the rest left to ``catch_up`` (the state is the same either way)."""
        return self.apply_many((batch,), offset, steps)

    def apply_many(
        self, batches: Sequence[ScoredBatch], offset: int, steps: int | None = None
    ) -> Outcome:
        """``apply`` for the batches of one scored message (several brands' posts): all
        counted, then the boundaries judged."""
        outcome = Outcome()
        if offset <= self.offset:
            outcome.skipped = True
            return outcome
        self.offset = offset
        for batch in batches:
            if batch.brand is not None and batch.posts:
                self._count(batch.brand, batch, outcome)
            self.upstream.report(batch)
        self._advance(outcome, steps)
        return outcome

    def _count(self, brand: str, batch: ScoredBatch, outcome: Outcome) -> None:
        windows = self.brands.get(brand)
        if windows is None:
            windows = self.brands[brand] = BrandWindows(step=self.config.step)
        if brand in self.sleepers.asleep:
            self._wake(brand)
        step = self.config.step
        oldest = None if self.clock is None else self.clock - self.config.horizon
        judged = None if self.clock is None else int(self.clock // step)
        topics = self.config.topics_of(brand)
        for scored in batch.posts:
            ts = scored.ts
            if oldest is not None and ts < oldest:
                outcome.too_late += 1  # its windows are closed and forgotten
                continue
            index = int(ts // step)
            new = scored.own or index not in windows.buckets
            if windows.add(scored, topics):
                if new:
                    self.sleepers.expect(brand, index, judged)
                outcome.counted += 1
                if self.clock is None:
                    self.oldest = keep_oldest(self.oldest, ts)
                if self.clock is not None and ts < self.clock:
                    outcome.late += 1
                    self.touched.add(brand)
            else:
                outcome.duplicates += 1

    @property
    def behind(self) -> bool:
        """Whether the clock has boundaries left to judge (see ``catch_up``)."""
        mark, step = self.watermark, self.config.step
        if self.clock is None or mark is None:
            return False
        return self.clock + step <= mark // step * step

    def catch_up(self, steps: int | None = None) -> Outcome:
        """Judge up to ``steps`` more boundaries the clock has passed (all: None). Called by
        an agent that gave ``apply`` a step budget, between turns of its event loop."""
        outcome = Outcome()
        self._advance(outcome, steps)
        return outcome

    def _advance(self, outcome: Outcome, steps: int | None = None) -> None:
        mark = self.watermark
        if mark is None:
            return
        step = self.config.step
        boundary = (mark // step) * step
        if self.clock is None:
            # Judge from the first posts held, not from the first complete watermark: a
            # replay read at full speed delivers days of posts before every upstream
            # partition has reported once, and those days must be judged too.
            self.clock = (first_judged(self.oldest, boundary) // step) * step
            self.sleepers.forget_before(int(self.clock // step) + 1)
        left = -1 if steps is None else steps
        while self.clock + step <= boundary and left != 0:
            left -= 1
            self.clock += step
            self._judge_all(self.clock, outcome)
            self._evict(self.clock)

    def _judge_all(self, now: float, outcome: Outcome) -> None:
        config = self.config
        since, step = now - config.horizon, config.step
        settles = self._settles
        sleepers = self.sleepers
        asleep = sleepers.asleep
        # Every brand but those asleep, and those whose windows may change here: the
        # others would be found steady, or without posts (windows/sleep.py).
        visit = self.brands.keys() - asleep.keys()
        visit |= sleepers.waking(int(now // step))
        visit |= self.touched
        for brand in sorted(visit):
            if brand in asleep:
                self._wake(brand, now - step)
            windows = self.brands[brand]
            if windows.unread:
                windows.read_own(now, config.languages.get(brand))
            states = self.rule_states.setdefault(brand, {})
            if not windows.has_posts_between(since, now) and not _active(states):
                sleepers.sleep(brand, None)  # nothing to learn until a post comes
                continue
            every, quotes = window_sums(windows, now, config.sizes)
            unchanged = self._unchanged(brand, windows, now)
            if unchanged and brand in self.settled:
                self._learn(brand, every, now)
                outcome.steady.append((brand, now))
                sleepers.sleep(brand, (now + step, every))
                continue
            stats = self._stats(brand, windows, now, every)
            self._learn(brand, every, now)
            shortest = stats[min(stats)]
            figures = shortest.metrics()
            learnt = self._learnt(brand)
            learnt.watch(
                now, shortest.size, figures["volume_surprise"], figures["negative_surprise"],
                shortest.volume,
            )  # fmt: skip
            calm = shortest.volume < WAVE_MIN_POSTS and learnt.wave_since is None
            settled = settles is not None and settles(brand, stats, states)
            if unchanged and settled and calm and shortest.wave_since is None:
                # Steady, as a worker that judged the last boundary knew (``settled``).
                self.settled.add(brand)
                outcome.steady.append((brand, now))
                sleepers.sleep(brand, (now + step, every))
                continue
            outcome.judged.append(stats)
            if not settled:
                view = BrandView(stats, quotes, windows, learnt)
                outcome.alerts.extend(self.judge(brand, view, states, now))
                held = self._holds(brand, stats, states) if self._holds is not None else None
                if held:
                    outcome.held[brand, now] = held
                settled = settles is not None and settles(brand, stats, states)
            if settled and calm:
                self.settled.add(brand)
                if not windows.off_brand:  # which changes its windows at every boundary
                    sleepers.sleep(brand, (now + step, every))
            else:
                self.settled.discard(brand)
        for brand, slept in asleep.items():
            if slept is not None and slept[0] <= now:
                outcome.steady.append((brand, now))
        self.touched.clear()

    def _wake(self, brand: str, through: float | None = None) -> None:
        """Wake a sleeping brand: it learns from the boundaries it slept through, up to
        ``through`` (the clock: None), and its kept sums move on to it (windows/sleep.py)."""
        slept = self.sleepers.asleep.pop(brand)
        if slept is not None:
            self._learn_slept(brand, slept, self.clock if through is None else through)

    def _learn_slept(self, brand: str, slept: Slept, through: float | None) -> None:
        """What the boundaries from the first ``slept`` through to ``through`` would have
        taught a steady brand: its windows' sums, unchanged since its last visit, learnt
        from at each."""
        first, every = slept
        if through is None or through < first:
            return
        step = self.config.step
        self._learn(brand, every, through, times=int((through - first) // step) + 1)
        kept = self.brands[brand].running
        assert kept is not None  # summed at the visit it fell asleep at
        kept.last = int(through // step)  # nothing entered or left its windows since

    def _unchanged(self, brand: str, windows: BrandWindows, now: float) -> bool:
        """Whether no post of the brand's windows, nor of its own, changed at this step: none
        entered or left a window, none arrived late into one, no own post was read. A brand
        whose rules were all settled at the last boundary (``settled``) is then steady: the
        same counts and rule states find every rule false again, and change nothing. It is
        learnt from as a judged brand is, but neither judged nor sent as figures. A quiet
        brand with a post in the last hour is judged as the post comes and as it leaves each
        window, not at each of the hour's boundaries. Whether a brand is steady depends on
        the state alone, so a restored worker finds what one that never stopped found."""
        if brand in self.touched or windows.off_brand:
            return False
        step = self.config.step
        buckets, entering = windows.buckets, int(now // step) - 1
        if entering in buckets:
            return False
        if any(entering - size // step in buckets for size in self.config.sizes):
            return False
        return windows.brand_last_post(now) == windows.brand_last_post(now - step)

    def _stats(
        self, brand: str, windows: BrandWindows, now: float, every: Mapping[int, WindowSums]
    ) -> dict[int, WindowStats]:
        return window_stats(
            brand, now, every, windows, self._learnt(brand), self._baselines(brand),
            self.config.topics_of(brand).risks,
        )  # fmt: skip

    def _learn(
        self, brand: str, every: Mapping[int, WindowSums], now: float, times: int = 1
    ) -> None:
        """What a boundary teaches the brand's tone baselines and burstiness, from its
        windows' sums: the same whether the brand is judged there or steady (``_unchanged``).
        ``times``: what that many boundaries in a row with these sums teach, the last at
        ``now`` (a brand asleep, windows/sleep.py), one boundary after the other."""
        baselines = self._baselines(brand)
        for size in self.config.sizes:
            sums = every[size]
            known = sums.volume - sums.unknown
            baselines[size].update(
                known,
                sums.sentiment_sum / known if known else 0.0,
                sums.negative / known if known else 0.0,
                times,
            )
        shortest, longest = min(every), max(every)
        window, whole = every[shortest], every[longest]
        self._learnt(brand).burstiness(
            (window.volume, window.negative), (whole.volume, whole.negative), shortest / longest,
            times,
        )  # fmt: skip
        self.last_judged[brand] = now

    def _learnt(self, brand: str) -> Learnt:
        learnt = self.learnt.get(brand)
        if learnt is None:
            per_hour, _ = self.config.priors.get(brand, DEFAULT_PRIOR)
            learnt = self.learnt[brand] = Learnt(Usual(level=float(per_hour)))
        return learnt

    def _baselines(self, brand: str) -> dict[int, Baseline]:
        """The brand's tone baselines (an idle step teaches them nothing: no tone to read)."""
        config = self.config
        baselines = self.baselines.get(brand)
        if baselines is None:
            _, negative_share = config.priors.get(brand, DEFAULT_PRIOR)
            baselines = self.baselines[brand] = {
                size: Baseline.prior(config.step, config.half_life, negative_share)
                for size in config.sizes
            }
        return baselines

    def _evict(self, now: float) -> None:
        # Posts older than the horizon are refused before their key is looked up, so old
        # keys only cost memory: sweeping every ten steps is enough and much cheaper.
        if int(now // self.config.step) % EVICT_EVERY:
            return
        before = now - self.config.horizon - self.config.step
        step = self.config.step
        for brand, windows in self.brands.items():
            learnt = self._learnt(brand)
            for index, bucket in windows.evict(before):
                learnt.learn(index, bucket, step)
            learnt.advance(before)

    def to_dict(self, encoded: bool = False) -> dict[str, Any]:
        """The state as plain data; ``encoded``: each bucket already as JSON, for
        windows.recovery.encode_snapshot only (the bytes are the same either way). The
        sleeping brands learn what they slept through first: the state is the one a
        worker that visited every brand at every boundary holds."""
        asleep, clock = self.sleepers.asleep, self.clock
        for brand, slept in asleep.items():
            if slept is not None and clock is not None and slept[0] <= clock:
                self._learn_slept(brand, slept, clock)
                asleep[brand] = (clock + self.config.step, slept[1])
        return {
            "offset": self.offset,
            "clock": self.clock,
            "oldest": list(self.oldest),
            **self.upstream.to_dict(),
            "brands": {b: w.to_dict(encoded) for b, w in self.brands.items()},
            "baselines": {
                b: {str(s): base.to_dict() for s, base in sizes.items()}
                for b, sizes in self.baselines.items()
            },
            "rules": {
                b: {r: dict(s) for r, s in rules.items()} for b, rules in self.rule_states.items()
            },
            "last_judged": dict(self.last_judged),
            "touched": sorted(self.touched),
            "learnt": {b: learnt.to_dict() for b, learnt in self.learnt.items()},
        }

    @classmethod
    def from_dict(cls, config: WindowConfig, judge: Judge, data: dict[str, Any]) -> PartitionState:
        state = cls(config, judge)
        state.offset = int(data["offset"])
        state.clock = data["clock"]
        state.oldest = tuple(data.get("oldest", ()))
        state.upstream.restore(data)
        state.brands = {
            b: BrandWindows.from_dict(config.step, w) for b, w in data["brands"].items()
        }
        for brand, sizes in data["baselines"].items():
            baselines = state._baselines(brand)
            for size, values in sizes.items():
                if int(size) in baselines:
                    baselines[int(size)].restore(values)
        state.rule_states = data["rules"]
        state.last_judged = {b: float(t) for b, t in data["last_judged"].items()}
        state.touched = set(data.get("touched", ()))
        state.learnt = {b: Learnt.from_dict(d) for b, d in data.get("learnt", {}).items()}
        state.sleepers.expect_all(state.brands, state.clock)
        return state


def _active(states: Mapping[str, Any]) -> bool:
    """Whether any rule of the brand is pending (its condition held at the last boundary)."""
    return any(pending(s) for s in states.values())


__all__: Sequence[str] = ("PartitionState",)
