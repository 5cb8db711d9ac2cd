"""What the pipeline builds from a loaded :class:`RuleSet`: the enricher that matches its
brands, the window layout, and the judge that turns window figures into alerts."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from listener.enrich.brands import BrandMatcher, BrandTerms
from listener.enrich.language import default_detector
from listener.enrich.pipeline import Enricher
from listener.enrich.sentiment import default_scorer
from listener.records import Alert, SamplePost
from listener.rules.engine import Firing, RuleState, step
from listener.rules.ruleset import RuleSet
from listener.settings import Settings
from listener.windows.partition import Judge, WindowConfig
from listener.windows.stats import WindowStats

#: Figures an alert quotes as "now" and as "usual".
FIGURES = (
    "volume", "negative", "negative_share", "mean_sentiment", "unknown", "unique_authors",
    "reach", "max_author_reach", "minutes_since_brand_post", "volume_ratio", "volume_z",
    "sentiment_z", "negative_share_z",
)  # fmt: skip
BASELINE = ("volume_baseline", "sentiment_baseline", "negative_share_baseline")


def build_enricher(rules: RuleSet) -> Enricher:
    # The language model takes about a second to load: load it now, before the worker
    # says it is ready, rather than on the first post.
    default_detector()
    terms = [t for t in rules.brand_terms() if isinstance(t, BrandTerms)]
    return Enricher(BrandMatcher(terms), default_scorer())


def window_config(rules: RuleSet, settings: Settings) -> WindowConfig:
    priors = {
        brand_id: (brand.baseline.volume_per_hour, brand.baseline.negative_share)
        for brand_id, brand in rules.brands.items()
        if brand.baseline is not None
    }
    return WindowConfig(
        step=rules.step,
        sizes=rules.windows,
        lateness=settings.allowed_lateness_seconds,
        raw_partitions=settings.partitions,
        priors=priors,
    )


def alert_id(rule: str, brand: str, fired_at: float) -> str:
    """Deterministic: the same firing re-emitted after a restart keeps its id."""
    return hashlib.sha256(f"{rule}|{brand}|{fired_at:.3f}".encode()).hexdigest()[:24]


def _finite(metrics: Mapping[str, float], names: tuple[str, ...]) -> dict[str, float | None]:
    return {n: (None if math.isinf(v) else v) for n in names if (v := metrics.get(n)) is not None}


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def make_alert(rules: RuleSet, firing: Firing, samples: tuple[SamplePost, ...]) -> Alert:
    rule = next(r for r in rules.rules if r.name == firing.rule)
    return Alert(
        id=alert_id(firing.rule, firing.brand, firing.fired_at),
        rule=firing.rule,
        description=rule.description,
        brand=firing.brand,
        brand_name=rules.brands[firing.brand].name,
        severity=firing.severity,
        fired_at=_utc(firing.fired_at),
        first_true_at=_utc(firing.first_true_at),
        window=firing.window,
        condition=firing.condition,
        figures=_finite(firing.metrics, FIGURES),
        baseline=_finite(firing.metrics, BASELINE),
        samples=samples,
        owners=rules.owners_for(rule, firing.brand),
    )


def build_judge(rules: RuleSet) -> Judge:
    """A pure judge: each applicable rule steps on its window; firings become alerts."""

    def judge(
        brand: str,
        stats: Mapping[int, WindowStats],
        samples: Mapping[int, tuple[SamplePost, ...]],
        states: dict[str, Any],
        now: float,
    ) -> list[Any]:
        alerts: list[Any] = []
        if brand not in rules.brands:
            return alerts  # a brand removed from the rules since its posts were scored
        for rule in rules.rules_for(brand):
            window = stats.get(rule.window_seconds)
            if window is None:
                continue
            saved = states.get(rule.name)
            state = RuleState.from_dict(saved) if saved else RuleState()
            state, firing = step(rule, window, state, now)
            states[rule.name] = state.to_dict()
            if firing is not None:
                alerts.append(make_alert(rules, firing, samples[rule.window_seconds]))
        return alerts

    return judge
