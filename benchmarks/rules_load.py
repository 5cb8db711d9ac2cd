"""What reading the rules costs with many brands: the CPU a worker, `listener check` and a
reload spend before anything else, for a rules directory of ``--brands`` brands written as
brands.py writes them (two terms, an exclusion, an owner group, a baseline each).

It prints, best of ``--repeat`` runs each, the CPU of reading ``brands.yaml`` with PyYAML's
full loader (its node graph, as every file was read before) and as listener reads it (plain
data built from libyaml's events, ``listener.rules.files.yamlfile``), then of loading and
validating the whole directory (``load_rules``). The collector is paused, as ``load_rules``
pauses it.

    .venv/bin/python benchmarks/rules_load.py [--brands 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from brands import write_rules

from listener.rules.files import yamlfile
from listener.rules.files.loader import load_rules


def best(work: Callable[[], object], repeat: int) -> float:
    """The least CPU seconds of ``repeat`` calls, the collector paused."""
    seconds = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            work()
            seconds.append(time.process_time() - started)
        finally:
            gc.enable()
    return min(seconds)


def full_loader(text: str) -> object:
    loader = yamlfile._StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brands", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rules = Path(tempfile.mkdtemp(prefix="listener-rules-load-")) / "rules"
    write_rules(rules, [f"brand_{i:05d}" for i in range(args.brands)])
    brands = rules / "brands.yaml"
    text = brands.read_text(encoding="utf-8")
    plain = yamlfile._plain_data(text)
    if plain is yamlfile._NOT_PLAIN or plain != full_loader(text):
        raise SystemExit("brands.yaml was not read as plain data, or read otherwise")
    full = best(lambda: full_loader(text), args.repeat)
    fast = best(lambda: yamlfile.read_yaml(brands, "brands.yaml", []), args.repeat)
    whole = best(lambda: load_rules(rules), args.repeat)
    print(f"{args.brands:,} brands, brands.yaml {len(text.encode()) / 1e6:.2f} MB")
    print(f"brands.yaml, PyYAML's full loader  {full:6.3f} s")
    print(f"brands.yaml, as listener reads it  {fast:6.3f} s ({full / fast:.1f} times faster)")
    print(f"load_rules, the whole directory    {whole:6.3f} s")


if __name__ == "__main__":
    main()
