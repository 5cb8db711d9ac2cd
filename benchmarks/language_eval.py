"""How often language identification names the right language on short social posts, with
no hint from the source: the Italian and English evaluation sets, whose language is known.

    .venv/bin/python benchmarks/language_eval.py
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from listener.enrich.language import detect_language

DATA = Path(__file__).resolve().parents[1] / "data" / "eval"


def texts(path: Path) -> list[str]:
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines())
    return [
        row[-1]
        for row in rows
        if len(row) >= 2 and not row[0].startswith("#") and row[0] != "label"
    ]


def main() -> None:
    detect_language("load the model before timing anything")
    for lang, name in (("it", "it.tsv"), ("en", "en.tsv")):
        posts = texts(DATA / name)
        started = time.perf_counter()
        found = [detect_language(text) for text in posts]
        took = (time.perf_counter() - started) / len(posts) * 1e6
        right = sum(1 for f in found if f == lang)
        unknown = sum(1 for f in found if f is None)
        wrong = Counter(f for f in found if f not in (lang, None)).most_common(3)
        print(
            f"{lang}: {right}/{len(posts)} right ({right / len(posts):.1%}), "
            f"{unknown} too short to tell, mistaken for {wrong}; {took:.0f} µs/post"
        )


if __name__ == "__main__":
    main()
