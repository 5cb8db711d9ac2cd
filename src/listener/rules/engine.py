"""Evaluating a rule: a pure function of the window's stats, the rule's state and the clock.

Semantics follow Prometheus alerting rules. While the condition is false the rule is idle.
The first true evaluation makes it pending; once the condition has held on every evaluation
for ``for`` seconds the rule fires (at once when ``for`` is 0). After firing it stays quiet
for ``cooldown`` seconds even if the condition still holds; if it still holds after that, it
fires again, so a crisis that lasts is re-announced rather than forgotten. One false
evaluation ends pending, so a flapping figure never accumulates towards ``for``.

The clock is event time (the end of the window), never the wall clock: replaying a day of
posts fires exactly what running through that day would have fired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from listener.rules.ruleset import Rule, rules_for_brand, windows_needed
from listener.windows.stats import WindowStats

__all__ = ["Firing", "RuleState", "evaluate", "rules_for_brand", "step", "windows_needed"]


@dataclass(frozen=True, slots=True)
class RuleState:
    """Where one rule stands for one brand; kept by the caller between evaluations."""

    pending_since: float | None = None  # event time of the first true evaluation in a row
    last_fired: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        """A small JSON-friendly dict, for the state snapshots a restarted worker reads."""
        return {"pending_since": self.pending_since, "last_fired": self.last_fired}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RuleState:
        """The state :meth:`to_dict` wrote; raises ValueError for anything else."""
        if set(data) != {"pending_since", "last_fired"}:
            raise ValueError(f"rule state needs pending_since and last_fired, got {sorted(data)}")
        return cls(
            pending_since=_time(data["pending_since"], "pending_since"),
            last_fired=_time(data["last_fired"], "last_fired"),
        )


def _time(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        # One exception for any unreadable snapshot, whatever is wrong with it.
        raise ValueError(f"{name} must be a number or null, got {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule fired for a brand: what the incident stage turns into an alert."""

    rule: str
    brand: str
    severity: str
    window: str
    fired_at: float  # event time, POSIX seconds
    first_true_at: float  # when the condition started holding without a break
    metrics: Mapping[str, float]  # every window metric at the moment of firing
    condition: str  # the condition as written in alerts.yaml


def step(
    rule: Rule, stats: WindowStats, state: RuleState, now: float, risk: str | None = None
) -> tuple[RuleState, Firing | None]:
    """Evaluate ``rule`` on one window of one brand at event time ``now``; ``risk`` is the
    risk the rule raises, whose topic the ``topic*`` figures count.

    Called by the windows stage each time a window of the rule's size closes for a brand the
    rule watches. Raises ValueError if the stats are for another window size or for a brand
    the rule does not watch: that is a wiring mistake, not a condition being false.
    """
    if stats.size != rule.window_seconds:
        raise ValueError(
            f"rule {rule.name} reads {rule.window} windows, got one of {stats.size} seconds"
        )
    if not rule.applies_to(stats.brand):
        raise ValueError(f"rule {rule.name} does not watch brand {stats.brand}")
    metrics = {**stats.metrics(), **stats.topic_metrics(risk)}
    return evaluate(rule, stats.brand, metrics, state, now)


def evaluate(
    rule: Rule, brand: str, metrics: Mapping[str, float], state: RuleState, now: float
) -> tuple[RuleState, Firing | None]:
    """:func:`step` on metrics already computed (for replays and tests)."""
    if not rule.condition(metrics):
        return RuleState(pending_since=None, last_fired=state.last_fired), None
    since = now if state.pending_since is None else state.pending_since
    held = now - since >= rule.for_seconds
    # A clock that went backwards (a late window) never fires: now - last_fired is negative.
    cooling = state.last_fired is not None and now - state.last_fired < rule.cooldown_seconds
    if not held or cooling:
        return RuleState(pending_since=since, last_fired=state.last_fired), None
    firing = Firing(
        rule=rule.name,
        brand=brand,
        severity=rule.severity,
        window=rule.window,
        fired_at=now,
        first_true_at=since,
        metrics=MappingProxyType(dict(metrics)),
        condition=rule.condition.source,
    )
    return RuleState(pending_since=since, last_fired=now), firing
