"""What the pipeline builds from a loaded :class:`RuleSet`: the enricher that matches its
brands, the window layout, and the judge that turns window figures into alerts."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from listener.enrich.brands import BrandMatcher, BrandTerms
from listener.enrich.language import default_detector
from listener.enrich.pipeline import Enricher
from listener.enrich.sentiment import default_scorer
from listener.records import Alert, SamplePost
from listener.rules.engine import Firing, RuleState, evaluate
from listener.rules.ruleset import Rule, RuleSet
from listener.settings import Settings
from listener.windows.config import WindowConfig
from listener.windows.counting.words import TopicIndex
from listener.windows.judging import BrandView, Judge, pending
from listener.windows.stats import WindowStats

#: Figures an alert quotes as "now" and as "usual".
FIGURES = (
    "volume", "negative", "negative_share", "mean_sentiment", "unknown", "unique_authors",
    "reach", "max_author_reach", "minutes_since_brand_post", "minutes_silent", "volume_ratio",
    "volume_z", "volume_surprise", "negative_ratio", "negative_surprise", "sentiment_z",
    "negative_share_z", "negative_reach", "negative_reach_ratio", "negative_engagement",
    "own_off_brand", "own_off_brand_score", "topic", "topic_ratio", "topic_surprise",
    "topic_share",
)  # fmt: skip
BASELINE = (
    "volume_baseline", "negative_baseline", "sentiment_baseline", "negative_share_baseline",
    "reach_baseline", "topic_baseline",
)  # fmt: skip


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
    risks = rules.risks.risks if rules.risks is not None else {}
    topics = TopicIndex.build({name: risk.topics for name, risk in risks.items()})
    return WindowConfig(
        step=rules.step,
        sizes=rules.windows,
        lateness=settings.allowed_lateness_seconds,
        learn_lateness=settings.learn_lateness,
        raw_partitions=settings.partitions,
        priors=priors,
        topics=topics,
        brand_topics={
            brand_id: TopicIndex.build(brand.topics, base=topics)
            for brand_id, brand in rules.brands.items()
            if brand.topics
        },
        languages={b: brand.language for b, brand in rules.brands.items() if brand.language},
    )


def alert_id(rule: str, brand: str, fired_at: float) -> str:
    """Deterministic: the same firing re-emitted after a restart keeps its id."""
    return hashlib.sha256(f"{rule}|{brand}|{fired_at:.3f}".encode()).hexdigest()[:24]


def _finite(metrics: Mapping[str, float], names: tuple[str, ...]) -> dict[str, float | None]:
    return {n: (None if math.isinf(v) else v) for n in names if (v := metrics.get(n)) is not None}


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def make_alert(
    rules: RuleSet,
    firing: Firing,
    samples: tuple[SamplePost, ...],
    about: tuple[str, ...] = (),
    own_posts: tuple[SamplePost, ...] = (),
    published: tuple[SamplePost, ...] = (),
) -> Alert:
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
        about=about,
        own_posts=own_posts,
        published=published,
    )


def rule_figures(
    rules: RuleSet, brand: str, stats: Mapping[int, WindowStats]
) -> Iterator[tuple[Rule, dict[str, float] | None]]:
    """Each rule watching ``brand`` with the figures its condition reads: its window's,
    with the topic figures of the risk it raises; built once per window and risk. None
    instead of the figures when the window's counts already make the condition false
    (see Condition.ruled_out): most brands at most boundaries are quiet, and their rules
    are then settled without those figures built."""
    built: dict[tuple[int, str | None], dict[str, float]] = {}
    counted: dict[tuple[int, str | None], dict[str, float]] = {}
    for rule, risk in rules.watching(brand):
        window = stats.get(rule.window_seconds)
        if window is None:
            continue
        key = (rule.window_seconds, risk)
        condition = rule.condition
        if condition.gate:
            counts = counted.get(key)
            if counts is None:
                counts = counted[key] = window.counts(risk)
            if condition.ruled_out(counts):
                yield rule, None
                continue
        figures = built.get(key)
        if figures is None:
            figures = built[key] = {**window.metrics(), **window.topic_metrics(risk)}
        yield rule, figures


def settled(
    rules: RuleSet, stats: Mapping[int, WindowStats], states: Mapping[str, Any] | None = None
) -> bool:
    """Whether every rule watching the brand of ``stats`` is below one of its floors (see
    listener.rules.floors), and none of the rule ``states`` is pending: judging it would
    find every rule false and change none of its states."""
    if states and any(pending(state) for state in states.values()):
        return False
    brand = next(iter(stats.values())).brand
    floors = rules.floors(brand)
    return floors is not None and floors.unmet(stats)


def build_judge(rules: RuleSet) -> Judge:
    """A pure judge: each applicable rule steps on its window, with the topic figures of
    the risk it raises; firings become alerts that say what the wave is about."""
    return RuleJudge(rules)


class RuleJudge:
    """The judge of :func:`build_judge` (see listener.windows.judging.Judge)."""

    __slots__ = ("rules",)

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def settled(
        self, brand: str, stats: Mapping[int, WindowStats], states: Mapping[str, Any]
    ) -> bool:
        """Whether judging the brand would find every rule false and change none of its
        states, and would go on doing so while its windows' counts stay as they are: no
        rule is pending, and each is below one of its floors (or the brand has no rules)."""
        return brand not in self.rules.brands or settled(self.rules, stats, states)

    def holding(
        self, brand: str, stats: Mapping[int, WindowStats], states: Mapping[str, Any]
    ) -> frozenset[str]:
        """The rules whose condition held on ``stats`` when the brand was just judged with
        ``states``: those left pending (see rules.engine.evaluate: a rule is pending exactly
        while its condition holds), read rather than evaluated again."""
        if not states or brand not in self.rules.brands:
            return frozenset()
        return frozenset(
            rule.name
            for rule, _ in self.rules.watching(brand)
            if rule.window_seconds in stats and pending(states.get(rule.name))
        )

    def __call__(
        self, brand: str, view: BrandView, states: dict[str, Any], now: float
    ) -> list[Any]:
        rules = self.rules
        alerts: list[Any] = []
        if brand not in rules.brands:
            return alerts  # a brand removed from the rules since its posts were scored
        if settled(rules, view.stats, states):
            return alerts  # every rule false, as before: nothing to change
        judged = 0
        for rule, figures in rule_figures(rules, brand, view.stats):
            judged += 1
            saved = states.get(rule.name)
            if figures is None:  # the condition is false: nothing pending any more
                if saved is not None and pending(saved):
                    last_fired = RuleState.from_dict(saved).last_fired
                    states[rule.name] = RuleState(last_fired=last_fired).to_dict()
                continue
            state = RuleState.from_dict(saved) if saved else RuleState()
            state, firing = evaluate(rule, brand, figures, state, now)
            states[rule.name] = state.to_dict()
            if firing is not None:
                size = rule.window_seconds
                about = view.about(size)
                own, published = view.own_posts(size), view.published(size)
                alerts.append(make_alert(rules, firing, view.samples[size], about, own, published))
        if len(states) > judged:
            # Rules removed from the brand by a reload: their states would hold for ever.
            watching = {rule.name for rule in rules.rules_for(brand)}
            for name in [name for name in states if name not in watching]:
                del states[name]
        return alerts
