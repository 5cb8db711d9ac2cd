"""Which brands a post is about.

Every post from every source passes through :meth:`BrandMatcher.match`, and most concern
no brand at all, so the matcher is built once and answers with one pass over the text:
all names, aliases, hashtags, handles and exclusion phrases of every brand live in one
Aho-Corasick automaton (pyahocorasick), and each hit is then checked for word boundaries.
The cost of a post therefore hardly grows with the number of brands loaded.

Text and terms are compared casefolded, with accents stripped and runs of white space
made one space, so "Intesa  SANPAOLO", "intesa sanpaolo" and "Intésa Sanpaolo" are one.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final, Protocol

import ahocorasick  # type: ignore[import-not-found]

from listener.records import Post


@dataclass(frozen=True)
class BrandTerms:
    """What names a brand in a post, and what only looks like it does.

    ``terms`` are names and aliases, matched as whole words ("intesa" does not match
    "intesamente"); ``hashtags`` and ``handles`` may be given with or without their ``#``
    or ``@``. A post holding any ``exclude`` phrase ("intesa di programma") is not matched
    by ``terms``, though its hashtags and handles still count. ``own_accounts`` are the
    brand's own accounts, as ``source:author_id`` or ``@handle``; their posts concern the
    brand even when they do not name it. ``channels`` are places where every post concerns
    the brand (the comments under its own page), as ``channel`` or ``source:channel``.
    """

    brand: str
    terms: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    own_accounts: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A lone string where a tuple belongs would be read letter by letter, and a
        # one-letter term matches nearly every post.
        for name in ("terms", "hashtags", "handles", "exclude", "own_accounts", "channels"):
            if isinstance(getattr(self, name), str):
                raise TypeError(f"brand {self.brand!r}: {name} must be a tuple of strings")


@dataclass(frozen=True, slots=True)
class BrandMatch:
    """A brand a post concerns; ``own`` when the brand itself wrote the post."""

    brand: str
    own: bool


class _Kind(Enum):
    """What an automaton key is to a brand: a term can be vetoed, a tag cannot."""

    TERM = 1
    TAG = 2
    EXCLUDE = 3


#: The blocks of combining marks: what is left of an accent once a letter is decomposed.
_MARKS_RE: Final = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NO_MATCHES: Final[tuple[BrandMatch, ...]] = ()

#: An automaton value: the key's length and which brands use the key for what.
_Entry = tuple[int, tuple[tuple[int, _Kind], ...]]


class _Automaton(Protocol):
    """The part of ``ahocorasick.Automaton`` used here (the library ships no types)."""

    def iter(self, text: str) -> Iterator[tuple[int, _Entry]]: ...


def fold(text: str, spaced: bool = True) -> str:
    """``text`` as matching compares it: casefolded, unaccented, single-spaced (left as
    written when not ``spaced``: for callers that only pick words out of it).

    Decomposing first lets the accents be dropped as combining marks; ASCII text, most
    of what arrives, skips that work.
    """
    folded = text.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFD", folded.replace("\u2019", "'"))
        folded = _MARKS_RE.sub("", folded)
    return " ".join(folded.split()) if spaced else folded


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _on_boundaries(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is not part of a longer word, handle or hashtag."""
    if start > 0 and _is_word_char(text[start - 1]):
        return False
    return end >= len(text) or not _is_word_char(text[end])


def _prefixed(value: str, prefix: str) -> str:
    """A hashtag or handle folded and written with its ``#`` or ``@``, however it was given."""
    body = fold(value).removeprefix(prefix).strip()
    return prefix + body if body else ""


def _account_key(account: str) -> tuple[str, str]:
    """An own account as ("id", "source:author_id") or ("handle", folded handle)."""
    account = account.strip()
    if account.startswith("@"):
        return "handle", fold(account[1:])
    source, sep, author_id = account.partition(":")
    if not sep or not source or not author_id:
        raise ValueError(f"own account {account!r} is neither 'source:author_id' nor '@handle'")
    return "id", f"{source.strip().lower()}:{author_id.strip()}"


