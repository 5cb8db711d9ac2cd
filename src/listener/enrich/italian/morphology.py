"""Guessing which listed word an inflected Italian form comes from.

The lexicons list lemmas: adjectives in the masculine singular, nouns in the singular, verbs
in the infinitive. A post writes ``pessime``, ``truffati``, ``funzionano``, ``vergognatevi``
or ``gentilissima``; these rules strip a known ending, put back the lemma's ending and offer
each candidate in turn, and the caller keeps the first one it knows. The rules only ever
propose: a form nobody listed stays unknown, which keeps a wrong guess from inventing a
sentiment. Forms the rules get wrong are listed in the lexicon as words of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

#: Ending -> lemma endings to try, longest ending first. Accents are already folded, so the
#: future ``-erà`` reads ``-era``.
_ENDINGS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("erebbero", ("are", "ere")), ("irebbero", ("ire",)), ("iscono", ("ire",)),
    ("eranno", ("are", "ere")), ("iranno", ("ire",)), ("erebbe", ("are", "ere")),
    ("irebbe", ("ire",)), ("assero", ("are",)), ("essero", ("ere",)), ("issero", ("ire",)),
    ("avano", ("are",)), ("evano", ("ere",)), ("ivano", ("ire",)), ("avamo", ("are",)),
    ("iamo", ("are", "ere", "ire")), ("ando", ("are",)), ("endo", ("ere", "ire")),
    ("isce", ("ire",)), ("isci", ("ire",)), ("isco", ("ire",)), ("asse", ("are",)),
    ("esse", ("ere",)), ("isse", ("ire",)), ("ato", ("are",)), ("ata", ("ato", "are")),
    ("ati", ("ato", "are")), ("ate", ("ato", "are")), ("uto", ("ere",)),
    ("uta", ("uto", "ere")), ("uti", ("uto", "ere")), ("ute", ("uto", "ere")),
    ("ito", ("ire",)), ("ita", ("ito", "ire")), ("iti", ("ito", "ire")),
    ("ite", ("ito", "ire")), ("ava", ("are",)), ("avo", ("are",)), ("eva", ("ere",)),
    ("iva", ("ire",)), ("era", ("are", "ere")), ("ero", ("are", "ere")),
    ("ira", ("ire",)), ("ano", ("are",)), ("ono", ("ere", "ire")), ("ete", ("ere",)),
    ("chi", ("co",)), ("ghi", ("go",)), ("che", ("ca", "co")), ("ghe", ("ga", "go")),
    ("ci", ("cio", "co")), ("gi", ("gio", "go")),
    ("i", ("o", "e", "io", "a", "are", "ere", "ire")), ("e", ("o", "a", "ere", "ire")),
    ("a", ("o", "are")), ("o", ("are", "ere", "ire")),
)  # fmt: skip
#: Pronouns glued to a verb (``vergognatevi``, ``fregandosene``), outermost first.
_LAST_CLITICS: Final = ("gli", "lo", "la", "li", "le", "ne", "mi", "ti", "si", "ci", "vi")
_FIRST_CLITICS: Final = ("glie", "me", "te", "se", "ce", "ve")
#: Verb forms a pronoun can be glued to; an infinitive loses its final ``e`` (``lamentarsi``).
_CLITIC_HOSTS: Final = ("ar", "er", "ir", "ate", "ete", "ite", "ando", "endo", "ato", "ito")
#: Nouns and adjectives that end like an infinitive: verb endings must not lead to them
#: ("solo" is not a form of "solare"). A word like these added to a lexicon goes here too.
NOT_VERBS: Final = frozenset(
    {"esemplare", "spettacolare", "ilare", "solare", "fallimentare", "volgare", "benessere",
     "malessere", "corriere", "mare", "welfare", "malware", "popolare", "regolare",
     "particolare", "familiare", "militare", "salutare", "piacere", "dovere", "potere",
     "messaggere", "cavaliere", "carabiniere", "consigliere", "ingegnere", "cameriere"}
)  # fmt: skip
_INFINITIVES: Final = ("are", "ere", "ire")
_SUPERLATIVE: Final = ("issimo", "issima", "issimi", "issime")
_SHORTEST_STEM: Final = 3


def _endings(form: str) -> Iterator[str]:
    """Lemmas ``form`` may be an inflection of, by ending alone."""
    for ending, lemma_endings in _ENDINGS:
        if form.endswith(ending):
            stem = form[: -len(ending)]
            if len(stem) >= _SHORTEST_STEM:
                for lemma_ending in lemma_endings:
                    lemma = stem + lemma_ending
                    if lemma_ending not in _INFINITIVES or lemma not in NOT_VERBS:
                        yield lemma


def _superlatives(form: str) -> Iterator[str]:
    """Adjectives an ``-issimo`` form may come from (``gentilissima`` -> ``gentile``)."""
    if len(form) > 8 and form.endswith(_SUPERLATIVE):
        stem = form[:-6]
        if stem.endswith(("ch", "gh")):
            yield stem[:-1] + "o"
        yield stem + "o"
        yield stem + "e"


def _adverbs(form: str) -> Iterator[str]:
    """Adjectives a ``-mente`` adverb comes from (``gentilmente``, ``pessimamente``)."""
    if len(form) > 8 and form.endswith("mente"):
        stem = form[:-5]
        if stem.endswith(("l", "r")):
            yield stem + "e"
        else:
            yield stem
            yield from _endings(stem)


def _unglued(form: str) -> Iterator[str]:
    """Verb forms left once glued pronouns are taken off (``fregandosene`` -> ``fregando``)."""
    for last in _LAST_CLITICS:
        if not form.endswith(last):
            continue
        rest = form[: -len(last)]
        for first in _FIRST_CLITICS:
            if rest.endswith(first) and len(rest) - len(first) > 4:
                yield rest[: -len(first)]
        if len(rest) > 4:
            yield rest


def _verb_lemmas(host: str) -> Iterator[str]:
    """Infinitives a verb form that carried glued pronouns may come from."""
    if not host.endswith(_CLITIC_HOSTS):
        return
    if host.endswith(("ar", "er", "ir")):
        yield host + "e"
    else:
        yield from _endings(host)


def lemma_of(form: str, known: Callable[[str], bool]) -> tuple[str, bool] | None:
    """The first lemma of ``form`` that ``known`` accepts, and whether ``form`` was ``-issimo``.

    None when no rule leads to a known word. Called once per distinct unknown form (the
    vocabulary remembers the answer), so its cost does not grow with traffic.
    """
    for lemma in _endings(form):
        if known(lemma):
            return lemma, False
    for lemma in _superlatives(form):
        if known(lemma):
            return lemma, True
    for lemma in _adverbs(form):
        if known(lemma):
            return lemma, False
    for host in _unglued(form):
        if known(host):
            return host, False
        for lemma in _verb_lemmas(host):
            if known(lemma):
                return lemma, False
    return None
