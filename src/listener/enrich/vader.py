"""VADER's compound score, read in one pass over a text's words.

vaderSentiment 3.3.2 lowercases every word of a text again for each word it looks at
(several times over: for the negation, idiom, "least" and "but" checks), formats idiom
strings for every word in its lexicon, and builds the text without emoji one character
at a time by concatenation. :class:`VaderCore` follows its rules step by step, in the same
order and with the same arithmetic, but lowercases each word once, looks idioms up only
when a nearby word belongs to one, and skips the emoji pass for a text without emoji:
the same compound score to the last digit (tests/unit/test_vader.py compares the two on
every evaluation post and thousands of generated ones) at about a quarter of the cost.

Only the compound score is computed: listener reads nothing else of VADER's output.
The module is plain typed Python, so it also compiles with mypyc (see
listener.enrich.compiled); whichever runs, the scores are the same.
"""

from __future__ import annotations

import math
import string
from typing import Final

from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
)

_BOOSTERS: Final[dict[str, float]] = {str(k): float(v) for k, v in BOOSTER_DICT.items()}
_SPECIAL: Final[dict[str, float]] = {str(k): float(v) for k, v in SPECIAL_CASES.items()}
_NEGATE: Final[frozenset[str]] = frozenset(str(w) for w in NEGATE)
#: Every word of a multi-word idiom or booster: a window of words holding none of them
#: cannot spell one, so the idiom strings are not built for it.
_IDIOM_WORDS: Final[frozenset[str]] = frozenset(
    word for key in (*_SPECIAL, *_BOOSTERS) if " " in key for word in key.split(" ")
)
_PUNCTUATION: Final = string.punctuation
_C_INCR: Final[float] = float(C_INCR)
_N_SCALAR: Final[float] = float(N_SCALAR)


def _negated(word: str) -> bool:
    """VADER's ``negated`` of one lowercased word."""
    return word in _NEGATE or "n't" in word


def _strip_punctuation(token: str) -> str:
    """A word without leading and trailing punctuation, unless that leaves two characters
    or fewer (an emoticon such as ":)")."""
    stripped = token.strip(_PUNCTUATION)
    return token if len(stripped) <= 2 else stripped


def _booster(word: str, lower: str, valence: float, cap_diff: bool) -> float:
    """VADER's ``scalar_inc_dec``: how much a preceding booster word adds."""
    scalar = _BOOSTERS.get(lower)
    if scalar is None:
        return 0.0
    if valence < 0:
        scalar = -scalar
    if cap_diff and word.isupper():
        scalar = scalar + _C_INCR if valence > 0 else scalar - _C_INCR
    return scalar


def _negation(valence: float, lowers: list[str], start: int, i: int) -> float:
    """VADER's ``_negation_check`` for the word ``start + 1`` places before word ``i``."""
    if start == 0:
        if _negated(lowers[i - 1]):
            valence = valence * _N_SCALAR
    elif start == 1:
        two, one = lowers[i - 2], lowers[i - 1]
        if two == "never" and (one == "so" or one == "this"):
            valence = valence * 1.25
        elif two == "without" and one == "doubt":
            pass
        elif _negated(two):
            valence = valence * _N_SCALAR
    else:
        three, two, one = lowers[i - 3], lowers[i - 2], lowers[i - 1]
        if (three == "never" and (two == "so" or two == "this")) or (one == "so" or one == "this"):
            valence = valence * 1.25
        elif three == "without" and (two == "doubt" or one == "doubt"):
            pass
        elif _negated(three):
            valence = valence * _N_SCALAR
    return valence


def _idioms(valence: float, lowers: list[str], i: int) -> float:
    """VADER's ``_special_idioms_check`` for word ``i`` (at least the fourth)."""
    n = len(lowers)
    if not any(lowers[j] in _IDIOM_WORDS for j in range(i - 3, min(i + 3, n))):
        return valence
    zero, one, two, three = lowers[i], lowers[i - 1], lowers[i - 2], lowers[i - 3]
    two_one = f"{two} {one}"
    three_two_one = f"{three} {two} {one}"
    three_two = f"{three} {two}"
    for seq in (f"{one} {zero}", f"{two} {one} {zero}", two_one, three_two_one, three_two):
        special = _SPECIAL.get(seq)
        if special is not None:
            valence = special
            break
    if n - 1 > i:
        special = _SPECIAL.get(f"{zero} {lowers[i + 1]}")
        if special is not None:
            valence = special
    if n - 1 > i + 1:
        special = _SPECIAL.get(f"{zero} {lowers[i + 1]} {lowers[i + 2]}")
        if special is not None:
            valence = special
    for gram in (three_two_one, three_two, two_one):
        boost = _BOOSTERS.get(gram)
        if boost is not None:
            valence = valence + boost
    return valence


def _but(lowers: list[str], sentiments: list[float]) -> None:
    """VADER's ``_but_check``, quirks and all: each value is found again by equality, so
    equal values before "but" are halved in turn, as VADER does."""
    bi = lowers.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)


