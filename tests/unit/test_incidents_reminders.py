"""Reminders that back off, measured on the shipped rules: while nobody acknowledges a
crisis, every level is still reached, and nobody gets more than ten messages in its first
six hours (a message: one delivery to one person on one channel)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pytest
from test_incidents_fixtures import (
    MINUTE,
    RULES,
    T0,
    feed,
    make_alert,
    notices,
    pages,
    shipped_policies,
)

from listener.incidents.lifecycle.actions import Action
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.escalation import page_at
from listener.incidents.lifecycle.events import AlertReceived, Event, Tick
from listener.records import Alert
from listener.rules.escalation import EscalationPolicy
from listener.rules.files.loader import load_rules
from listener.rules.ruleset import RuleSet

HOURS = 3600.0
BUDGET = 10
SHIPPED = load_rules(RULES)
#: The rules of the shipped alerts.yaml, each re-announced after its cooldown.
CRISIS_RULES = {
    rule.name: (rule.severity, rule.cooldown_seconds, rule.for_seconds) for rule in SHIPPED.rules
}


def crisis_alert(brand: str, rule: str, at: float) -> Alert:
    """An alert of ``rule`` about ``brand`` with its owners, and the brand silent since the
    wave began at T0."""
    severity, _, _ = CRISIS_RULES[rule]
    silent = (at - T0) / MINUTE
    return make_alert(
        at,
        rule=rule,
        brand=brand,
        severity=severity,
        owners=SHIPPED.brands[brand].owners,
        figures={"minutes_silent": silent, "minutes_since_brand_post": silent + 45},
    )


def crisis(brand: str, lasts: float) -> list[Event]:
    """Every shipped rule firing for ``brand`` from the wave's start, again after each
    cooldown, for ``lasts`` seconds; a tick a minute for eight hours."""
    events: list[Event] = []
    for minute in range(8 * 60):
        now = T0 + minute * MINUTE
        held = frozenset(CRISIS_RULES) if now < T0 + lasts else frozenset()
        for rule, (_, cooldown, delay) in sorted(CRISIS_RULES.items()):
            start = T0 + delay
            if start <= now < T0 + lasts and (now - start) % cooldown == 0:
                events.append(AlertReceived(crisis_alert(brand, rule, now)))
        events.append(Tick(now, {brand: held}))
    return events


def messages(actions: Iterable[Action], rules: RuleSet, hours: float) -> Counter[str]:
    """Messages each person got in the first ``hours`` from the first page: one per channel
    per notification."""
    told = notices(actions)
    until = min(notify.due_at for notify in told) + hours * HOURS
    counts: Counter[str] = Counter()
    for notify in told:
        if notify.due_at <= until:
            for person in notify.people:
                counts[person] += len(rules.owners.people[person].channels)
    return counts


@pytest.mark.parametrize("brand", sorted(SHIPPED.brands))
@pytest.mark.parametrize("lasts", [8 * HOURS, 5 * HOURS, 2 * HOURS])
def test_nobody_gets_more_than_ten_messages_in_six_hours_nobody_acknowledges(
    brand: str, lasts: float
) -> None:
    _, actions = feed(Engine(shipped_policies()), crisis(brand, lasts))
    assert len({n.incident.id for n in notices(actions)}) == 1  # one crisis, one incident
    counts = messages(actions, SHIPPED, 6)
    group = SHIPPED.owners.groups[SHIPPED.brands[brand].owners]
    everyone = {person for level in group.levels for person in level.notify}
    assert set(counts) >= everyone  # every level was reached
    assert max(counts.values()) <= BUDGET, counts


def test_the_bank_crisis_reminders_back_off() -> None:
    _, actions = feed(Engine(shipped_policies()), crisis("intesa_sanpaolo", 8 * HOURS))
    first = pages(actions)[0][0]
    timeline = [(round((due - first) / MINUTE), lv, kind) for due, lv, _, kind in pages(actions)]
    # Every level, then everyone at 1h, 2h and 4h; the next round, at 8h, falls after the
    # eight hours replayed.
    assert timeline == [
        (0, 1, "opened"),
        (10, 2, "escalated"),
        (30, 3, "escalated"),
        (60, 1, "reminder"),
        (120, 1, "reminder"),
        (240, 1, "reminder"),
    ]


def per_person(policy: EscalationPolicy, hours: float) -> Counter[str]:
    """Pages each person of ``policy`` gets in the first ``hours`` of its schedule."""
    counts: Counter[str] = Counter()
    index = 0
    while (page := page_at(policy, 0.0, index)) is not None and page.due_at <= hours * HOURS:
        counts.update(page.people)
        index += 1
    return counts


@pytest.mark.parametrize("name", sorted(SHIPPED.owners.groups))
def test_each_shipped_schedule_leaves_room_for_the_closing_message(name: str) -> None:
    """The schedule alone, for every group: its pages in six hours, plus the message saying
    the incident was resolved, stay within the budget for everyone."""
    policy = shipped_policies().escalation[name]
    for person, count in per_person(policy, 6).items():
        channels = len(SHIPPED.owners.people[person].channels)
        assert (count + 1) * channels <= BUDGET, (name, person, count)
