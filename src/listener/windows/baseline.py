"""A brand's usual figures: exponentially weighted mean and variance in event time.

The baseline is updated once per window step with the window's value, clamped to
``mean + clamp * std`` first, so the spike it is meant to measure barely moves it: a wave
of three hours raises a 24-hour baseline by a fraction of one standard deviation.
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
    """Usual volume, mean sentiment and negative share of one brand for one window size."""

    volume: Ewma
    sentiment: Ewma
    negative_share: Ewma

    @classmethod
    def prior(
        cls, window: float, step: float, half_life: float, per_hour: float, negative_share: float
    ) -> Baseline:
        """A starting point from the brand's configured expectations, before history exists."""
        alpha = alpha_for(step, half_life)
        mean = per_hour * window / 3600.0
        # Posts arrive roughly as a Poisson process: variance equal to the mean, at least 1.
        return cls(
            volume=Ewma(mean=mean, var=max(mean, 1.0), alpha=alpha, floor=1.0),
            sentiment=Ewma(mean=0.0, var=0.3**2, alpha=alpha, floor=0.05),
            negative_share=Ewma(mean=negative_share, var=0.1**2, alpha=alpha, floor=0.05),
        )

    def update(self, volume: int, known: int, sentiment: float, negative_share: float) -> None:
        self.volume.update(float(volume))
        if known:
            self.sentiment.update(sentiment)
            self.negative_share.update(negative_share)

    def to_dict(self) -> dict[str, Any]:
        return {
            "volume": self.volume.to_list(),
            "sentiment": self.sentiment.to_list(),
            "negative_share": self.negative_share.to_list(),
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.volume.restore(data["volume"])
        self.sentiment.restore(data["sentiment"])
        self.negative_share.restore(data["negative_share"])
