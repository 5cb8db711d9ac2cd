"""A brand's usual tone: exponentially weighted mean and variance in event time.

The baseline is updated once per window step with the window's value, clamped to
``mean + clamp * std`` first, so the spike it is meant to measure barely moves it. The
usual *volume*, which follows the hour of day and the weekday, is usual.py's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Ewma:
    """EWMA mean and variance of one quantity; ``alpha`` is the weight of each new value."""

    mean: float
    var: float
    alpha: float
    clamp: float = 3.0
    floor: float = 1.0

    @property
    def std(self) -> float:
        return math.sqrt(max(self.var, 0.0))

    def update(self, value: float) -> None:
        ceiling = self.mean + self.clamp * max(self.std, self.floor)
        value = min(value, ceiling)
        diff = value - self.mean
        incr = self.alpha * diff
        self.mean += incr
        # West's incremental form of the exponentially weighted variance.
        self.var = (1.0 - self.alpha) * (self.var + diff * incr)

    def to_list(self) -> list[float]:
        return [self.mean, self.var]

    def restore(self, values: list[float]) -> None:
        self.mean, self.var = float(values[0]), float(values[1])


def alpha_for(step: float, half_life: float) -> float:
    """The EWMA weight that halves an old value's influence every ``half_life`` seconds."""
    return 1.0 - float(0.5 ** (step / half_life))


@dataclass(slots=True)
class Baseline:
    """Usual mean sentiment and negative share of one brand for one window size."""

    sentiment: Ewma
    negative_share: Ewma

    @classmethod
    def prior(cls, step: float, half_life: float, negative_share: float) -> Baseline:
        """A starting point from the brand's configured expectations, before history exists."""
        alpha = alpha_for(step, half_life)
        return cls(
            sentiment=Ewma(mean=0.0, var=0.3**2, alpha=alpha, floor=0.05),
            negative_share=Ewma(mean=negative_share, var=0.1**2, alpha=alpha, floor=0.05),
        )

    def update(self, known: int, sentiment: float, negative_share: float, times: int = 1) -> None:
        """Learn from a window of ``known`` posts of readable tone (none: nothing to learn);
        ``times`` steps in a row with the same window, one after the other."""
        if known:
            for _ in range(times):
                self.sentiment.update(sentiment)
                self.negative_share.update(negative_share)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentiment": self.sentiment.to_list(),
            "negative_share": self.negative_share.to_list(),
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.sentiment.restore(data["sentiment"])
        self.negative_share.restore(data["negative_share"])
