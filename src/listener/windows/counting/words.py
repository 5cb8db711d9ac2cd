"""What a wave is about: the words of its posts, the risk topics they name, and the terms
whose frequency rose most against the brand's usual.

A post's text is folded the way brand matching folds it (casefolded, unaccented) and cut
into words; its *terms* are the words that carry meaning (not "the", "di", "che") and the
pairs of such words that follow each other ("branch director", "non funziona" keeps its
"non": negations carry meaning here). Topics are the risks of the register whose words
or phrases a post contains. Both are counted per bucket, so a window's figures are sums
like every other figure and a restarted worker counts them again exactly.

Rising terms compare a window's term counts with the brand's *background*: term counts
decayed with a half-life in event time, kept in lazily scaled units so a step costs
nothing for the terms it does not touch.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from listener.enrich.brands import fold

_WORD: Final = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
#: Words that carry no subject, in the languages listener reads.
_STOPWORDS_TEXT: Final = """
    a about after all also am an and any are as at be been but by can could did do does
    for from get got had has have he her his how i if in into is it its just like me more
    my no not now of on or our out so than that the their them then there these they this
    to too up us was we were what when which who why will with would you your yours im dont
    cant its thats ive youre rt via amp https http www com
    ad al alla alle allo ai agli anche ancora che chi ci come con cosa da dal dalla dei del
    della delle di dopo e ed era gia gli ha hanno ho i il in io la le lei li lo loro lui ma
    me mi mio ne nei nel nella nelle noi o per perche piu poi quando quella quello questa
    questo qui se sei si sia siamo sono su sul sulla suo sua te ti tra tu tua tuo un una uno
    vi voi c l d un' l' all' dell' nell' sull' po
    """
STOPWORDS: Final = frozenset(_STOPWORDS_TEXT.split())
#: Negations kept as the first word of a pair: "non funziona", "not working".
_NEGATIONS: Final = frozenset({"non", "not", "no", "never", "mai", "cant", "dont", "nessuno"})
#: Words that break a pair: the stopwords but the negations.
_SKIPPED: Final = STOPWORDS - _NEGATIONS
#: Longest topic phrase, in words.
MAX_PHRASE: Final = 4
#: Background half-life (event time): yesterday's words count half as much as today's.
BACKGROUND_HALF_LIFE: Final = 86_400.0
#: Terms kept in a brand's background; the lightest are dropped beyond it.
BACKGROUND_TERMS: Final = 4000
#: A term must appear in this many posts of a window to be called rising.
MIN_RISING_COUNT: Final = 2
#: Rising terms an alert quotes.
RISING_TERMS: Final = 6


#: What a word is made of in ASCII text: every other byte separates words.
_ASCII_WORD_BYTES: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_BREAKS: Final = bytes(c if c in _ASCII_WORD_BYTES or c in b"'-" else 32 for c in range(256))


def words(text: str) -> list[str]:
    """The words of ``text``, folded; elided articles ("l'app") lose their article."""
    folded = fold(text, spaced=False)
    if folded.isascii():
        # Most texts: every byte that cannot be part of a word becomes a space, in one
        # table lookup a byte, and the words are what split() finds between spaces. The
        # same words as the pattern's whenever no apostrophe or hyphen is left to join two.
        plain = folded.encode().translate(_ASCII_BREAKS).decode()
        if "'" not in plain and "-" not in plain:
            return plain.split()
    return _matched_words(folded, text)


def _matched_words(folded: str, text: str) -> list[str]:
    """The words of ``text`` (``folded``) as the word pattern finds them."""
    found: list[str] = _WORD.findall(folded)
    if "'" not in text and "\u2019" not in text:
        return found
    out: list[str] = []
    for word in found:
        if "'" in word:
            word = word.rsplit("'", 1)[1] or word
        out.append(word)
    return out


def terms(tokens: list[str]) -> set[str]:
    """The meaningful words of a post and the pairs of them that follow each other: a
    stopword (but a negation) breaks a pair, a word under three letters or a negation is
    no term alone."""
    skipped, negations = _SKIPPED, _NEGATIONS
    found: set[str] = set()
    last = ""
    for word in tokens:
        if not word or word in skipped:
            last = ""
            continue
        if len(word) > 2 and word not in negations:
            found.add(word)
        if last:
            found.add(f"{last} {word}")
        last = word
    return found


_NONE: Final[frozenset[str]] = frozenset()


@dataclass(frozen=True, slots=True)
class TopicIndex:
    """The risks whose words or phrases a post contains."""

    phrases: Mapping[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    #: Every risk with a topic, and the longest phrase in words.
    risks: frozenset[str] = frozenset()
    longest: int = 0
    #: The phrases by their first word: a post's words are looked up once each.
    first: Mapping[str, tuple[tuple[tuple[str, ...], frozenset[str]], ...]] = field(
        default_factory=dict
    )

    @classmethod
    def build(
        cls, topics: Mapping[str, Iterable[str]], base: TopicIndex | None = None
    ) -> TopicIndex:
        """``topics``: risk name -> its words and phrases as written in risks.yaml (or a
        brand's own words for a risk, added to the ``base`` index)."""
        phrases: dict[tuple[str, ...], set[str]] = {}
        for key, risks in base.phrases.items() if base is not None else ():
            phrases[key] = set(risks)
        for risk, written in topics.items():
            for phrase in written:
                key = tuple(words(phrase))[:MAX_PHRASE]
                if key:
                    phrases.setdefault(key, set()).add(risk)
        frozen = {k: frozenset(v) for k, v in phrases.items()}
        first: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        for key, found in sorted(frozen.items()):
            first.setdefault(key[0], []).append((key, found))
        return cls(
            frozen,
            frozenset(r for found in frozen.values() for r in found),
            max((len(k) for k in frozen), default=0),
            {word: tuple(entries) for word, entries in first.items()},
        )

    def match(self, tokens: list[str]) -> frozenset[str]:
        """Every risk one of whose phrases appears in ``tokens``."""
        if not self.first:
            return _NONE
        lookup = self.first.get
        found: set[str] = set()
        for start, token in enumerate(tokens):
            entries = lookup(token)
            if entries is None:
                continue
            for phrase, risks in entries:
                if len(phrase) == 1 or tuple(tokens[start : start + len(phrase)]) == phrase:
                    found |= risks
        return frozenset(found)


@dataclass(slots=True)
class Background:
    """A brand's usual term counts, decayed in event time.

    Weights are stored scaled by ``2 ** ((t - origin) / half_life)``; a weight read at
    ``t`` is divided by the same factor. Adding is then one multiplication, and nothing
    is touched for the terms a step does not see. The origin moves forward (and every
    weight is rescaled once) when the factor grows large.
    """

    origin: float | None = None
    total: float = 0.0
    weights: dict[str, float] = field(default_factory=dict)

    def _scale(self, at: float) -> float:
        if self.origin is None:
            self.origin = at
        if at - self.origin > 20 * BACKGROUND_HALF_LIFE:
            self._rebase(at)
        return float(2.0 ** ((at - self.origin) / BACKGROUND_HALF_LIFE))

    def _rebase(self, at: float) -> None:
        assert self.origin is not None
        factor = float(2.0 ** ((at - self.origin) / BACKGROUND_HALF_LIFE))
        self.weights = {t: w / factor for t, w in self.weights.items() if w / factor > 1e-6}
        self.total /= factor
        self.origin = at

    def add(self, counts: Mapping[str, int], volume: int, at: float) -> None:
        """Fold one step's term counts (of ``volume`` posts) in at event time ``at``."""
        if not volume:
            return
        scale = self._scale(at)
        weights = self.weights
        for term, count in counts.items():
            weights[term] = weights.get(term, 0.0) + count * scale
        self.total += volume * scale
        if len(weights) > 2 * BACKGROUND_TERMS:
            keep = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
            self.weights = dict(keep[:BACKGROUND_TERMS])

    def share(self, term: str) -> float:
        """Usual share of posts holding ``term``, smoothed so an unseen term is rare, not
        impossible."""
        return (self.weights.get(term, 0.0) + 0.5) / (self.total + 20.0)

    def to_dict(self) -> dict[str, Any]:
        return {"o": self.origin, "t": self.total, "w": dict(self.weights)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Background:
        origin = data.get("o")
        return cls(
            origin=None if origin is None else float(origin),
            total=float(data.get("t", 0.0)),
            weights={str(k): float(v) for k, v in data.get("w", {}).items()},
        )


def rising(
    counts: Mapping[str, int], volume: int, background: Background, limit: int = RISING_TERMS
) -> tuple[str, ...]:
    """The terms of a window whose share of posts rose most against the background,
    strongest first: each scored by its count times the log of the rise (a smoothed
    log-likelihood ratio), keeping those at least three times their usual share. A pair
    that holds at least half the posts of each of its words says it better than they do,
    and stands for them."""
    if volume <= 0:
        return ()
    scored: dict[str, float] = {}
    for term, count in counts.items():
        if count < MIN_RISING_COUNT:
            continue
        ratio = (count / volume) / background.share(term)
        if ratio >= 3.0:
            scored[term] = count * math.log(ratio)
    # In a fixed order: the counts arrive in the order posts did, which a restarted or
    # second worker need not share.
    for term in sorted(t for t in scored if " " in t):
        parts = term.split(" ")
        if all(2 * counts[term] >= counts.get(part, 0) for part in parts):
            for part in parts:
                # The pair ranks where its strongest word would have.
                scored[term] = max(scored[term], scored.pop(part, 0.0))
    ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
    chosen: list[str] = []
    for term, _ in ranked:
        words_of = set(term.split(" "))
        if any(words_of & set(kept.split(" ")) for kept in chosen):
            continue  # a word already quoted, alone or in a pair
        chosen.append(term)
        if len(chosen) == limit:
            break
    return tuple(chosen)


def merge(counters: Iterable[Mapping[str, int]]) -> Counter[str]:
    """The sum of several buckets' term counts."""
    total: Counter[str] = Counter()
    for counts in counters:
        total.update(counts)
    return total
