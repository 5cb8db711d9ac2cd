"""The rules that turn a post's resolved words into one compound score, in VADER's shape.

Each sentiment word gets its lexicon valence, raised by capitals and by intensifiers before
it, flipped or weakened by a negator before it in the same clause; then the clauses are
weighed ("ma": the second counts more; "sebbene": its clause counts less), praise next to a
complaint is read as mockery, exclamation marks add emphasis, and the sum is squashed into
[-1, 1] exactly as VADER does (x / sqrt(x^2 + 15)), so Italian and English scores compare.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

from listener.enrich.italian.vocabulary import (
    ASKED,
    BOUNDARY,
    CLAUSE,
    CONCESSIVE,
    CONTRAST,
    EMOJI,
    EXPECT,
    MARKER,
    N_SCALAR,
    PRAISE,
    REMEDY,
    SUCH,
    THANKS,
    Phrase,
    Word,
)

#: VADER's constants: capitals, and the squashing of a sum into [-1, 1].
C_INCR: Final = 0.733
ALPHA: Final = 15.0
#: How far back a negator reaches, in pieces: Italian puts pronouns and auxiliaries between
#: "non" and the word it negates ("non mi è piaciuto"), one more than VADER's three.
NEGATION_REACH: Final = 4
#: VADER's intensifier decay with distance (1, 2 and 3 pieces before the word).
BOOST_DECAY: Final = (1.0, 0.95, 0.9)
#: "mai visto tanto X" stresses X as VADER's "never so X" does.
NEVER_SUCH: Final = 1.25
CONTRAST_BEFORE: Final = 0.5
CONTRAST_AFTER: Final = 1.5
CONCESSION: Final = 0.5
#: Praise is mockery when the rest of the post is at least this negative (about one
#: complaint word), or negative at all when an eye-roll or facepalm says so.
SARCASM_FLOOR: Final = 0.75
#: Intensifiers that also work after their word ("bello davvero", "schifo totale").
POST_BOOSTERS: Final = frozenset(
    {"davvero", "veramente", "molto", "tanto", "tantissimo", "moltissimo", "assai", "troppo",
     "parecchio", "totale", "assoluto"}
)  # fmt: skip
_NOT_NEGATING: Final = frozenset({"solo", "soltanto", "solamente"})
_STOPS_SCOPE: Final = BOUNDARY | CONTRAST | CLAUSE


def normalize(total: float) -> float:
    """VADER's squashing of a valence sum into [-1, 1]."""
    return max(-1.0, min(1.0, total / math.sqrt(total * total + ALPHA)))


def punctuation_emphasis(text: str) -> float:
    """VADER's emphasis from "!" (up to four) and from two or more "?"."""
    emphasis = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    if questions > 3:
        emphasis += 0.96
    elif questions > 1:
        emphasis += questions * 0.18
    return emphasis


def join_phrases(
    words: Sequence[Word], shouts: Sequence[bool], phrases: Mapping[str, Sequence[Phrase]]
) -> tuple[list[Word], list[bool]]:
    """``words`` with every listed phrase replaced by one word carrying its valence."""
    joined: list[Word] = []
    joined_shouts: list[bool] = []
    i, count = 0, len(words)
    while i < count:
        step, word = 1, words[i]
        for forms, phrase in phrases.get(word.form, ()):
            end = i + len(forms)
            if end <= count and all(words[i + k].form == forms[k] for k in range(1, len(forms))):
                step, word = len(forms), phrase
                break
        joined.append(word)
        joined_shouts.append(shouts[i])
        i += step
    return joined, joined_shouts


def _shout_differential(words: Sequence[Word], shouts: Sequence[bool]) -> bool:
    """VADER's test: capitals stress a word only when some words, not all, are in capitals."""
    written = sum(1 for word in words if not word.role & BOUNDARY)
    loud = sum(shouts)
    return 0 < loud < written


def _context(
    words: Sequence[Word], shouts: Sequence[bool], i: int, shout_diff: bool
) -> tuple[float, float, bool]:
    """What the words around ``words[i]`` in its clause do to it: (boost, negation, remedy).

    The negation is the nearest negator's scale (0 when none). "Mai visto tanto X" and "non
    pensavo fosse così X" stress X instead (:data:`NEVER_SUCH`). A remedy ("risolto")
    before or right after a complaint word settles it.
    """
    boost, negation, stressed = 0.0, 0.0, False
    after = words[i + 1].role if i + 1 < len(words) else 0
    such, remedy = bool(after & SUCH), bool(after & REMEDY)
    for distance in range(1, min(i, NEGATION_REACH) + 1):
        j = i - distance
        other = words[j]
        if other.role & _STOPS_SCOPE:
            break
        if other.boost and distance <= len(BOOST_DECAY):
            # As in VADER, an intensifier in capitals stresses more, and so does a dampener.
            loud = C_INCR if shouts[j] and shout_diff else 0.0
            boost += (other.boost + loud) * BOOST_DECAY[distance - 1]
        if other.negation and not negation and words[j + 1].form not in _NOT_NEGATING:
            negation = other.negation
            stressed = other.form == "mai" or any(w.role & EXPECT for w in words[j + 1 : i])
        such = such or (not negation and bool(other.role & SUCH))
        remedy = remedy or bool(other.role & REMEDY)
    if negation and stressed and such:
        negation = NEVER_SUCH
    return boost, negation, remedy


