"""How often a post's text was read before: the share of brand-matched posts whose language
and sentiment the scoring stage takes from its memory of recent texts instead of reading
them again, per scenario of the library (both seeds) and for the throughput benchmark's
generated posts.

    .venv/bin/python benchmarks/text_repeats.py [--seeds 1,2] [--posts 100000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson
from throughput import make_posts, write_rules

from listener.enrich.pipeline import Enricher
from listener.records import Post, post_from_dict
from listener.replay.backtest.batches import write_rules as write_scenario_rules
from listener.replay.scenarios.catalog import library
from listener.rules.files.loader import load_rules
from listener.rules.runtime import build_enricher

ROOT = Path(__file__).resolve().parents[1]
BATCH = 2000


def repeats(enricher: Enricher, posts: list[Post]) -> tuple[int, int]:
    """(posts read from memory, brand-matched posts) over ``posts`` in batches."""
    for start in range(0, len(posts), BATCH):
        enricher.enrich_many(posts[start : start + BATCH])
    return enricher.hits, enricher.hits + enricher.misses


def scenario_rows(seeds: list[int]) -> list[tuple[str, int, int]]:
    rows = []
    for name, entry in library().items():
        for seed in seeds:
            scenario = entry.build(seed)
            with tempfile.TemporaryDirectory() as tmp:
                write_scenario_rules(ROOT / "rules", Path(tmp), [scenario.brand], "bank-crisis")
                enricher = build_enricher(load_rules(Path(tmp)))
            posts = sorted(scenario.posts, key=lambda p: (p.ts, p.key))
            hits, matched = repeats(enricher, posts)
            rows.append((f"{name} (seed {seed})", hits, matched))
    return rows


def benchmark_row(count: int) -> tuple[str, int, int]:
    brands = [f"brand_{i:03d}" for i in range(50)]
    with tempfile.TemporaryDirectory() as tmp:
        write_rules(Path(tmp) / "rules", brands)
        enricher = build_enricher(load_rules(Path(tmp) / "rules"))
    posts = [post_from_dict(orjson.loads(raw)) for raw in make_posts(count, brands)]
    hits, matched = repeats(enricher, posts)
    return (f"throughput.py's {count:,} posts", hits, matched)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2", help="scenario seeds (default 1,2)")
    parser.add_argument("--posts", type=int, default=100_000, help="benchmark posts")
    args = parser.parse_args()
    rows = scenario_rows([int(s) for s in args.seeds.split(",")])
    rows.append(benchmark_row(args.posts))
    print(f"{'posts':40s} {'matched':>8s} {'repeated':>9s}")
    for label, hits, matched in rows:
        share = hits / matched if matched else 0.0
        print(f"{label:40s} {matched:>8,} {share:>9.1%}")
    total_hits = sum(h for _, h, _ in rows[:-1])
    total = sum(m for _, _, m in rows[:-1])
    print(f"{'the whole library':40s} {total:>8,} {total_hits / total:>9.1%}")


if __name__ == "__main__":
    main()
