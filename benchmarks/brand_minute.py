"""What one judged brand-minute costs: the CPU the window stage spends on one brand at one
boundary, judging it (its windows' sums, figures and baselines, its rules) and writing its
record for the window-stats topic, in one process, without the broker.

With many brands sharing the posts, nearly every brand has a post in its longest window, so
every one is judged at every boundary (benchmarks/brands.py measures the worker as a whole).
This builds the windows of ``--posts`` posts spread over ``--brands`` brands as brands.py
spreads them, copies that state ``--copies`` times, and times each copy's next boundary;
the best copy is printed, with the same cost in posts of a raw VADER loop run beside it,
and what a count's surprise costs, compiled (listener.native) and in pure Python;
then two costs that grow with the brands held whatever the posts: a snapshot of that state,
and publishing the per-brand gauges (listener.ops.brand_metrics). Last, what the window
stage costs a post over the same posts with 50 brands and with ``--brands``, doing less
and less of each boundary's work: how much of the difference judging is, and how much the
windows' sums and what is learnt from them, which every brand with posts needs each minute
whatever its rules; and all of it for the brands above some floor of their rules alone,
the others costing nothing: the least any cheaper handling of quiet brands could reach.

    .venv/bin/python benchmarks/brand_minute.py [--brands 1000] [--posts 30000] [--copies 15]
"""

from __future__ import annotations

import argparse
import copy
import gc
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brands import make_posts, write_rules
from prometheus_client import CollectorRegistry
from throughput import vader_loop

from listener import native
from listener.ops.brand_metrics import BrandBoard
from listener.ops.metrics import Metrics
from listener.records import Post, ScoredBatch, ScoredPost, parse_raw_message
from listener.rules.files.loader import load_rules
from listener.rules.runtime import build_enricher, build_judge, window_config
from listener.settings import Settings
from listener.windows.config import WindowConfig
from listener.windows.counting.walk import window_sums
from listener.windows.judging import Judge, Outcome
from listener.windows.learning import surprise as count_model
from listener.windows.partition import PartitionState
from listener.windows.recovery import encode_snapshot
from listener.windows.sleep import Sleepers
from listener.windows.stats import stats_messages
from listener.worker import GC_THRESHOLDS

#: Posts scored together, as a scoring batch of the worker holds them.
BUNDLE = 200


def scored(brand_count: int, post_count: int) -> tuple[WindowConfig, Judge, list[ScoredBatch]]:
    """The window stage's config and judge for ``brand_count`` brands, and ``post_count``
    posts spread over them as brands.py spreads them, scored, in event-time order: one
    batch per brand of each bundle of posts, then the bundle's last time as the clock."""
    brands = [f"brand_{i:05d}" for i in range(brand_count)]
    raw = make_posts(post_count, brands)
    target = Path(tempfile.mkdtemp(prefix="listener-brand-minute-")) / "rules"
    write_rules(target, brands)
    rules = load_rules(target)
    posts = [p for r in raw for p in parse_raw_message(b"[" + r + b"]") if isinstance(p, Post)]
    posts.sort(key=lambda post: post.ts)
    enricher = build_enricher(rules)
    batches = []
    for start in range(0, len(posts), BUNDLE):
        bundle = posts[start : start + BUNDLE]
        by_brand: dict[str, list[ScoredPost]] = defaultdict(list)
        for found in enricher.enrich_many(bundle):
            for record in found:
                by_brand[record.brand].append(record)
        batches += [ScoredBatch(b, tuple(records), {}) for b, records in by_brand.items()]
        batches.append(ScoredBatch(None, (), {0: bundle[-1].ts}))
    return window_config(rules, Settings(partitions=1)), build_judge(rules), batches


def counted_state(brand_count: int, post_count: int) -> PartitionState:
    """One partition's windows after ``post_count`` posts, its clock at the last of them."""
    config, judge, batches = scored(brand_count, post_count)
    state = PartitionState(config, judge)
    counted = [batch for batch in batches if batch.brand is not None]
    for offset, batch in enumerate(counted):
        state.apply(batch, offset)
    state.apply(batches[-1], len(counted))  # the last bundle's time: the clock passes it
    return state


