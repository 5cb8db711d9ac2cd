"""Reading the brand's own posts: is this the brand speaking, or someone who took its
account?

Every own post is read for what a compromised account typically posts (scam patterns,
profanity, hostile tone, links to places the account never links to, a language it does
not write in) and for how it posts (at an hour it never posts, many posts in a few
minutes), against the account's own history. Each sign adds to a score; a post scoring
:data:`OFF_BRAND` or more is *off-brand*: it raises an account-compromise alert and does
not count as the brand answering.

An on-brand post *answers* people when it replies to someone, or when it speaks to what
people are saying: it apologises, says the brand has seen or heard, says what is being
done, gives news of the trouble or takes a stance (:data:`_ANSWERING`, in English and
Italian; a post in another language, or in none detected, counts as an answer). Only
answers end the brand's silence in a wave and count as its statement. The brand's everyday
publishing does not: an offer, a launch, a tip or a job advert posted during a wave,
scheduled or not, is not an answer, and on the Intesa Sanpaolo page on 3 October 2017 the
comments poured in under such a post.

The history is a pure function of the own posts read before, in the order the partition
delivered them, so a restarted worker reads every post exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from listener.windows.counting.words import TopicIndex, words

#: A post scoring this much is off-brand.
OFF_BRAND: Final = 3.0
#: Own posts seen before the hour and rate signs are trusted.
MIN_HISTORY: Final = 20
#: Window over which a burst of own posts is counted, in seconds.
BURST_SECONDS: Final = 900.0
#: Hosts an account links to, kept at most.
MAX_HOSTS: Final = 200

_SCAM: Final = TopicIndex.build(
    {
        "scam": (
            "giveaway", "giveaways", "giving away", "free crypto", "bitcoin", "btc", "ethereum",
            "crypto", "wallet", "wallets",
            "airdrop", "double your", "claim your", "claim now", "verify your account",
            "your password", "seed phrase", "gift card", "gift cards", "usdt", "nft", "portafoglio",
            "clicca qui", "riscatta", "verifica il tuo account", "la tua password", "omaggio",
            "criptovalute", "raddoppia",
        )
    }
)  # fmt: skip
#: The languages :data:`_ANSWERING` is written in. A post in another, or in none known, is
#: taken as an answer: a statement missed would page a level for a silence that was not.
ANSWERING_LANGUAGES: Final = frozenset({"en", "it"})
#: What a brand's post says when it answers people rather than publishes: regret, having
#: seen or heard, work under way, news of the trouble, a stance. English contractions lose
#: their first part as words are cut ("we're aware" is read "re aware"), here as in posts.
_ANSWERING: Final = TopicIndex.build(
    {
        "answer": (
            # regret
            "sorry", "apologise", "apologize", "apologies", "apologised", "apologized",
            "we regret", "inconvenience", "hassle", "disruption", "ci scusiamo", "scusate",
            "scusateci", "chiediamo scusa", "ci dispiace", "siamo dispiaciuti", "disagio",
            "disagi", "disservizio",
            # having seen or heard
            "we are aware", "we're aware", "aware of", "we have seen", "we've seen",
            "we have read", "we've read", "we hear you", "listening", "your messages",
            "your comments", "your reports", "reports of", "siamo a conoscenza",
            "abbiamo visto", "abbiamo letto", "abbiamo ascoltato", "vi ascoltiamo",
            "vostri messaggi", "vostri commenti", "vostre segnalazioni", "segnalazioni",
            # work under way
            "we're on it", "we are on it", "looking into", "investigating", "working on",
            "working to", "working hard", "our engineers", "our team is", "we're checking",
            "we are checking", "lavorando", "verificando", "stiamo indagando",
            "i nostri tecnici", "siamo al lavoro",
            # news of the trouble
            "update", "updates", "restored", "resolved", "fixed", "working again",
            "recovering", "back online", "the problem", "the issue", "outage", "patience",
            "aggiornamento", "aggiornamenti", "aggiorneremo", "ripristinato", "ripristinata",
            "ripristinati", "ripristino", "risolto", "risolta", "risolvere",
            "il problema", "di nuovo disponibile", "di nuovo disponibili", "pazienza",
            # a stance, apologetic or not
            "unacceptable", "does not reflect", "doesn't reflect", "not from us",
            "out of context", "misunderstood", "misinterpreted", "our position",
            "responsibility", "suspended", "pausing", "withdrawn", "withdrawing",
            "statement", "clarify", "clarification", "to be clear", "inaccettabile",
            "non rappresenta", "non rispecchia", "nostri valori", "fuori contesto",
            "frainteso", "fraintese", "travisato", "travisate", "la nostra posizione",
            "responsabilita", "sospeso", "sospesa", "sospendiamo", "ritiriamo", "comunicato",
            "precisiamo", "chiarimento", "chiarire", "in merito", "non sono nostri",
            "non erano nostri",
        )
    }
)  # fmt: skip
_PROFANITY_TEXT: Final = """
    fuck fucking fucked shit shitty bitch bastard asshole idiot idiots stupid morons moron
    dumb losers loser crap damn hell suck sucks screw cazzo cazzi merda stronzo stronzi
    vaffanculo coglione coglioni idiota idioti imbecille imbecilli schifo fanculo porco
    deficienti deficiente cretini cretino
    """
_PROFANITY: Final = frozenset(_PROFANITY_TEXT.split())
_URL: Final = re.compile(r"https?://[^\s<>\"']+|\b[\w-]+\.(?:com|io|net|xyz|ly|me|org|it|co)/\S*")
_SHORTENERS: Final = frozenset({"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd"})


@dataclass(slots=True)
class OwnHistory:
    """What a brand's own accounts usually do: when they post, in which languages, where
    they link to."""

    posts: int = 0
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    languages: dict[str, int] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)
    recent: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.posts,
            "h": list(self.hours),
            "l": dict(self.languages),
            "u": list(self.hosts),
            "r": list(self.recent),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OwnHistory:
        return cls(
            posts=int(data["n"]),
            hours=[int(h) for h in data["h"]],
            languages={str(k): int(v) for k, v in data["l"].items()},
            hosts=[str(h) for h in data["u"]],
            recent=[float(t) for t in data["r"]],
        )


#: Signs read in what a post says; an own post is off-brand only with one of them, however
#: oddly it was posted (a care team answering at night, many replies in a crisis).
CONTENT_SIGNS: Final = frozenset({"scam", "profanity", "hostile", "shortened link", "new link"})


@dataclass(frozen=True, slots=True)
class Reading:
    """How an own post reads: its score and the signs behind it, and whether it would
    answer people, were it the brand's."""

    score: float
    signs: tuple[str, ...]
    #: Whether it replies to someone or reads as speaking to people (:data:`_ANSWERING`).
    speaks: bool

    @property
    def off_brand(self) -> bool:
        return self.score >= OFF_BRAND and not CONTENT_SIGNS.isdisjoint(self.signs)

    @property
    def answers(self) -> bool:
        """Whether the post is the brand answering people: an off-brand post never is."""
        return self.speaks and not self.off_brand


