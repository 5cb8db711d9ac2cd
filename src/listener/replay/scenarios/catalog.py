"""The scenario library: incident shapes with the outcome a crisis team expects of each.

Every scenario is a deterministic generator: ``build(seed)`` gives the same posts for the
same seed, and another seed gives another, equally plausible variant (volumes, rise
times, languages). Each scenario brings the brand it is about (written into brands.yaml
by ``listener backtest``), the onset of its event (the first post of it) and what should
happen: which risk is paged within how many minutes, or no page at all.

Scenarios are reconstructions or labelled synthetic data for testing, not real posts:
authors are fictional and every text was written for listener.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from listener.records import Post

#: The seed rules are tuned on; every other seed is held out.
TUNING_SEED: Final = 1
#: The seeds ``listener backtest`` runs unless told otherwise: the tuning one and a held-out one.
DEFAULT_SEEDS: Final = (1, 2)


@dataclass(frozen=True, slots=True)
class BrandSpec:
    """The brand a scenario is about, as a user would write it in brands.yaml."""

    id: str
    name: str
    terms: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    own_accounts: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    language: str | None = None
    volume_per_hour: float = 10.0
    negative_share: float = 0.2
    #: The brand's own words for a risk's topic, by risk name: what its team registers
    #: for a running campaign (its hashtag, its slogan) or its app. Read-only once built.
    topics: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def __post_init__(self) -> None:
        # A caller's dict must not change the spec behind its back.
        frozen = {risk: tuple(phrases) for risk, phrases in self.topics.items()}
        object.__setattr__(self, "topics", MappingProxyType(frozen))

    def to_yaml(self, owners: str) -> dict[str, Any]:
        """The brands.yaml entry, owned by the group ``owners``."""
        entry: dict[str, Any] = {"name": self.name, "owners": owners}
        for key in ("terms", "hashtags", "handles", "exclude", "own_accounts", "channels"):
            values = getattr(self, key)
            if values:
                entry[key] = list(values)
        if self.language:
            entry["language"] = self.language
        if self.topics:
            entry["topics"] = {risk: list(phrases) for risk, phrases in self.topics.items()}
        entry["baseline"] = {
            "volume_per_hour": self.volume_per_hour,
            "negative_share": self.negative_share,
        }
        return entry


@dataclass(frozen=True, slots=True)
class Expected:
    """What a crisis team needs from listener in a scenario.

    ``risk`` None means nobody may be paged at all (an ``info`` notice is allowed);
    otherwise exactly one incident of ``risk`` must be paged within ``within_minutes``
    of the onset (or of ``anchor`` when given: the large-audience post, say).
    """

    risk: str | None
    within_minutes: float | None = None
    #: When set, the page must be measured from this instant instead of the onset.
    anchor: datetime | None = None
    #: An own account of the brand that the alerts must name (an account compromise).
    own_account: str | None = None
    #: True: the brand's silence must escalate; False: it must not; None: either.
    silence_escalation: bool | None = None

    @property
    def pages(self) -> bool:
        return self.risk is not None


@dataclass(frozen=True, slots=True)
class Scenario:
    """One generated variant of a scenario."""

    name: str
    title: str
    seed: int
    brand: BrandSpec
    #: The first post of the event (None for a scenario with no event: an ordinary week).
    onset: datetime | None
    expected: Expected
    posts: list[Post] = field(repr=False)
    #: Labelled synthetic or a reconstruction of a reported case.
    kind: str = "synthetic"
    #: The keys (``source:id``) of the posts that belong to the event, as opposed to the
    #: brand's ordinary traffic around it; empty when there is no event or it is unlabelled.
    event: frozenset[str] = field(default=frozenset(), repr=False)


#: Builds one variant of a scenario; the same seed always gives the same posts.
Builder = Callable[[int], Scenario]


@dataclass(frozen=True, slots=True)
class Entry:
    """A scenario of the library: its name, one line on it, and its builder."""

    name: str
    summary: str
    build: Builder


def library() -> Mapping[str, Entry]:
    """Every scenario of the library, by name, in the order they are listed."""
    from listener.replay.scenarios.shapes import ENTRIES

    return {entry.name: entry for entry in ENTRIES}
