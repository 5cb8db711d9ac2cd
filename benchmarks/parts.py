"""CPU time of the parts of a post's way that were rewritten for speed, each in a tight loop
over the generated posts of benchmarks/throughput.py, best of ``--rounds``: VADER as
vaderSentiment reads a text, as listener's pure-Python rules do and as their compiled copy
does (when built: `python -m listener.native.build`), a post's words and terms, and a
snapshot of a 50-brand partition after an hour and a bit of posts, every bucket rewritten.

    cd benchmarks && ../.venv/bin/python parts.py [--posts 40000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

import orjson
from run_length import stages
from throughput import make_posts
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from listener import native
from listener.enrich import vader
from listener.enrich.stage import RawMessage
from listener.records import ScoredBatch
from listener.windows.counting.words import terms, words
from listener.windows.partition import PartitionState
from listener.windows.recovery import encode_snapshot


def best(rounds: int, items: Sequence[object], work: Callable[[object], object]) -> float:
    """Least CPU seconds per item of ``work`` over ``items``, in µs."""
    fastest = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for item in items:
            work(item)
        fastest = min(fastest, time.process_time() - started)
    return fastest / len(items) * 1e6


def full_partition(raw: list[bytes]) -> PartitionState:
    stage, state, bundles = stages(raw, [f"brand_{i:03d}" for i in range(50)])
    offset = 0
    for i in range(0, len(bundles), 20):
        result = stage.process(
            [RawMessage("raw", 0, i + j, b) for j, b in enumerate(bundles[i : i + 20])]
        )
        for brand, posts in result.by_brand.items():
            state.apply(ScoredBatch.loads(ScoredBatch(brand, tuple(posts), {}).dumps()), offset)
            offset += 1
        marks, idle = stage.watermarks([0])
        state.apply(ScoredBatch(None, (), marks, idle), offset)
        offset += 1
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    brands = [f"brand_{i:03d}" for i in range(50)]
    raw = make_posts(args.posts, brands)
    texts = [orjson.loads(p)["text"] for p in raw]
    plain = SentimentIntensityAnalyzer()
    pure = native.pure_copy(vader.__name__).VaderCore(plain.lexicon, plain.emojis)
    rows = [
        ("VADER, vaderSentiment", best(args.rounds, texts, plain.polarity_scores)),
        ("VADER, listener's rules", best(args.rounds, texts, pure.compound)),  # type: ignore[arg-type]
    ]
    if native.is_compiled(vader):
        fast = vader.VaderCore(plain.lexicon, plain.emojis)
        rows.append(("VADER, compiled", best(args.rounds, texts, fast.compound)))
    tokens = [words(t) for t in texts]
    rows.append(("words of a post", best(args.rounds, texts, words)))  # type: ignore[arg-type]
    rows.append(("terms of a post", best(args.rounds, tokens, terms)))  # type: ignore[arg-type]
    for name, micros in rows:
        print(f"{name:32s} {micros:8.2f} µs per post")
    state = full_partition(make_posts(80_000, brands))

    def snapshot(_: object) -> None:
        for windows in state.brands.values():
            for bucket in windows.buckets.values():
                bucket.encoded = None
        encode_snapshot(state.to_dict(encoded=True))

    rewritten = best(args.rounds, [None], snapshot) / 1e3
    print(f"{'snapshot, every bucket rewritten':32s} {rewritten:8.1f} ms")


if __name__ == "__main__":
    main()
