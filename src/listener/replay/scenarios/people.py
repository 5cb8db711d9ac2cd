"""Fictional authors for the replay scenarios, with a realistic spread of reach.

Scenario data is a reconstruction for demonstration, or synthetic, not real posts: every
name is made up from a first name and an initial (Italian or English ones). Reach has a
heavy tail: most people have a few hundred followers, a handful of accounts (journalists,
bloggers, activists) have tens of thousands, which is what makes ``max_author_reach``
worth watching.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

_FIRST_NAMES: Final = (
    "Marco", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara", "Andrea", "Sara",
    "Matteo", "Valentina", "Davide", "Elena", "Simone", "Martina", "Federico", "Silvia",
    "Roberto", "Paola", "Giuseppe", "Anna", "Stefano", "Laura", "Antonio", "Elisa",
    "Fabio", "Serena", "Paolo", "Alessia", "Giorgio", "Monica", "Vincenzo", "Rita",
    "Salvatore", "Claudia", "Emanuele", "Ilaria", "Riccardo", "Barbara", "Daniele", "Marta",
    "Nicola", "Giovanna", "Gianluca", "Federica", "Massimo", "Roberta", "Pietro", "Teresa",
)  # fmt: skip
_INITIALS: Final = "ABCDEFGLMNPRSTVZ"

#: Large accounts that comment or post now and then; all invented.
_BIG_ACCOUNTS: Final = (
    "Cronache dal Web", "Il Risparmiatore Attento", "Diritti al Lavoro", "Social Media Lab Italia",
    "Bancari Uniti (pagina non ufficiale)", "Economia in Pillole", "La Voce del Consumatore",
    "Marketing da Bar", "Giornalista Indipendente", "Osservatorio Reputazione",
    "Finanza per Tutti", "Il Blog del Correntista",
)  # fmt: skip

_EN_FIRST_NAMES: Final = (
    "James", "Emma", "Oliver", "Sophie", "Jack", "Chloe", "Harry", "Lucy", "Tom", "Hannah",
    "Daniel", "Megan", "Ben", "Katie", "Sam", "Amy", "Ryan", "Laura", "Josh", "Rachel",
    "Chris", "Jess", "Matt", "Beth", "Adam", "Zoe", "Luke", "Holly", "Dan", "Ellie", "Mike",
    "Priya", "Aisha", "Tariq", "Kwame", "Mei", "Connor", "Siobhan", "Gareth", "Nia", "Callum",
    "Ava", "Marcus", "Jade", "Kevin", "Grace", "Ravi", "Fiona",
)  # fmt: skip
_EN_INITIALS: Final = "ABCDEFGHJKLMNOPRSTW"

#: Large English-speaking accounts: commentators, consumer pages, tech and travel blogs.
_EN_BIG_ACCOUNTS: Final = (
    "The Consumer Desk", "Travel Truths", "Gadget Grind", "Money Mutterings", "Daily Outrage UK",
    "Tech Unboxed Weekly", "Frequent Flyer Notes", "Workplace Watch", "The Savvy Shopper",
    "Startup Gossip", "Brand Fails Hourly", "Pocket Finance Blog",
)  # fmt: skip

#: Share of first-time authors that are large accounts.
_BIG_SHARE: Final = 0.02
#: Share of authors whose follower count the source does not give.
_UNKNOWN_REACH: Final = 0.12


@dataclass(frozen=True, slots=True)
class Names:
    """The people of one language: first names, initials and the large accounts among them."""

    first: tuple[str, ...]
    initials: str
    big: tuple[str, ...]


ITALIAN: Final = Names(_FIRST_NAMES, _INITIALS, _BIG_ACCOUNTS)
ENGLISH: Final = Names(_EN_FIRST_NAMES, _EN_INITIALS, _EN_BIG_ACCOUNTS)

#: Words forum user names are made of: forum users seldom go by their real name.
_FORUM_WORDS: Final = (
    "quiet", "lantern", "pixel", "grumpy", "otter", "coffee", "ninja", "rusty", "falcon",
    "sleepy", "mango", "throwaway", "north", "paper", "cactus", "velvet", "salty", "panda",
    "orbit", "biscuit", "lazy", "tiger", "random", "walrus",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a post; the same person always has the same id, handle and reach."""

    id: str
    handle: str
    followers: int | None

    @property
    def big(self) -> bool:
        return self.followers is not None and self.followers >= 10_000


def ordinary_reach(rng: random.Random) -> int:
    """Followers of an ordinary person: lognormal, median about 260, mostly 50 to 1,000."""
    return max(3, min(9_000, round(rng.lognormvariate(5.56, 0.85))))


def big_reach(rng: random.Random) -> int:
    """Followers of a large account: Pareto from 10,000, capped at 200,000."""
    return min(200_000, round(10_000 * rng.paretovariate(1.1)))


class AuthorPool:
    """Draws authors for one source; a share of posts come from people who already wrote.

    ``style`` is the source's way of naming people: "facebook" (first name and initial),
    "x" (a handle) or "forum" (a made-up user name, no follower count).
    """

    def __init__(
        self,
        rng: random.Random,
        style: str,
        return_share: float = 0.25,
        names: Names = ITALIAN,
    ) -> None:
        self._rng = rng
        self._style = style
        self._return_share = return_share
        self._names = names
        self._seen: list[Author] = []
        self._ids: set[str] = set()
        self._big_names = list(names.big)
        rng.shuffle(self._big_names)

    def pick(self) -> Author:
        """An author for the next post: a returning one or a newcomer."""
        if self._seen and self._rng.random() < self._return_share:
            return self._rng.choice(self._seen)
        author = self._newcomer()
        self._seen.append(author)
        return author

    def _newcomer(self) -> Author:
        rng = self._rng
        if self._style == "forum":
            name = f"{rng.choice(_FORUM_WORDS)}_{rng.choice(_FORUM_WORDS)}{rng.randint(1, 999)}"
            return Author(self._fresh_id(), name, None)
        if self._big_names and rng.random() < _BIG_SHARE:
            name = self._big_names.pop()
            handle = name if self._style == "facebook" else _x_handle(rng, name)
            return Author(self._fresh_id(), handle, big_reach(rng))
        first = rng.choice(self._names.first)
        initial = rng.choice(self._names.initials)
        if self._style == "facebook":
            handle = f"{first} {initial}."
            followers = None if rng.random() < _UNKNOWN_REACH else ordinary_reach(rng)
        else:
            handle = _x_handle(rng, f"{first} {initial}")
            followers = ordinary_reach(rng)
        return Author(self._fresh_id(), handle, followers)

    def _fresh_id(self) -> str:
        low, high = 100_000_000_000, 999_999_999_999
        prefix = {"facebook": "1000", "x": "7"}.get(self._style, "t2_")
        while True:
            candidate = f"{prefix}{self._rng.randint(low, high)}"
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate


def _x_handle(rng: random.Random, name: str) -> str:
    base = "".join(ch for ch in name.lower().replace(" ", "_") if ch.isalnum() or ch == "_")
    return f"{base[:12]}{rng.randint(1, 99)}"