def _post_boost(words: Sequence[Word], i: int) -> float:
    """An intensifier right after ``words[i]`` that modifies nothing after it."""
    if i + 1 >= len(words) or words[i + 1].form not in POST_BOOSTERS:
        return 0.0
    if i + 2 < len(words) and words[i + 2].valence:
        return 0.0
    return words[i + 1].boost


def _valence(words: Sequence[Word], shouts: Sequence[bool], i: int, shout_diff: bool) -> float:
    """The valence of ``words[i]`` in its place: capitals, intensifiers, negation, remedy."""
    word = words[i]
    boost, negation, remedy = _context(words, shouts, i, shout_diff)
    valence = word.valence
    if negation and negation != NEVER_SUCH and word.negated is not None:
        valence, negation = word.negated, 0.0
    if not valence:
        return 0.0
    if shouts[i] and shout_diff:
        valence += math.copysign(C_INCR, valence)
    # Intensifiers add magnitude (dampeners take it away) whatever the valence's sign.
    valence += (boost + _post_boost(words, i)) * (1.0 if valence > 0 else -1.0)
    if negation:
        valence *= negation
    if remedy and valence < 0:
        valence *= N_SCALAR
    return valence


def valences(words: Sequence[Word], shouts: Sequence[bool]) -> list[float]:
    """Each word's valence in context; function words (negators, intensifiers) score 0, and
    emoji score their own valence (a "non" before 👏 does not negate the applause)."""
    sentiments = [0.0] * len(words)
    shout_diff = _shout_differential(words, shouts)
    for i, word in enumerate(words):
        if word.role & EMOJI:
            sentiments[i] = word.valence
        elif (word.valence or word.negated is not None) and not (word.negation or word.boost):
            sentiments[i] = _valence(words, shouts, i, shout_diff)
    return sentiments


def weigh_contrast(words: Sequence[Word], sentiments: list[float]) -> int:
    """VADER's "but": before the first "ma" counts half, after it half as much again.

    Returns where the contrast is, or the number of words when there is none. A "ma"
    opening the post ("Ma che schifo") is an interjection, not a contrast.
    """
    said = False
    for k, word in enumerate(words):
        if word.role & CONTRAST and said:
            for j in range(k):
                sentiments[j] *= CONTRAST_BEFORE
            for j in range(k + 1, len(words)):
                sentiments[j] *= CONTRAST_AFTER
            return k
        said = said or not word.role & BOUNDARY
    return len(words)


def weigh_concession(words: Sequence[Word], sentiments: list[float]) -> None:
    """A clause opened by "sebbene", "nonostante" or "anche se" counts half."""
    conceding = False
    for k, word in enumerate(words):
        if word.role & BOUNDARY:
            conceding = False
        elif word.role & CONCESSIVE or (word.form == "se" and k and words[k - 1].form == "anche"):
            conceding = True
        elif conceding:
            sentiments[k] *= CONCESSION


def mock_praise(words: Sequence[Word], sentiments: list[float], contrast: int) -> None:
    """Praise beside a complaint is mockery: "Complimenti, app bloccata da tre giorni 👏".

    Praise after a contrast ("..., ma nel complesso ottima") is where the writer lands, and
    is taken at its word. Thanks that close a question ("... se perdo il telefono? Grazie.")
    are a formula, thanks in advance, like "grazie in anticipo": they count for nothing,
    neither as praise nor as mockery.
    """
    for k in range(1, len(words)):
        if words[k].role & THANKS and words[k - 1].role & ASKED:
            sentiments[k] = 0.0
    praised = [k for k in range(contrast) if words[k].role & PRAISE and sentiments[k] > 0]
    if not praised:
        return
    rest = sum(sentiments) - sum(sentiments[k] for k in praised)
    marked = any(word.role & MARKER for word in words)
    if rest <= -SARCASM_FLOOR or (marked and rest < 0):
        for k in praised:
            sentiments[k] = -sentiments[k]


def compound(words: Sequence[Word], shouts: Sequence[bool], text: str) -> float:
    """The compound score of a post, from its resolved words and its raw text."""
    sentiments = valences(words, shouts)
    contrast = weigh_contrast(words, sentiments)
    weigh_concession(words, sentiments)
    mock_praise(words, sentiments, contrast)
    total = math.fsum(sentiments)
    if total:
        total += math.copysign(punctuation_emphasis(text), total)
    return normalize(total)