def read(
    text: str,
    ts: float,
    lang: str | None,
    compound: float,
    language: str | None,
    history: OwnHistory,
    reply: bool = False,
) -> Reading:
    """Read one own post against ``history`` (then record it there). ``language`` is the
    brand's configured language, used until the history knows the account's own; ``reply``
    whether the post answers another."""
    signs: list[tuple[str, float]] = []
    tokens = words(text)
    if _SCAM.match(tokens):
        signs.append(("scam", 2.0))
    if any(token in _PROFANITY for token in tokens):
        signs.append(("profanity", 2.0))
    if compound <= -0.6:
        signs.append(("hostile", 1.0))
    hosts = _hosts(text)
    if hosts:
        unknown = [h for h in hosts if h not in history.hosts]
        if any(h in _SHORTENERS for h in hosts):
            signs.append(("shortened link", 1.0))
        elif unknown and history.posts >= MIN_HISTORY:
            signs.append(("new link", 1.0))
    signs.extend(_habits(ts, lang, language, history))
    _record(history, ts, lang, hosts)
    score = sum(weight for _, weight in signs)
    speaks = reply or lang not in ANSWERING_LANGUAGES or bool(_ANSWERING.match(tokens))
    return Reading(score, tuple(name for name, _ in signs), speaks)


def _habits(
    ts: float, lang: str | None, language: str | None, history: OwnHistory
) -> list[tuple[str, float]]:
    signs: list[tuple[str, float]] = []
    usual = max(history.languages, key=lambda k: (history.languages[k], k), default=language)
    if lang is not None and usual is not None and lang != usual:
        signs.append(("language", 1.0))
    if history.posts >= MIN_HISTORY:
        hour = datetime.fromtimestamp(ts, UTC).hour
        near = sum(history.hours[(hour + d) % 24] for d in (-1, 0, 1))
        if near * 100 < history.posts:  # under 1% of its posts within an hour of this one
            signs.append(("unusual hour", 1.0))
    burst = sum(1 for t in history.recent if ts - BURST_SECONDS <= t <= ts)
    if burst >= 2:
        signs.append(("burst", 1.0))
    return signs


def _record(history: OwnHistory, ts: float, lang: str | None, hosts: list[str]) -> None:
    history.posts += 1
    history.hours[datetime.fromtimestamp(ts, UTC).hour] += 1
    if lang is not None:
        history.languages[lang] = history.languages.get(lang, 0) + 1
    for host in hosts:
        if host not in history.hosts:
            history.hosts.append(host)
    del history.hosts[: max(0, len(history.hosts) - MAX_HOSTS)]
    history.recent = [t for t in history.recent if t >= ts - BURST_SECONDS] + [ts]


def _hosts(text: str) -> list[str]:
    hosts: list[str] = []
    for found in _URL.findall(text):
        url = found if "://" in found else f"http://{found}"
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        if host and host not in hosts:
            hosts.append(host)
    return hosts
