"""Whether a post costs the same at the end of a long run as at its start: the scoring stage
(parse, duplicate filter, enrichment), the scored codec, window apply with judging, and a
snapshot every ``--snapshot-every`` posts, called in one process over the generated posts of
benchmarks/throughput.py; CPU time per post of each, block by block.

    cd benchmarks && ../.venv/bin/python run_length.py [--posts 300000] [--block 50000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from throughput import make_posts, write_rules

from listener.enrich.stage import RawMessage, ScoringStage
from listener.records import ScoredBatch
from listener.rules.files.loader import load_rules
from listener.rules.runtime import build_enricher, build_judge, window_config
from listener.settings import Settings
from listener.windows.partition import PartitionState
from listener.windows.recovery import encode_snapshot


def stages(raw: list[bytes], brands: list[str]) -> tuple[ScoringStage, PartitionState, list[bytes]]:
    """The scoring stage and one window partition on rules for ``brands`` (those of
    throughput.py), and ``raw``'s posts in bundles of 100, as the producer sends them."""
    rules_dir = Path(tempfile.mkdtemp(prefix="listener-stages-")) / "rules"
    write_rules(rules_dir, brands)
    rules = load_rules(rules_dir)
    settings = Settings(partitions=1)
    stage = ScoringStage(build_enricher(rules), settings.dedupe_seconds)
    state = PartitionState(window_config(rules, settings), build_judge(rules))
    bundles = [b"[" + b",".join(raw[i : i + 100]) + b"]" for i in range(0, len(raw), 100)]
    return stage, state, bundles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=300_000)
    parser.add_argument("--block", type=int, default=50_000)
    parser.add_argument("--snapshot-every", type=int, default=30_000)
    args = parser.parse_args()
    brands = [f"brand_{i:03d}" for i in range(50)]
    raw = make_posts(args.posts, brands)
    stage, state, bundles = stages(raw, brands)
    clock = time.process_time
    spent = {"score": 0.0, "window": 0.0, "snapshot": 0.0}
    offset = done = since = 0
    print(f"{'posts':>9s}  " + "  ".join(f"{k:>9s}" for k in spent) + "  (µs per post)")
    for i in range(0, len(bundles), 20):  # a batch of 2,000 posts, as the worker takes
        started = clock()
        messages = [RawMessage("raw", 0, i + j, b) for j, b in enumerate(bundles[i : i + 20])]
        result = stage.process(messages)
        values = [ScoredBatch(b, tuple(ps), {}).dumps() for b, ps in result.by_brand.items()]
        marks, idle = stage.watermarks([0])
        values.append(ScoredBatch(None, (), marks, idle).dumps())
        spent["score"] += clock() - started
        started = clock()
        for value in values:
            state.apply(ScoredBatch.loads(value), offset)
            offset += 1
        spent["window"] += clock() - started
        count = min(len(raw), (i + 20) * 100) - i * 100
        done += count
        since += count
        if since >= args.snapshot_every:
            started = clock()
            encode_snapshot(state.to_dict(encoded=True))
            spent["snapshot"] += clock() - started
            since = 0
        if done % args.block < count or done == args.posts:
            block = done % args.block or args.block
            print(f"{done:>9,d}  " + "  ".join(f"{v / block * 1e6:9.1f}" for v in spent.values()))
            spent = dict.fromkeys(spent, 0.0)


if __name__ == "__main__":
    main()