class BrandMatcher:
    """Finds the brands a post concerns, among thousands, in one pass over its text.

    Raises ``ValueError`` at construction when a brand is listed twice or an own account
    is malformed: a matcher must never start with half its brands.
    """

    def __init__(self, brands: Iterable[BrandTerms]) -> None:
        ordered = sorted(brands, key=lambda terms: terms.brand)
        names = [terms.brand for terms in ordered]
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            raise ValueError(f"brand(s) listed more than once: {', '.join(twice)}")
        # Brands are numbered in name order, so sorted numbers give output sorted by brand.
        self._names: tuple[str, ...] = tuple(names)
        self._by_author: dict[str, frozenset[int]] = {}
        self._by_handle: dict[str, frozenset[int]] = {}
        self._by_channel: dict[str, frozenset[int]] = {}
        keys: dict[str, list[tuple[int, _Kind]]] = {}
        for index, terms in enumerate(ordered):
            self._index_accounts(index, terms)
            for key, kind in _automaton_keys(terms):
                keys.setdefault(key, []).append((index, kind))
        self._automaton = _build_automaton(keys)

    def _index_accounts(self, index: int, terms: BrandTerms) -> None:
        """Record the brand's own accounts and channels, looked up by a post's metadata."""
        for account in terms.own_accounts:
            kind, key = _account_key(account)
            table = self._by_author if kind == "id" else self._by_handle
            table[key] = table.get(key, frozenset()) | {index}
        for channel in terms.channels:
            key = _channel_key(channel)
            self._by_channel[key] = self._by_channel.get(key, frozenset()) | {index}

    def match(self, post: Post) -> tuple[BrandMatch, ...]:
        """The brands ``post`` concerns, sorted by brand; empty for most posts."""
        own = self._own_brands(post)
        found = self._text_brands(post.text)
        if post.channel is not None:
            found |= self._channel_brands(post.source, post.channel)
        found |= own
        if not found:
            return _NO_MATCHES
        return tuple(BrandMatch(self._names[index], index in own) for index in sorted(found))

    def _own_brands(self, post: Post) -> frozenset[int]:
        """Brands whose own account wrote ``post``, by author id or by handle."""
        own = self._by_author.get(f"{post.source}:{post.author_id}", frozenset())
        if post.author_handle and self._by_handle:
            handle = fold(post.author_handle.removeprefix("@"))
            own |= self._by_handle.get(handle, frozenset())
        return own

    def _channel_brands(self, source: str, channel: str) -> frozenset[int]:
        """Brands that own the channel, named alone or with the post's source."""
        key = fold(channel)
        anywhere = self._by_channel.get(key, frozenset())
        return anywhere | self._by_channel.get(f"{source}:{key}", frozenset())

    def _text_brands(self, text: str) -> set[int]:
        """Brands named in ``text``: every automaton hit on word boundaries, then vetoes."""
        found: set[int] = set()
        if self._automaton is None:
            return found
        folded = fold(text)
        named: set[int] = set()
        vetoed: set[int] = set()
        for last, (length, users) in self._automaton.iter(folded):
            if not _on_boundaries(folded, last + 1 - length, last + 1):
                continue
            for index, kind in users:
                if kind is _Kind.TAG:
                    found.add(index)
                elif kind is _Kind.TERM:
                    named.add(index)
                else:
                    vetoed.add(index)
        found |= named - vetoed
        return found


def _channel_key(channel: str) -> str:
    """A configured channel as compared: folded, its source (if given) in lower case."""
    source, sep, name = channel.strip().partition(":")
    return f"{source.strip().lower()}:{fold(name)}" if sep else fold(channel)


def _automaton_keys(terms: BrandTerms) -> Iterable[tuple[str, _Kind]]:
    """Every text a brand's terms put in the automaton, folded, and what each is for."""
    for term in terms.terms:
        yield fold(term), _Kind.TERM
    for hashtag in terms.hashtags:
        yield _prefixed(hashtag, "#"), _Kind.TAG
    for handle in terms.handles:
        yield _prefixed(handle, "@"), _Kind.TAG
    for phrase in terms.exclude:
        yield fold(phrase), _Kind.EXCLUDE


def _build_automaton(keys: Mapping[str, list[tuple[int, _Kind]]]) -> _Automaton | None:
    """One automaton over every key; None when no brand has any text to look for."""
    automaton = ahocorasick.Automaton()
    for key, users in keys.items():
        if key:
            entry: _Entry = (len(key), tuple(dict.fromkeys(users)))
            automaton.add_word(key, entry)
    if len(automaton) == 0:
        return None
    automaton.make_automaton()
    built: _Automaton = automaton
    return built
