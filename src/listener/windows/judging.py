"""What the windows hand a judge, and what applying a message gives back: the seam between
the window state (partition.py) and the rules that judge it (rules/runtime.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from listener.records import SamplePost
from listener.windows.counting.brand import BrandWindows
from listener.windows.counting.words import rising
from listener.windows.learning.learnt import Learnt
from listener.windows.stats import WindowStats

#: Everyday own posts an alert quotes at most.
PUBLISHED_QUOTED: Final = 3


def pending(state: Any) -> bool:
    """Whether a rule's saved state is pending: its condition held at the last boundary it
    was judged (``pending_since`` set, as rules.engine.RuleState keeps it). A judge keeps
    its rule states; the windows ask this to know a brand is not quiet."""
    if isinstance(state, Mapping):
        return state.get("pending_since") is not None
    return getattr(state, "pending_since", None) is not None


@dataclass(frozen=True, slots=True)
class BrandView:
    """One brand's judged windows at one boundary, and what an alert may quote of them.
    Valid only during the judge's call: it reads the live state."""

    stats: Mapping[int, WindowStats]
    samples: Mapping[int, tuple[SamplePost, ...]]
    windows: BrandWindows
    learnt: Learnt

    def about(self, size: int) -> tuple[str, ...]:
        """The terms that rose most in the window of ``size`` against the brand's usual."""
        stats = self.stats[size]
        terms = self.windows.terms(stats.end, size)
        return rising(terms, stats.volume, self.learnt.background)

    def own_posts(self, size: int) -> tuple[SamplePost, ...]:
        """The brand's off-brand own posts in the window of ``size``, newest first."""
        end = self.stats[size].end
        return tuple(post for _, post in self.windows.off_brand_between(end - size, end))

    def published(self, size: int) -> tuple[SamplePost, ...]:
        """The brand's everyday own posts (answering nobody) in the window of ``size``, or
        since its wave began if that is earlier (the windows keep those of the longest
        window): at most :data:`PUBLISHED_QUOTED`, newest first."""
        stats = self.stats[size]
        since = stats.end - size
        if stats.wave_since is not None:
            since = min(since, stats.wave_since)
        return tuple(self.windows.published_between(since, stats.end)[:PUBLISHED_QUOTED])


class Judge(Protocol):
    """Turns one brand's window figures at one boundary into alerts (pure).

    A judge may also have ``settled(brand, stats, states) -> bool``: whether judging the
    brand would find every rule false and change none of its ``states``, and would go on
    doing so while its windows' counts stay as they are (rules.runtime.RuleJudge). The
    windows then skip judging the brand until its counts change (partition.py).

    And ``holding(brand, stats, states) -> frozenset[str]``: the rules whose condition held
    on ``stats`` when the brand was just judged with ``states``. The windows hand them on
    in :attr:`Outcome.held`, for the incident log; a judge without it leaves that empty."""

    def __call__(
        self, brand: str, view: BrandView, states: dict[str, Any], now: float
    ) -> list[Any]:
        """Called once per brand per step boundary; ``states`` is the brand's rule state,
        to be updated in place. Returns what fired (alerts)."""
        ...


@dataclass(slots=True)
class Outcome:
    """What applying one message did."""

    counted: int = 0
    duplicates: int = 0
    late: int = 0
    too_late: int = 0
    skipped: bool = False
    alerts: list[Any] = field(default_factory=list)
    #: Window figures judged at each boundary passed, for metrics and reports.
    judged: list[dict[int, WindowStats]] = field(default_factory=list)
    #: The rules whose condition held, by (brand, boundary) judged, where any did: what
    #: the judge found on the figures in ``judged`` (see ``Judge``).
    held: dict[tuple[str, float], frozenset[str]] = field(default_factory=dict)
    #: (brand, boundary) of each brand found steady there: not judged, its figures as at
    #: its last judging (see ``partition.PartitionState._unchanged``).
    steady: list[tuple[str, float]] = field(default_factory=list)


__all__: Sequence[str] = ("BrandView", "Judge", "Outcome")
