"""How well sentiment is read: accuracy and macro-F1 per language, against plain VADER.

Run with ``.venv/bin/python benchmarks/sentiment_eval.py``. It reads the labelled sets in
``data/eval/`` (``it.tsv``, ``en.tsv``), labels each post from its compound score with
VADER's thresholds (>= 0.05 positive, <= -0.05 negative, neutral between) and prints, per
language, the figures of plain VADER and of listener's scorer (``ItalianAnalyzer`` for
Italian, VADER for English). ``--by-tag`` adds a line per tag (sarcasm, negation, ...);
``--errors N`` lists up to N misread posts of each set, which is for the development set
(``--sets it_dev``) only: the evaluation sets are not for tuning.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from listener.enrich.italian import ItalianAnalyzer
from listener.enrich.sentiment import SentimentScorer, VaderAnalyzer, label_for
from listener.records import NEGATIVE, NEUTRAL, POSITIVE

LABELS: Final = (NEGATIVE, NEUTRAL, POSITIVE)
DATA_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "eval"
#: Each set and the language its posts are written in.
SETS: Final = {"it": "it", "en": "en", "it_dev": "it"}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled post."""

    label: str
    tags: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Scores:
    """How a reader did on some posts."""

    count: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float]


def load_set(path: Path) -> list[Example]:
    """The posts of a ``label<TAB>tags<TAB>text`` file (``#`` lines and the header skipped)."""
    examples: list[Example] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("label\t"):
            continue
        label, tags, text = line.split("\t")
        if label not in LABELS:
            raise ValueError(f"{path}:{number}: unknown label {label!r}")
        examples.append(Example(label, tuple(tags.split(",")), text))
    return examples


def score(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    """Accuracy, and F1 per label and its unweighted mean over the three labels."""
    f1: dict[str, float] = {}
    for label in LABELS:
        hits = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        guessed = sum(1 for p in predicted if p == label)
        actual = sum(1 for g in gold if g == label)
        precision = hits / guessed if guessed else 0.0
        recall = hits / actual if actual else 0.0
        total = precision + recall
        f1[label] = 2 * precision * recall / total if total else 0.0
    right = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    return Scores(len(gold), right / len(gold), sum(f1.values()) / len(LABELS), f1)


def readers(lang: str) -> dict[str, Callable[[str], float]]:
    """The readers compared on a language: plain VADER and listener's scorer."""
    vader = VaderAnalyzer()
    scorer = SentimentScorer({"en": vader, "it": ItalianAnalyzer()})
    return {
        "vader": vader.polarity,
        "listener": lambda text: scorer.score(text, lang).compound,
    }


def line(name: str, reader: str, scores: Scores) -> str:
    per_label = "  ".join(f"F1 {label[:3]} {scores.f1[label]:.3f}" for label in LABELS)
    return (
        f"{name:<8} {scores.count:>4} posts  {reader:<9} accuracy {scores.accuracy:.3f}  "
        f"macro-F1 {scores.macro_f1:.3f}  ({per_label})"
    )


def report(name: str, examples: Sequence[Example], by_tag: bool, errors: int) -> None:
    """Print the figures of each reader on one set."""
    gold = [example.label for example in examples]
    for reader, polarity in readers(SETS[name]).items():
        compounds = [polarity(example.text) for example in examples]
        predicted = [label_for(compound) for compound in compounds]
        print(line(name, reader, score(gold, predicted)))
        if by_tag:
            # Accuracy only: a tag's posts are mostly of one label, so its F1 says little.
            for tag in sorted({tag for example in examples for tag in example.tags}):
                chosen = [k for k, example in enumerate(examples) if tag in example.tags]
                accuracy = sum(1 for k in chosen if gold[k] == predicted[k]) / len(chosen)
                print(f"  #{tag:<9} {len(chosen):>4} posts  {reader:<9} accuracy {accuracy:.3f}")
        if errors and reader == "listener":
            wrong = [k for k in range(len(examples)) if gold[k] != predicted[k]]
            for k in wrong[:errors]:
                print(f"    {gold[k]:>8} read {compounds[k]:+.3f}  {examples[k].text}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="it,en", help="comma-separated: it, en, it_dev")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="folder of the sets")
    parser.add_argument("--by-tag", action="store_true", help="a line per tag as well")
    parser.add_argument("--errors", type=int, default=0, help="list N misread posts per set")
    args = parser.parse_args(argv)
    for name in args.sets.split(","):
        if name not in SETS:
            parser.error(f"unknown set {name!r}; known: {', '.join(SETS)}")
        report(name, load_set(args.data / f"{name}.tsv"), args.by_tag, args.errors)


if __name__ == "__main__":
    main()