class Partial(PartitionState):
    """The window stage with only part of each boundary's work (``does``): none, each
    brand's windows summed, summed and learnt from (tone baselines, burstiness), or all of
    it for the brands whose rules were asked (``loud``, see :class:`Asked`) and nothing for
    the others: what the stage would cost if the brands the rules' floors settle cost
    nothing at all."""

    does = "none"
    #: (brand, boundary) pairs judged in full, for ``does == "loud"``.
    loud: frozenset[tuple[str, float]] = frozenset()

    def _judge_all(self, now: float, outcome: Outcome) -> None:
        if self.does == "none":
            return
        if self.does == "loud":
            # Only the loud brands held, none asleep: each is looked at where it is loud.
            held, sleepers, touched = self.brands, self.sleepers, self.touched
            self.brands = {b: w for b, w in held.items() if (b, now) in self.loud}
            self.sleepers = Sleepers(sleepers.lengths)
            self.touched = touched & self.brands.keys()
            try:
                super()._judge_all(now, outcome)
            finally:
                self.brands, self.sleepers, self.touched = held, sleepers, touched
                touched.clear()
            return
        since = now - self.config.horizon
        for brand in sorted(self.brands):
            windows = self.brands[brand]
            if windows.has_posts_between(since, now):
                every, _ = window_sums(windows, now, self.config.sizes)
                if self.does == "learning":
                    self._learn(brand, every, now)


class Asked:
    """A judge that notes each brand and boundary whose rules it is asked (those the
    floors did not settle), and otherwise is ``judge``."""

    def __init__(self, judge: Judge) -> None:
        self.judge = judge
        self.asked: set[tuple[str, float]] = set()
        self.settled = getattr(judge, "settled", None)
        self.holding = getattr(judge, "holding", None)

    def __call__(self, brand: str, view: Any, states: dict[str, Any], now: float) -> list[Any]:
        self.asked.add((brand, now))
        return self.judge(brand, view, states, now)


#: The parts of the boundaries' work :func:`stage_cost` times, as it prints them.
PARTS = {
    "none": "nothing: posts counted, buckets evicted",
    "sums": "each brand's windows summed",
    "learning": "summed and learnt from",
    "all": "all of it: judged, figures, rules",
    "loud": "all of it, for the brands above a floor",
}


def stage_cost(brand_count: int, post_count: int, rounds: int = 3) -> dict[str, float]:
    """CPU seconds per post of the window stage over the posts of :func:`scored`, doing
    each part of the boundaries' work (see :class:`Partial`) and all of it, best of
    ``rounds``; and the brand-minutes judged per post."""
    config, judge, batches = scored(brand_count, post_count)
    costs = dict.fromkeys(PARTS, float("inf"))
    asked = Asked(judge)
    state: PartitionState = PartitionState(config, asked)
    for offset, batch in enumerate(batches):
        state.apply(batch, offset)
    loud = frozenset(asked.asked)
    judged = 0
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)  # the collector as the worker sets it
    for _ in range(rounds):
        for does in PARTS:
            state = PartitionState(config, judge) if does == "all" else Partial(config, judge)
            if isinstance(state, Partial):
                state.does, state.loud = does, loud
            judged = 0
            gc.collect()  # the last state's cycles, collected before, not while, this is timed
            started = time.process_time()
            for offset, batch in enumerate(batches):
                outcome = state.apply(batch, offset)
                if does == "all":
                    judged += len(outcome.judged)
            costs[does] = min(costs[does], (time.process_time() - started) / post_count)
            if does == "all":
                costs["judged"] = judged / post_count
    gc.set_threshold(*thresholds)
    costs["loud_minutes"] = len(loud) / post_count
    return costs


def surprise_cost(compute: Callable[..., float], rounds: int = 5) -> float:
    """CPU seconds per call of ``compute`` over counts and means like a window's, best of
    ``rounds``."""
    rng = random.Random(3)
    cases = [(rng.randint(0, 40), rng.uniform(0, 20), rng.uniform(1, 3)) for _ in range(20_000)]
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for count, mean, clustering in cases:
            compute(count, mean, clustering=clustering)
        best = min(best, (time.process_time() - started) / len(cases))
    return best


