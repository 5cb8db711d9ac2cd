"""The incident log as it travels: what the window agent and the API write to the
``incident-events`` topic, and how the incident agent reads it back.

One message is an *entry*: the events to apply in order, the wall-clock time it was
written (the ``now`` of every step, so a replay reproduces the wall times in the history),
and optionally the event-time ``clock`` the window stage reached. The window agent sends
one entry per scored partition and batch, to the incident-log partition of the same number
(the brands of scored partition p are keyed to incident-log partition p: same key, same
partitioner, same count).

Ticks are sparse. The window stage sends an explicit :class:`Tick` only for a window
boundary at which some rule held for some brand; every boundary in between had nothing
holding. The reader restores those boundaries (:func:`expand`) before an event that moves
the clock, so the engine sees one tick per boundary whatever the batching, and a replay at
full speed, paced, or interrupted by a crash pages and resolves at the same event times.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import orjson

from listener.incidents.lifecycle.events import (
    WAVE,
    AlertReceived,
    Event,
    InvalidEvent,
    Tick,
    event_dict,
    event_from_dict,
)
from listener.records import Alert
from listener.rules.ruleset import RuleSet
from listener.rules.runtime import rule_figures
from listener.windows.partition import Outcome
from listener.windows.stats import WindowStats


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of the incident log."""

    events: tuple[Event, ...]
    written_at: float
    #: The event-time clock of the window stage after the batch, when it moved: every
    #: boundary up to it that was not ticked explicitly had nothing holding.
    clock: float | None = None

    def dumps(self) -> bytes:
        return orjson.dumps(
            {
                "written_at": self.written_at,
                "clock": self.clock,
                "events": [event_dict(event) for event in self.events],
            }
        )

    @classmethod
    def loads(cls, raw: bytes) -> Entry:
        """The entry in ``raw``; raises :class:`InvalidEvent` saying what is wrong."""
        try:
            data = orjson.loads(raw)
            clock = data.get("clock")
            return cls(
                events=tuple(event_from_dict(item) for item in data["events"]),
                written_at=float(data["written_at"]),
                clock=None if clock is None else float(clock),
            )
        except InvalidEvent:
            raise
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidEvent(f"not an incident log entry: {exc!r}"[:200]) from exc


def holding_at(rules: RuleSet, stats: Mapping[int, WindowStats]) -> frozenset[str]:
    """The rules whose condition holds on one brand's windows judged at one boundary: the
    same conditions on the same figures the judge evaluated, so exactly the rules the judge
    left pending."""
    first = next(iter(stats.values()))
    if first.brand not in rules.brands:
        return frozenset()
    held = {rule.name for rule, figures in rule_figures(rules, first.brand, stats)
            if rule.condition(figures)}  # fmt: skip
    if first.wave_since is not None:
        held.add(WAVE)
    return frozenset(held)


def boundary_ticks(rules: RuleSet, judged: Sequence[Mapping[int, WindowStats]]) -> list[Tick]:
    """The explicit ticks of one outcome: one per boundary at which some rule held for
    some brand, in boundary order (the window stage judges every brand of a boundary
    together)."""
    by_end: dict[float, dict[str, frozenset[str]]] = {}
    for stats in judged:
        first = next(iter(stats.values()))
        held = holding_at(rules, stats)
        boundary = by_end.setdefault(first.end, {})
        if held:
            boundary[first.brand] = held
    return [Tick(end, holding) for end, holding in by_end.items() if holding]


def outcome_events(rules: RuleSet, outcomes: Iterable[Outcome]) -> list[Event]:
    """What a scored partition's outcomes tell the incident log, in event-time order: each
    alert, then the tick of its boundary (an alert at a boundary opens its incident before
    that boundary's evidence is weighed)."""
    events: list[Event] = []
    for outcome in outcomes:
        alerts: list[tuple[float, int, Event]] = [
            (a.fired_at.timestamp(), 0, AlertReceived(a))
            for a in outcome.alerts
            if isinstance(a, Alert)
        ]
        ticks: list[tuple[float, int, Event]] = [
            (t.at, 1, t) for t in boundary_ticks(rules, outcome.judged)
        ]
        events.extend(item[2] for item in heapq.merge(alerts, ticks, key=lambda i: i[:2]))
    return events


def event_time(event: Event) -> float | None:
    """Where an event puts the clock: an alert's firing time, a tick's time; None for
    what people and notifiers say, which does not move it."""
    if isinstance(event, AlertReceived):
        return event.alert.fired_at.timestamp()
    if isinstance(event, Tick):
        return event.at
    return None


def expand(clock: float | None, until: float, step: int, inclusive: bool) -> Iterator[Tick]:
    """The boundaries after ``clock`` and before ``until`` (or up to it, ``inclusive``),
    each as a tick at which nothing held. Nothing before the clock has started."""
    if clock is None or step <= 0:
        return
    at = (clock // step + 1) * step
    while at < until or (inclusive and at == until):
        yield Tick(at)
        at += step
