"""Where a post's time goes: each stage of the pipeline called directly, in one process,
without the broker, over the same generated posts as benchmarks/throughput.py.

    .venv/bin/python benchmarks/stage_costs.py [--posts 60000] [--chain 5] [--brands 50]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from throughput import make_posts, vader_loop, write_rules

from listener.enrich.language import detect_language
from listener.enrich.stage import RawMessage, ScoringStage, scored_messages
from listener.records import Post, ScoredBatch, ScoredPost, parse_raw_message
from listener.rules.files.loader import load_rules
from listener.rules.ruleset import RuleSet
from listener.rules.runtime import build_enricher, build_judge, window_config
from listener.settings import Settings
from listener.windows.partition import PartitionState
from listener.windows.recovery import encode_snapshot
from listener.worker import GC_THRESHOLDS


def timed(label: str, count: int, work: Callable[[], object]) -> object:
    started = time.perf_counter()
    result = work()
    print(f"{label:32s} {(time.perf_counter() - started) / count * 1e6:8.1f} µs/post")
    return result


def chain(rules: RuleSet, bundles: list[bytes], n: int) -> dict[str, float]:
    """CPU time per post of each stage as the worker chains them, batch by batch: parse,
    enrich, the scored batch encoded and decoded, window apply with judging, and a
    snapshot of the window state every 30,000 posts (a few seconds of a busy worker)."""
    enricher = build_enricher(rules)
    state = PartitionState(window_config(rules, Settings(partitions=1)), build_judge(rules))
    spent: dict[str, float] = defaultdict(float)
    clock = time.process_time
    offset = since = 0
    for i in range(0, len(bundles), 20):
        started = clock()
        parsed = [p for b in bundles[i : i + 20] for p in parse_raw_message(b)]
        posts = [p for p in parsed if isinstance(p, Post)]
        spent["parse"] += clock() - started
        started = clock()
        by_brand: dict[str, list[ScoredPost]] = defaultdict(list)
        for found in enricher.enrich_many(posts):
            for record in found:
                by_brand[record.brand].append(record)
        spent["enrich"] += clock() - started
        # One scored message per partition (here one) holding every brand's batch, then the
        # marks: as the score agent sends them.
        for _, batches in scored_messages(by_brand, 1):
            started = clock()
            message = ScoredBatch.loads_many(ScoredBatch.dumps_many(batches))
            spent["codec"] += clock() - started
            started = clock()
            state.apply_many(message, offset)
            offset += 1
            spent["window"] += clock() - started
        started = clock()
        state.apply(ScoredBatch(None, (), {0: posts[-1].ts}), offset)
        offset += 1
        spent["window"] += clock() - started
        since += len(posts)
        if since >= 30_000:
            started = clock()
            encode_snapshot(state.to_dict(encoded=True))
            spent["snapshot"] += clock() - started
            since = 0
    costs = {stage: seconds / n * 1e6 for stage, seconds in spent.items()}
    costs["all"] = sum(costs.values())
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=60_000)
    parser.add_argument(
        "--chain", type=int, metavar="N", default=0,
        help="instead: the whole chain per batch, each stage's CPU time, best of N runs",
    )  # fmt: skip
    parser.add_argument("--brands", type=int, default=50)
    args = parser.parse_args()
    brands = [f"brand_{i:03d}" for i in range(args.brands)]
    raw = make_posts(args.posts, brands)
    work = Path(tempfile.mkdtemp(prefix="listener-stages-"))
    write_rules(work / "rules", brands)
    rules = load_rules(work / "rules")
    settings = Settings(partitions=1)
    enricher = build_enricher(rules)
    bundles = [b"[" + b",".join(raw[i : i + 100]) + b"]" for i in range(0, len(raw), 100)]
    n = len(raw)
    if args.chain:
        # The collector as the worker sets it: what was built before is frozen.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        best = min((chain(rules, bundles, n) for _ in range(args.chain)), key=lambda c: c["all"])
        print("  ".join(f"{stage} {cost:.1f}" for stage, cost in best.items()), "µs/post")
        return

    posts: list[Post] = timed("parse and validate", n, lambda: [
        p for b in bundles for p in parse_raw_message(b) if isinstance(p, Post)])  # type: ignore[assignment]  # fmt: skip
    timed("brand matching", n, lambda: [enricher._matcher.match(p) for p in posts])
    timed("language (source tag)", n, lambda: [detect_language(p.text, p.lang) for p in posts])
    timed("sentiment (VADER)", n, lambda: [enricher._scorer.score(p.text, "en") for p in posts])
    # A fresh enricher for each: one remembers the texts it read (see enrich/pipeline.py).
    fresh = build_enricher(rules)
    timed("whole enrichment, post by post", n, lambda: [fresh.enrich(p) for p in posts])
    fresh = build_enricher(rules)
    scored: list[list[ScoredPost]] = timed("whole enrichment, by batch", n, lambda: [
        s for i in range(0, n, 2000) for s in fresh.enrich_many(posts[i : i + 2000])
    ])  # type: ignore[assignment]  # fmt: skip
    by_brand: dict[str, list[ScoredPost]] = defaultdict(list)
    for record in (r for rs in scored for r in rs):
        by_brand[record.brand].append(record)
    encoded: list[bytes] = timed("scored batch encode", n, lambda: [
        ScoredBatch(b, tuple(ps[i : i + 500]), {}).dumps()
        for b, ps in by_brand.items() for i in range(0, len(ps), 500)])  # type: ignore[assignment]  # fmt: skip
    timed("scored batch decode", n, lambda: [ScoredBatch.loads(v) for v in encoded])

    stage = ScoringStage(enricher, settings.dedupe_seconds)
    batches: list[ScoredBatch] = []
    for i in range(0, len(bundles), 20):
        messages = [RawMessage("raw", 0, i + j, b) for j, b in enumerate(bundles[i : i + 20])]
        result = stage.process(messages)
        batches.extend(ScoredBatch(b, tuple(ps), {}) for b, ps in result.by_brand.items())
        marks, idle = stage.watermarks([0])
        batches.append(ScoredBatch(None, (), marks, idle))
    state = PartitionState(window_config(rules, settings), build_judge(rules))
    timed("window apply (with judging)", n, lambda: [
        state.apply(b, offset) for offset, b in enumerate(batches)])  # fmt: skip
    print(f"{'raw VADER loop':32s} {1e6 / vader_loop(raw)[0]:8.1f} µs/post")


if __name__ == "__main__":
    main()
