"""How long sentiment takes per post: Italian (``ItalianAnalyzer``) against English (VADER).

Run with ``.venv/bin/python benchmarks/sentiment_speed.py``. The posts are the texts of the
labelled sets in ``data/eval/`` (``it.tsv`` read by ``ItalianAnalyzer``, ``en.tsv`` by
VADER). Each figure is the mean over the whole set, best of several rounds so a busy
machine shows less. "cold" is the first pass of a fresh analyzer, which resolves every
written form for the first time; a running stream soon sees mostly forms it has resolved
already, which is the steady figure. The target is Italian at most twice English.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from listener.enrich.italian import ItalianAnalyzer
from listener.enrich.sentiment import VaderAnalyzer

DATA_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "eval"
TARGET_RATIO: Final = 2.0


def texts(path: Path) -> list[str]:
    """The post texts of a ``label<TAB>tags<TAB>text`` set."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        line.split("\t")[2]
        for line in lines
        if line.strip() and not line.startswith(("#", "label\t"))
    ]


def per_post(polarity: Callable[[str], float], posts: Sequence[str]) -> float:
    """Microseconds per post for one pass over ``posts``."""
    started = time.perf_counter()
    for post in posts:
        polarity(post)
    return (time.perf_counter() - started) / len(posts) * 1e6


def best(polarity: Callable[[str], float], posts: Sequence[str], rounds: int) -> float:
    return min(per_post(polarity, posts) for _ in range(rounds))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="folder of the sets")
    parser.add_argument("--rounds", type=int, default=20, help="passes; the best is kept")
    args = parser.parse_args(argv)
    italian, english = texts(args.data / "it.tsv"), texts(args.data / "en.tsv")

    started = time.perf_counter()
    analyzer = ItalianAnalyzer()
    built_ms = (time.perf_counter() - started) * 1e3
    cold = per_post(analyzer.polarity, italian)
    steady = best(analyzer.polarity, italian, args.rounds)
    cold_rounds = [per_post(ItalianAnalyzer().polarity, italian) for _ in range(3)]
    vader = VaderAnalyzer()
    english_us = best(vader.polarity, english, args.rounds)
    vader_on_italian = best(vader.polarity, italian, args.rounds)

    print(f"ItalianAnalyzer built in {built_ms:.1f} ms")
    print(f"italian  ItalianAnalyzer  {len(italian)} posts  {steady:6.1f} µs/post (steady)")
    print(
        f"italian  ItalianAnalyzer  {len(italian)} posts  {min(cold, *cold_rounds):6.1f} µs/post"
        " (cold: a fresh analyzer's first pass)"
    )
    print(f"english  VADER            {len(english)} posts  {english_us:6.1f} µs/post")
    print(f"italian  VADER            {len(italian)} posts  {vader_on_italian:6.1f} µs/post")
    ratio = steady / english_us
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio italian/english {ratio:.2f} ({verdict} the target of {TARGET_RATIO:g})")


if __name__ == "__main__":
    main()