def _punctuation_emphasis(text: str) -> float:
    exclamations = min(text.count("!"), 4)
    questions = text.count("?")
    asked = 0.0
    if questions > 1:
        asked = questions * 0.18 if questions <= 3 else 0.96
    return exclamations * 0.292 + asked


#: Most distinct words whose reading is kept; the readings are forgotten beyond it (handles,
#: links and hashtags make the words of a stream unbounded).
KNOWN_WORDS: Final = 50_000

#: What a word says before its neighbours are read: the word without punctuation, in
#: lower case, whether it is in capitals, and whether it is in the lexicon as a word
#: of its own (not a booster, which VADER scores as nothing).
Word = tuple[str, str, bool, bool]


class VaderCore:
    """VADER's rules over its lexicon and emoji descriptions (those of a
    ``SentimentIntensityAnalyzer``: ``lexicon`` and ``emojis``)."""

    def __init__(self, lexicon: dict[str, float], emojis: dict[str, str]) -> None:
        self.lexicon: dict[str, float] = {str(k): float(v) for k, v in lexicon.items()}
        self.emojis: dict[str, str] = {str(k): str(v) for k, v in emojis.items()}
        # A text is read character by character for emoji; longer keys never match.
        self.emoji_chars: frozenset[str] = frozenset(k for k in self.emojis if len(k) == 1)
        self.ascii_emoji: bool = any(k.isascii() for k in self.emoji_chars)
        self.words: dict[str, Word] = {}

    def _without_emoji(self, text: str) -> str:
        """The text with each emoji replaced by its description, as VADER does it."""
        parts: list[str] = []
        prev_space = True
        for char in text:
            description = self.emojis.get(char) if char in self.emoji_chars else None
            if description is not None:
                if not prev_space:
                    parts.append(" ")
                parts.append(description)
                prev_space = False
            else:
                parts.append(char)
                prev_space = char == " "
        return "".join(parts)

    def _word(self, token: str) -> Word:
        word = _strip_punctuation(token)
        lower = word.lower()
        read = (word, lower, word.isupper(), lower in self.lexicon and lower not in _BOOSTERS)
        if len(self.words) >= KNOWN_WORDS:
            self.words.clear()
        self.words[token] = read
        return read

    def compound(self, text: str) -> float:
        """VADER's compound score of ``text``, rounded to four digits as VADER gives it.

        VADER strips the text of surrounding spaces first, which changes neither its
        words nor its punctuation: that step is left out."""
        if not (text.isascii() and not self.ascii_emoji) and not self.emoji_chars.isdisjoint(text):
            text = self._without_emoji(text)
        known = self.words
        read = [known.get(token) or self._word(token) for token in text.split()]
        n = len(read)
        capitals = 0
        scored = False
        for _, _, upper, in_lexicon in read:
            if upper:
                capitals += 1
            if in_lexicon:
                scored = True
        if not scored:
            return 0.0  # every word scores nothing: VADER's sum is zero
        cap_diff = 0 < n - capitals < n
        words = [entry[0] for entry in read]
        lowers = [entry[1] for entry in read]
        sentiments: list[float] = []
        for i in range(n):
            if not read[i][3] or (lowers[i] == "kind" and i < n - 1 and lowers[i + 1] == "of"):
                sentiments.append(0.0)
            else:
                sentiments.append(self._valence(words, lowers, i, cap_diff))
        if "but" in lowers:
            _but(lowers, sentiments)
        # The builtin sum, as VADER sums: since Python 3.12 it compensates rounding errors,
        # which a loop adding one value after the other does not.
        total: float = sum(sentiments)
        emphasis = _punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        score = total / math.sqrt(total * total + 15)
        return round(max(-1.0, min(1.0, score)), 4)

    def _valence(self, words: list[str], lowers: list[str], i: int, cap_diff: bool) -> float:
        """VADER's ``sentiment_valence`` of word ``i``, which is in the lexicon."""
        lexicon = self.lexicon
        lower = lowers[i]
        n = len(lowers)
        valence = lexicon[lower]
        if lower == "no" and i != n - 1 and lowers[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lowers[i - 1] == "no")
            or (i > 1 and lowers[i - 2] == "no")
            or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[lower] * _N_SCALAR
        if cap_diff and words[i].isupper():
            valence = valence + _C_INCR if valence > 0 else valence - _C_INCR
        for start in range(3):
            j = i - (start + 1)
            if j >= 0 and lowers[j] not in lexicon:
                s = _booster(words[j], lowers[j], valence, cap_diff)
                if start == 1 and s != 0:
                    s = s * 0.95
                elif start == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation(valence, lowers, start, i)
                if start == 2:
                    valence = _idioms(valence, lowers, i)
        least = i > 0 and lowers[i - 1] == "least" and lowers[i - 1] not in lexicon
        if least and (i == 1 or (lowers[i - 2] != "at" and lowers[i - 2] != "very")):
            valence = valence * _N_SCALAR
        return valence
