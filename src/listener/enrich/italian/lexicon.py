"""The Italian analyzer's word lists, read once from the TSV files shipped in the package.

Six files in ``data/``, each ``key<TAB>value`` a line, ``#`` starting a comment line:

``lexicon_it.tsv``  word -> valence on VADER's scale (-4 .. +4; 0 = known and neutral)
``emoji.tsv``       emoji or emoticon -> valence
``negated_it.tsv``  word -> valence when negated, for words that say little alone but a
                    lot once negated ("funziona" is nothing, "non funziona" is a complaint)
``boosters_it.tsv`` word -> how much it raises (+) or lowers (-) the next word's intensity
``aliases_it.tsv``  spelling seen on social media -> the word it stands for (nn -> non)
``phrases_it.tsv``  several words -> the valence of the whole ("non vedo l'ora")

Every problem in every file is reported together, naming the file and the line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Final, TypeVar

from listener.enrich.italian.text import QUESTION, STOP, fold, pieces
from listener.errors import ConfigError, ConfigIssue

#: The package data files, by what they hold.
WORDS_FILE: Final = "lexicon_it.tsv"
EMOJI_FILE: Final = "emoji.tsv"
NEGATED_FILE: Final = "negated_it.tsv"
BOOSTERS_FILE: Final = "boosters_it.tsv"
ALIASES_FILE: Final = "aliases_it.tsv"
PHRASES_FILE: Final = "phrases_it.tsv"
#: VADER's scale ends at 4 either way; a booster is a fraction of one step.
MAX_VALENCE: Final = 4.0
MAX_BOOST: Final = 1.0

T = TypeVar("T")
Parser = Callable[[str], T]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything the analyzer knows about Italian words; keys are folded (see ``text.fold``)."""

    words: Mapping[str, float]
    emoji: Mapping[str, float]
    negated: Mapping[str, float]
    boosters: Mapping[str, float]
    aliases: Mapping[str, str]
    phrases: Mapping[tuple[str, ...], float]


def _number(limit: float) -> Parser[float]:
    def parse(raw: str) -> float:
        value = float(raw)
        if not (math.isfinite(value) and -limit <= value <= limit):
            raise ValueError(f"{raw!r} is not a number in [-{limit:g}, {limit:g}]")
        return value

    return parse


def _word(raw: str) -> str:
    folded = fold(raw.strip())
    if not folded or " " in folded:
        raise ValueError(f"{raw!r} is not one word")
    return folded


def parse_table(
    text: str, source: str, key: Parser[str], value: Parser[T], issues: list[ConfigIssue]
) -> dict[str, T]:
    """The ``key<TAB>value`` lines of ``text``; problems are appended to ``issues``."""
    table: dict[str, T] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        where = f"line {number}"
        columns = line.split("\t")
        if len(columns) != 2:
            issues.append(ConfigIssue(source, where, "expected two tab-separated columns"))
            continue
        try:
            parsed_key, parsed_value = key(columns[0]), value(columns[1].strip())
        except ValueError as exc:
            issues.append(ConfigIssue(source, where, str(exc)))
            continue
        if parsed_key in table:
            issues.append(ConfigIssue(source, where, f"{parsed_key!r} is listed twice"))
            continue
        table[parsed_key] = parsed_value
    return table


def phrase_key(phrase: str) -> tuple[str, ...]:
    """A phrase as the analyzer sees it: its words' keys, in order."""
    return tuple(piece for piece, _ in pieces(phrase) if piece not in (STOP, QUESTION))


def _phrases(
    raw: Mapping[str, float], aliases: Mapping[str, str], issues: list[ConfigIssue]
) -> dict[tuple[str, ...], float]:
    phrases: dict[tuple[str, ...], float] = {}
    for phrase, valence in raw.items():
        words = tuple(aliases.get(word, word) for word in phrase_key(phrase))
        if len(words) < 2:
            issues.append(ConfigIssue(PHRASES_FILE, phrase, "a phrase needs two words or more"))
        else:
            phrases[words] = valence
    return phrases


def _read(name: str) -> str:
    return (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")


def read_lexicon(read: Callable[[str], str] = _read) -> Lexicon:
    """The lexicon in the files ``read`` returns by name (the package's own by default).

    Raises ``ConfigError`` listing every malformed line, out-of-range value and duplicate.
    """
    issues: list[ConfigIssue] = []
    valence, boost = _number(MAX_VALENCE), _number(MAX_BOOST)

    def table(name: str, key: Parser[str], value: Parser[T]) -> dict[str, T]:
        return parse_table(read(name), name, key, value, issues)

    aliases = table(ALIASES_FILE, _word, _word)
    lexicon = Lexicon(
        words=table(WORDS_FILE, _word, valence),
        emoji=table(EMOJI_FILE, str.strip, valence),
        negated=table(NEGATED_FILE, _word, valence),
        boosters=table(BOOSTERS_FILE, _word, boost),
        aliases=aliases,
        phrases=_phrases(table(PHRASES_FILE, str.strip, valence), aliases, issues),
    )
    if issues:
        raise ConfigError(issues)
    return lexicon
