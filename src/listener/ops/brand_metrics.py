"""Per-brand gauges with a bounded label set.

A worker can hold thousands of brands, and a series per brand, window size and figure would
make every scrape, every Prometheus and every dashboard pay for all of them. So at most
``limit`` brands (``LISTENER_BRAND_METRICS_LIMIT``, default 200) are exported by name on a
worker, chosen at each publication as:

1. brands with an open alert (one fired within ``open_seconds`` of event time, an hour by
   default), most recent first, so a brand in trouble is always on the crisis board;
2. then the brands with the highest volume over the longest window;
3. ties broken by brand id, so the choice does not flicker between two equal brands.

Every other brand is folded into ``brand="_other"``: volumes and baselines are summed, shares
and mean sentiment are recomputed over the folded posts, and each z-score is the most
extreme of the folded brands (highest for volume and negative share, lowest for sentiment),
so a surge on a brand without a name of its own still shows.

The bound on series per worker is therefore ``(limit + 1) x windows x 9`` figures, plus one
``last_alert`` series per (brand, rule) that alerted among the named brands. A brand lives in
one scored partition, so across workers each brand is exported by at most one of them; the
``_other`` series of the workers add up with ``sum by (window)``.

A brand is dropped once it has been neither judged nor found steady for the shortest window
size: it is one or the other whenever it has posts in the longest window, so by then its
figures are all but zero. A steady brand (its windows' posts unchanged since it was judged
with every rule false: listener.windows.partition) keeps the figures of its last judging.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client import Gauge

from listener.ops.metrics import OTHER_BRANDS, BrandGauges
from listener.windows.stats import WindowStats

#: An alert counts as open for this long (event time) unless told otherwise.
OPEN_SECONDS = 3600.0


def window_label(size: int) -> str:
    """The window size as the rules write it: ``300`` -> ``5m``, ``45`` -> ``45s``."""
    return f"{size // 60}m" if size % 60 == 0 else f"{size}s"


@dataclass(frozen=True, slots=True)
class Figures:
    """What the gauges show of one brand (or of ``_other``) for one window size."""

    end: float
    volume: int
    negative: int
    known: int
    sentiment_sum: float
    volume_baseline: float
    volume_z: float
    negative_share_baseline: float
    negative_share_z: float
    sentiment_baseline: float
    sentiment_z: float

    @classmethod
    def of(cls, stats: WindowStats) -> Figures:
        m = stats.metrics()
        return cls(
            end=stats.end,
            volume=stats.volume,
            negative=stats.negative,
            known=stats.known,
            sentiment_sum=stats.sentiment_sum,
            volume_baseline=stats.volume_baseline,
            volume_z=m["volume_z"],
            negative_share_baseline=stats.negative_share_baseline,
            negative_share_z=m["negative_share_z"],
            sentiment_baseline=stats.sentiment_baseline,
            sentiment_z=m["sentiment_z"],
        )

    @property
    def negative_share(self) -> float:
        return self.negative / self.known if self.known else 0.0

    @property
    def mean_sentiment(self) -> float:
        return self.sentiment_sum / self.known if self.known else 0.0


def fold(figures: Sequence[Figures]) -> Figures:
    """Many brands' figures for one window size as one (see the module docstring)."""
    known = sum(f.known for f in figures)

    def usual(get: Callable[[Figures], float]) -> float:
        # The usual share or tone of the folded brands, weighted by their posts of known tone.
        if known:
            return sum(get(f) * f.known for f in figures) / known
        return sum(get(f) for f in figures) / len(figures)

    return Figures(
        end=max(f.end for f in figures),
        volume=sum(f.volume for f in figures),
        negative=sum(f.negative for f in figures),
        known=known,
        sentiment_sum=sum(f.sentiment_sum for f in figures),
        volume_baseline=sum(f.volume_baseline for f in figures),
        volume_z=max(f.volume_z for f in figures),
        negative_share_baseline=usual(lambda f: f.negative_share_baseline),
        negative_share_z=max(f.negative_share_z for f in figures),
        sentiment_baseline=usual(lambda f: f.sentiment_baseline),
        sentiment_z=min(f.sentiment_z for f in figures),
    )


