"""Rule evaluation: pending, ``for``, cooldown and reset, driven by a sequence of windows."""

from __future__ import annotations

import dataclasses
import math

import pytest

from listener.rules.conditions import compile_condition
from listener.rules.engine import Firing, RuleState, evaluate, step
from listener.rules.ruleset import Rule, rules_for_brand, windows_needed
from listener.windows.stats import WindowStats

pytestmark = pytest.mark.filterwarnings("error")

T0 = 1_700_000_000.0


def make_rule(
    for_seconds: int = 0,
    cooldown: int = 1800,
    window: int = 300,
    brands: frozenset[str] | None = None,
    name: str = "surge",
) -> Rule:
    return Rule(
        name=name,
        description="Many posts.",
        brands=brands,
        window=f"{window // 60}m",
        window_seconds=window,
        condition=compile_condition("volume >= 10"),
        for_seconds=for_seconds,
        severity="critical",
        cooldown_seconds=cooldown,
        owners=None,
    )


def stats(volume: int, end: float, brand: str = "acme", size: int = 300) -> WindowStats:
    return WindowStats(
        brand=brand,
        size=size,
        end=end,
        volume=volume,
        negative=0,
        positive=0,
        unknown=volume,
        sentiment_sum=0.0,
        unique_authors=volume,
        reach=0,
        max_author_reach=0,
        brand_last_post=None,
        volume_baseline=1.0,
        volume_std=1.0,
        sentiment_baseline=0.0,
        sentiment_std=0.1,
        negative_share_baseline=0.2,
        negative_share_std=0.1,
    )


def run(rule: Rule, volumes: list[int], every: float = 60.0) -> list[tuple[float, Firing]]:
    """Evaluate ``rule`` once a minute over ``volumes``; the firings with their offsets."""
    state = RuleState()
    fired = []
    for index, volume in enumerate(volumes):
        now = T0 + index * every
        state, firing = step(rule, stats(volume, now), state, now)
        if firing is not None:
            fired.append((now - T0, firing))
    return fired


def test_for_zero_fires_on_the_first_true_evaluation() -> None:
    fired = run(make_rule(), [0, 12, 0])
    assert [offset for offset, _ in fired] == [60.0]


def test_fires_once_the_condition_has_held_for_long_enough() -> None:
    fired = run(make_rule(for_seconds=120), [0, 12, 12, 12, 12])
    assert [offset for offset, _ in fired] == [180.0]
    firing = fired[0][1]
    assert firing.first_true_at == T0 + 60
    assert firing.fired_at == T0 + 180


def test_a_false_evaluation_resets_pending() -> None:
    # True for 60s, false, then true for 120s: fires 120s after the second start only.
    fired = run(make_rule(for_seconds=120), [12, 12, 0, 12, 12, 12])
    assert [offset for offset, _ in fired] == [300.0]
    assert fired[0][1].first_true_at == T0 + 180


def test_never_fires_if_it_never_holds_for_long_enough() -> None:
    assert run(make_rule(for_seconds=120), [12, 12, 0] * 5) == []


def test_cooldown_silences_a_lasting_condition_then_it_fires_again() -> None:
    fired = run(make_rule(cooldown=300), [12] * 12)
    assert [offset for offset, _ in fired] == [0.0, 300.0, 600.0]
    # Pending was never broken, so every firing dates the episode from its start.
    assert {firing.first_true_at for _, firing in fired} == {T0}


def test_cooldown_holds_across_a_reset() -> None:
    # Fires at 0, drops, comes back at 120: still within the cooldown, so silent until 300.
    fired = run(make_rule(cooldown=300), [12, 0, 12, 12, 12, 12, 12])
    assert [offset for offset, _ in fired] == [0.0, 300.0]
    assert fired[1][1].first_true_at == T0 + 120


def test_zero_cooldown_fires_on_every_true_evaluation() -> None:
    assert len(run(make_rule(cooldown=0), [12, 12, 12])) == 3


def test_a_late_window_never_fires() -> None:
    rule = make_rule(cooldown=300)
    state, firing = step(rule, stats(12, T0), RuleState(), T0)
    assert firing is not None
    state, firing = step(rule, stats(12, T0 - 600), state, T0 - 600)
    assert firing is None and state.last_fired == T0


def test_firing_carries_what_the_alert_needs() -> None:
    rule = make_rule(window=900)
    _, firing = step(rule, stats(15, T0, size=900), RuleState(), T0)
    assert firing is not None
    assert (firing.rule, firing.brand, firing.severity, firing.window) == (
        "surge",
        "acme",
        "critical",
        "15m",
    )
    assert firing.condition == "volume >= 10"
    assert firing.metrics["volume"] == 15.0
    assert firing.metrics["minutes_since_brand_post"] == math.inf
    with pytest.raises(TypeError):
        firing.metrics["volume"] = 0.0  # type: ignore[index]


def test_state_is_immutable_and_round_trips() -> None:
    state = RuleState(pending_since=T0, last_fired=None)
    assert RuleState.from_dict(state.to_dict()) == state
    assert RuleState.from_dict({"pending_since": 5, "last_fired": 7}) == RuleState(5.0, 7.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.last_fired = T0  # type: ignore[misc]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"pending_since": None},
        {"pending_since": None, "last_fired": None, "extra": 1},
        {"pending_since": "soon", "last_fired": None},
        {"pending_since": None, "last_fired": True},
    ],
)
def test_state_refuses_anything_else(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"pending_since|last_fired"):
        RuleState.from_dict(data)


def test_step_refuses_stats_of_another_window_or_brand() -> None:
    rule = make_rule(brands=frozenset({"acme"}))
    with pytest.raises(ValueError, match="reads 5m windows"):
        step(rule, stats(12, T0, size=900), RuleState(), T0)
    with pytest.raises(ValueError, match="does not watch brand other"):
        step(rule, stats(12, T0, brand="other"), RuleState(), T0)


def test_evaluate_takes_metrics_directly() -> None:
    state, firing = evaluate(make_rule(), "acme", {"volume": 10.0}, RuleState(), T0)
    assert firing is not None and state == RuleState(pending_since=T0, last_fired=T0)
    state, firing = evaluate(make_rule(), "acme", {"volume": 9.0}, state, T0 + 60)
    assert firing is None and state == RuleState(pending_since=None, last_fired=T0)


def test_rules_for_a_brand_and_the_windows_they_need() -> None:
    everywhere = make_rule(name="a", window=300)
    bank_only = make_rule(name="b", window=3600, brands=frozenset({"bank"}))
    hourly = make_rule(name="c", window=3600)
    rules = (everywhere, bank_only, hourly)
    assert rules_for_brand(rules, "bank") == rules
    assert rules_for_brand(rules, "air") == (everywhere, hourly)
    assert windows_needed(rules) == (300, 3600)
    assert windows_needed((everywhere, bank_only), "air") == (300,)
