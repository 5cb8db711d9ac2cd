"""What the analyzer knows about each written form: valence, and the part it plays.

Most of what a post says is carried by a few words; the rest are function words that change
them (negators, intensifiers, "ma"). A written form is resolved once to a :class:`Word`
(spelling fixed, alias followed, inflection undone) and the answer is remembered, so a busy
stream pays for the rules once per distinct form, not once per post.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from listener.enrich.italian.lexicon import Lexicon
from listener.enrich.italian.morphology import lemma_of
from listener.enrich.italian.text import QUESTION, STOP

#: VADER's empirically derived constants, kept so Italian and English scores compare.
B_INCR: Final = 0.293
N_SCALAR: Final = -0.74

# Roles: bit flags on plain ints, which the per-post loop tests much faster than enum.Flag.
# Negators are not a role: a word's ``negation`` says how much it negates.
BOUNDARY: Final = 1  # clause punctuation: negation and intensifiers do not cross it
CONTRAST: Final = 2  # "ma", "però": what follows weighs more, what precedes less
CONCESSIVE: Final = 4  # "sebbene", "nonostante": the clause it opens weighs less
PRAISE: Final = 8  # "complimenti", "bravi", 👏: read as mockery next to a complaint
MARKER: Final = 16  # 🙄 🤦: says the praise around it is not meant
REMEDY: Final = 32  # "risolto", "sbloccato": the trouble it names is over
SUCH: Final = 64  # "così", "tanto": "mai visto tanto X" stresses X rather than negating it
SKIP: Final = 128  # a piece of a composed emoji that means nothing alone
CLAUSE: Final = 256  # "se", "perché": opens a new clause, which a negation does not reach
EXPECT: Final = 512  # "pensavo": "non pensavo fosse così facile" stresses, not negates
EMOJI: Final = 1024  # an emoji or emoticon: says what it says, whatever words surround it
ASKED: Final = 2048  # a boundary that ends a question: thanks right after it are in advance
THANKS: Final = 4096  # "grazie": after a question, thanks in advance, not mockery

#: Negators and how they scale what they negate. Italian negation is concordant ("non ...
#: mai", "non ... niente" negate once), so a clause is negated once however many it holds.
NEGATORS: Final[Mapping[str, float]] = {
    **dict.fromkeys(
        ("non", "mai", "nessuno", "nessun", "niente", "nulla", "né", "neanche", "nemmeno",
         "neppure", "senza", "affatto", "mica", "zero", "mancanza", "assenza", "privo"),
        N_SCALAR,
    ),
    # "poco gentile" is rude, "pochi errori" is good, but less so than a plain negation.
    "poco": -0.5,
    "scarsamente": -0.5,
}  # fmt: skip
_ROLE_WORDS: Final[Mapping[int, frozenset[str]]] = {
    CONTRAST: frozenset({"ma", "pero", "tuttavia", "eppure", "anzi", "invece", "comunque",
                         "peccato"}),
    CONCESSIVE: frozenset({"sebbene", "benche", "nonostante", "malgrado", "seppure", "seppur",
                           "quantunque"}),
    PRAISE: frozenset({"complimenti", "complimento", "complimentoni", "bravo", "bravissimo",
                       "grazie", "ringraziare", "ottimo", "perfetto", "fantastico", "geniale",
                       "genio", "fenomeno", "fenomenale", "eccellente", "splendido",
                       "meraviglioso", "magnifico", "stupendo", "meraviglia", "bello",
                       "bellissimo", "bel", "evviva", "applauso", "chapeau", "top", "grande",
                       "wow", "ahah", "eheh", "lol", "efficienza", "efficiente", "impeccabile",
                       "capolavoro", "gioia", "fortuna", "mitico", "mito", "idolo", "eroe", "👏",
                       "😂", "🤣", "😄", "😁", "😃", "😆", "🙌", "👍", "🎉", ":)", ":-)", ":D",
                       "xD", "XD"}),
    MARKER: frozenset({"🙄", "🤦", "😒", "🙃", "😏", "🤡"}),
    REMEDY: frozenset({"risolvere", "risolto", "sistemare", "sbloccare", "riparare",
                       "recuperare", "correggere", "rimediare", "eliminare", "azzerare",
                       "rimborsare", "superare"}),
    SUCH: frozenset({"cosi", "tanto", "tale", "simile", "piu"}),
    CLAUSE: frozenset({"se", "perche", "quando", "dove", "mentre", "finche", "siccome"}),
    EXPECT: frozenset({"pensare", "credere", "immaginare", "aspettare", "sperare"}),
    THANKS: frozenset({"grazie", "ringraziare"}),
}  # fmt: skip
_ELONGATED: Final = re.compile(r"(.)\1{2,}")
_K_SOFT: Final = re.compile(r"k(?=[eiy])")
#: Distinct forms remembered before the memory is emptied and refilled.
MEMO_LIMIT: Final = 100_000


@dataclass(frozen=True, slots=True)
class Word:
    """One written form, resolved.

    ``form`` is the form with its spelling fixed (what phrases are matched on); ``valence``
    its own sentiment; ``negated`` its sentiment when negated, when it has one of its own;
    ``boost`` how much it intensifies the next words; ``negation`` how it scales the words
    it negates (0 when it is no negator); ``role`` a set of the flags above.
    """

    form: str
    valence: float = 0.0
    negated: float | None = None
    boost: float = 0.0
    negation: float = 0.0
    role: int = 0


STOP_WORD: Final = Word(STOP, role=BOUNDARY)
QUESTION_WORD: Final = Word(QUESTION, role=BOUNDARY | ASKED)
UNREADABLE: Final = Word("", role=SKIP)
#: A phrase: the forms of its words, and the one word it reads as.
Phrase = tuple[tuple[str, ...], Word]


def _roles(key: str) -> int:
    role = 0
    for flag, keys in _ROLE_WORDS.items():
        if key in keys:
            role |= flag
    return role


def _laughter(key: str) -> str | None:
    if len(key) >= 4 and set(key) <= {"a", "h"} and ("aha" in key or "hah" in key):
        return "ahah"
    if len(key) >= 4 and set(key) <= {"e", "h"} and ("ehe" in key or "heh" in key):
        return "eheh"
    return None


def spellings(key: str) -> Iterator[str]:
    """Standard spellings ``key`` may stand for: ``xke`` -> ``perche``, ``skifooo`` -> ``schifo``.

    Tried only for forms no list knows, so a word spelt with a k or an x on purpose is safe.
    """
    laughed = _laughter(key)
    if laughed is not None:
        yield laughed
        return
    spelt = "per" + key[1:] if key.startswith("x") and len(key) > 1 else key
    if "k" in spelt:
        spelt = _K_SOFT.sub("ch", spelt).replace("k", "c")
    if spelt != key:
        yield spelt
    if _ELONGATED.search(spelt):
        yield _ELONGATED.sub(r"\1\1", spelt)
        yield _ELONGATED.sub(r"\1", spelt)


class Vocabulary:
    """The lexicon, indexed for the analyzer, with a memory of forms already resolved.

    ``resolve`` is safe to call from several threads: the memory only ever maps a form to
    the same answer, so a race costs a recomputation, never a wrong word.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._known = frozenset(
            {*lexicon.words, *lexicon.negated, *lexicon.boosters, *NEGATORS}.union(
                *_ROLE_WORDS.values()
            )
        )
        self._memo: dict[str, Word] = {}
        starts: dict[str, list[Phrase]] = {}
        for forms, valence in lexicon.phrases.items():
            first = self.resolve(forms[0]).role
            praise = first & (PRAISE | THANKS) if valence > 0 and first & PRAISE else 0
            phrase = Word(" ".join(forms), valence=valence, role=praise)
            starts.setdefault(forms[0], []).append((forms, phrase))
        #: Phrases by their first word's form, longest first so the longest match wins.
        self.phrases: Mapping[str, Sequence[Phrase]] = {
            first: tuple(sorted(found, key=lambda phrase: -len(phrase[0])))
            for first, found in starts.items()
        }

    def resolve(self, key: str) -> Word:
        """The word a piece's key (see ``text.pieces``) stands for."""
        word = self._memo.get(key)
        if word is None:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            word = self._memo[key] = self._build(key)
        return word

    def _build(self, key: str) -> Word:
        if key == STOP:
            return STOP_WORD
        if key == QUESTION:
            return QUESTION_WORD
        emoji = self._lexicon.emoji.get(key)
        if emoji is not None:
            return Word(key, valence=emoji, role=_roles(key) | EMOJI)
        if not key[0].isalpha():
            return UNREADABLE
        spelt, lemma, superlative = self._lemma(self._lexicon.aliases.get(key, key))
        if lemma is None:
            return Word(spelt)
        return self._word(spelt, lemma, superlative)

    def _lemma(self, form: str) -> tuple[str, str | None, bool]:
        """``form`` respelt, the known word it stands for, and whether it was ``-issimo``."""
        known = self._known.__contains__
        if known(form):
            return form, form, False
        variants = [self._lexicon.aliases.get(spelt, spelt) for spelt in spellings(form)]
        for variant in variants:
            if known(variant):
                return variant, variant, False
        for variant in (form, *variants):
            found = lemma_of(variant, known)
            if found is not None:
                return variant, found[0], found[1]
        return form, None, False

    def _word(self, form: str, lemma: str, superlative: bool) -> Word:
        lexicon = self._lexicon
        valence = lexicon.words.get(lemma, 0.0)
        if superlative and valence:
            valence += math.copysign(B_INCR, valence)
        return Word(
            form,
            valence=valence,
            negated=lexicon.negated.get(lemma),
            boost=lexicon.boosters.get(lemma, 0.0),
            negation=NEGATORS.get(lemma, 0.0),
            role=_roles(lemma),
        )