class BrandBoard:
    """Keeps each brand's latest judged figures and publishes the bounded gauges."""

    def __init__(self, gauges: BrandGauges, limit: int, open_seconds: float = OPEN_SECONDS) -> None:
        if limit < 0:
            raise ValueError(f"brand metrics limit must be >= 0, not {limit}")
        self.gauges = gauges
        self.limit = limit
        self.open_seconds = open_seconds
        #: brand -> window size -> latest judged window. Its figures are read only when the
        #: gauges are published: a replay judges many brand-minutes between two publications.
        self.latest: dict[str, dict[int, WindowStats]] = {}
        #: brand -> window size -> the figures of the window held, once published: live, a
        #: brand is judged once a minute and published every few seconds.
        self._shown: dict[str, dict[int, Figures]] = {}
        #: brand -> the last boundary it was found steady at (its figures are unchanged).
        self._steady: dict[str, float] = {}
        #: brand -> (rule, severity) -> window end of the last alert.
        self.alerts: dict[str, dict[tuple[str, str], float]] = {}
        #: The newest window end judged on this worker: the board's own clock.
        self.newest: float | None = None
        #: What the gauges show: (brand, window) -> figures, (brand, rule, severity) -> end.
        self._published: dict[tuple[str, str], Figures] = {}
        self._alerts_published: dict[tuple[str, str, str], float] = {}
        #: Whether anything was judged, alerted or forgotten since the last publication:
        #: if not, the selection and every figure are what the gauges show already.
        self._changed = True

    def judged(self, stats: Mapping[int, WindowStats]) -> None:
        """Called with each brand's windows judged at one boundary (``Outcome.judged``).

        Figures older than those held are ignored: a recovery replays old boundaries."""
        first = next(iter(stats.values()), None)
        if first is None:
            return
        self._changed = True
        held = self.latest.setdefault(first.brand, {})
        for size, window in stats.items():
            if size not in held or held[size].end <= window.end:
                held[size] = window
                self._shown.get(first.brand, {}).pop(size, None)
        if self.newest is None or first.end > self.newest:
            self.newest = first.end

    def steady(self, brand: str, end: float) -> None:
        """Called with each brand found steady at the boundary ``end`` (``Outcome.steady``):
        its figures are those of its last judging, still held."""
        if brand in self.latest:
            self._steady[brand] = end

    def alerted(self, brand: str, rule: str, severity: str, at: float) -> None:
        """Called for each alert sent; ``at`` is its window end (event time)."""
        self._changed = True
        rules = self.alerts.setdefault(brand, {})
        rules[(rule, severity)] = max(at, rules.get((rule, severity), at))

    def forget(self, brands: Iterable[str]) -> None:
        """Called with the brands of partitions taken away: their new owner exports them."""
        self._changed = True
        for brand in brands:
            self.latest.pop(brand, None)
            self._shown.pop(brand, None)
            self._steady.pop(brand, None)
            self.alerts.pop(brand, None)

    def _drop_stale(self) -> None:
        newest = self.newest
        if newest is None:
            return
        for brand, held in list(self.latest.items()):
            end = max(max(f.end for f in held.values()), self._steady.get(brand, -math.inf))
            if end < newest - min(held):
                self.forget([brand])

    def _last_alert(self, brand: str) -> float | None:
        times = self.alerts.get(brand)
        return max(times.values()) if times else None

    def select(self) -> tuple[list[str], list[str]]:
        """(brands exported by name, brands folded into ``_other``), in ranking order."""
        newest = self.newest if self.newest is not None else 0.0

        def rank(brand: str) -> tuple[int, float, int, str]:
            held = self.latest[brand]
            volume = held[max(held)].volume
            last = self._last_alert(brand)
            if last is not None and last >= newest - self.open_seconds:
                return (0, -last, -volume, brand)
            return (1, 0.0, -volume, brand)

        ranked = sorted(self.latest, key=rank)
        return ranked[: self.limit], ranked[self.limit :]

    def publish(self) -> None:
        """Bring the gauges to the current selection; called on the ops timer.

        Only what changed is written: a series whose figures were published already is left
        as it is, and the series of brands no longer exported by name are removed. A brand
        is judged once a minute and published every few seconds, and with hundreds of brands
        named, clearing and setting every series again cost the worker more than all its
        posts did when few were coming."""
        if not self._changed:
            return
        self._drop_stale()
        named, folded = self.select()
        series: dict[tuple[str, str], Figures] = {}
        alerts: dict[tuple[str, str, str], float] = {}
        for brand in named:
            for size in self.latest[brand]:
                series[(brand, window_label(size))] = self._figures(brand, size)
            for (rule, severity), at in self.alerts.get(brand, {}).items():
                alerts[(brand, rule, severity)] = at
        self._fold(folded, series, alerts)
        for key in self._published.keys() - series.keys():
            for gauge in self._figure_gauges():
                gauge.remove(*key)
        for key, figures in series.items():
            if self._published.get(key) is not figures:
                self._set(*key, figures)
        last_alert = self.gauges.last_alert
        for alert in self._alerts_published.keys() - alerts.keys():
            last_alert.remove(*alert)
        for alert, at in alerts.items():
            if self._alerts_published.get(alert) != at:
                last_alert.labels(*alert).set(at)
        self._published, self._alerts_published = series, alerts
        self._changed = False
        self.gauges.tracked.set(len(self.latest))
        self.gauges.exported.set(len(named))

    def _fold(
        self,
        folded: Sequence[str],
        series: dict[tuple[str, str], Figures],
        alerts: dict[tuple[str, str, str], float],
    ) -> None:
        """Add the ``_other`` series of the ``folded`` brands to ``series`` and ``alerts``."""
        by_size: dict[int, list[Figures]] = {}
        for brand in folded:
            for size in self.latest[brand]:
                by_size.setdefault(size, []).append(self._figures(brand, size))
            for (rule, severity), at in self.alerts.get(brand, {}).items():
                key = (OTHER_BRANDS, rule, severity)
                alerts[key] = max(at, alerts.get(key, at))
        for size, many in by_size.items():
            series[(OTHER_BRANDS, window_label(size))] = fold(many)

    def _figures(self, brand: str, size: int) -> Figures:
        """The figures of the brand's latest window of ``size``, read once per window."""
        shown = self._shown.setdefault(brand, {})
        figures = shown.get(size)
        if figures is None:
            figures = shown[size] = Figures.of(self.latest[brand][size])
        return figures

    def _figure_gauges(self) -> tuple[Gauge, ...]:
        g = self.gauges
        return (
            g.volume, g.volume_baseline, g.volume_z, g.negative_share, g.negative_share_baseline,
            g.negative_share_z, g.mean_sentiment, g.sentiment_baseline, g.sentiment_z,
        )  # fmt: skip

    def _set(self, brand: str, window: str, f: Figures) -> None:
        g = self.gauges
        values = (
            (g.volume, f.volume), (g.volume_baseline, f.volume_baseline), (g.volume_z, f.volume_z),
            (g.negative_share, f.negative_share),
            (g.negative_share_baseline, f.negative_share_baseline),
            (g.negative_share_z, f.negative_share_z), (g.mean_sentiment, f.mean_sentiment),
            (g.sentiment_baseline, f.sentiment_baseline), (g.sentiment_z, f.sentiment_z),
        )  # fmt: skip
        for gauge, value in values:
            gauge.labels(brand, window).set(value)