def snapshot_cost(state: PartitionState, rounds: int = 5) -> float:
    """CPU seconds of one snapshot of ``state`` as the window stage takes it, best of
    ``rounds`` (the first encodes every bucket; the next copy in those kept)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        try:
            data = state.to_dict(encoded=True)
        except TypeError:  # code from before buckets were kept as JSON, run for comparison
            data = state.to_dict()
        encode_snapshot(data)
        best = min(best, time.process_time() - started)
    return best


def publish_cost(judged: list[dict[int, Any]]) -> tuple[float, float]:
    """CPU seconds of publishing the per-brand gauges after a boundary's judging, and of
    publishing them again with nothing judged since (the ops timer runs every 2 s)."""
    board = BrandBoard(Metrics.create(CollectorRegistry()).brands, Settings().brand_metrics_limit)
    for stats_of_brand in judged:
        board.judged(stats_of_brand)
    started = time.process_time()
    board.publish()
    first = time.process_time() - started
    board.publish()
    return first, time.process_time() - started - first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brands", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=30_000)
    parser.add_argument("--copies", type=int, default=15)
    args = parser.parse_args()
    state = counted_state(args.brands, args.posts)
    assert state.clock is not None
    data = state.to_dict()
    # Far enough on for the clock to pass many boundaries; each apply judges one.
    mark = state.clock + 10 * state.config.step + state.config.lateness
    copies = []
    rule_judge = state.judge

    def judge(brand: str, view: Any, states: dict[str, Any], now: float) -> list[Any]:
        return rule_judge(brand, view, states, now)

    for _ in range(args.copies):
        # A judge that cannot tell a brand settled, so that every brand is judged: a
        # steady one (unchanged since judged with every rule false) would only be learnt
        # from (listener.windows.partition), and this measures a brand judged.
        restored = PartitionState.from_dict(state.config, judge, copy.deepcopy(data))
        # The first boundary after a restore sums each window afresh; the ones after it
        # move the sums kept, as a running worker's do.
        restored.apply(ScoredBatch(None, (), {0: mark}), restored.offset + 1, steps=1)
        copies.append(restored)
    gc.collect()
    gc.disable()  # the copies hold millions of objects: a full collection is not judging
    judging = records = float("inf")
    judged = 0
    for each in copies:
        started = time.process_time()
        outcome = each.apply(ScoredBatch(None, (), {}), each.offset + 1, steps=1)
        judged_at = time.process_time()
        sent = list(stats_messages(outcome.judged))
        done = time.process_time()
        judged = len(outcome.judged)
        assert sent and judged, "no brand judged: the clock did not pass a boundary"
        judging = min(judging, (judged_at - started) / judged)
        records = min(records, (done - judged_at) / judged)
    gc.enable()
    snapshot = snapshot_cost(state)
    first_publish, again = publish_cost(outcome.judged)
    _, vader_cpu = vader_loop(make_posts(20_000, ["brand_00000"]))
    whole = judging + records
    print(f"{args.brands:,} brands, {args.posts:,} posts: {judged:,} brands judged at the boundary")
    print(f"judging                 {judging * 1e6:8.1f} µs per brand")
    print(f"window-stats record     {records * 1e6:8.1f} µs per brand")
    print(f"a judged brand-minute   {whole * 1e6:8.1f} µs, {whole / vader_cpu:.2f} of a VADER post")
    print(f"raw VADER loop          {vader_cpu * 1e6:8.1f} µs per post")
    print(f"a snapshot of the state {snapshot * 1e3:8.1f} ms")
    print(f"brand gauges published  {first_publish * 1e3:8.1f} ms; again: {again * 1e3:.1f} ms")
    pure = surprise_cost(native.pure_copy(count_model.__name__).surprise)
    if not native.is_compiled(count_model):
        print(f"a count's surprise      {pure * 1e6:8.2f} µs (pure Python: no compiled copy)")
    else:
        fast = surprise_cost(count_model.surprise)
        print(f"a count's surprise      {fast * 1e6:8.2f} µs compiled, {pure * 1e6:.2f} µs pure")
    sizes = (50, args.brands)
    costs = {size: stage_cost(size, args.posts) for size in sizes}
    print(f"\nthe window stage over {args.posts:,} posts, CPU per post, doing at each boundary:")
    print(f"{'brands':<40s}" + "".join(f"{size:>10,}" for size in sizes))
    for does, label in PARTS.items():
        print(f"{label:<40s}" + "".join(f"{costs[s][does] * 1e6:7.1f} µs" for s in sizes))
    per_post = "".join(f"{costs[s]['judged']:>10.2f}" for s in sizes)
    print(f"{'brand-minutes judged per post':<40s}{per_post}")
    per_post = "".join(f"{costs[s]['loud_minutes']:>10.2f}" for s in sizes)
    print(f"{'... of them above a floor':<40s}{per_post}")


if __name__ == "__main__":
    main()
