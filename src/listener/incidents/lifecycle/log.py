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

Entries are sealed. Anyone who can write to the topic could otherwise acknowledge, resolve
or silence an incident as anyone, or report deliveries failed. With ``LISTENER_ACK_SECRET``
set, every writer (the window agent, the API, the courier) signs each entry with a
:class:`Seal`, and the incident stage refuses an entry that is unsigned or whose signature
does not match (:class:`UnsignedEntry`, :class:`ForgedEntry`).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final

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
from listener.windows.judging import Outcome
from listener.windows.stats import WindowStats

#: What a brand can hold at a boundary without any rule holding: nothing, or its wave.
_NOTHING: Final[frozenset[str]] = frozenset()
_WAVE: Final = frozenset((WAVE,))

#: What the seal's key is derived for: the links' secret is not used as it is.
_SEAL_PURPOSE: Final = b"listener incident-log entries v1"


class UnsignedEntry(InvalidEvent):
    """An entry without a signature, where every entry must carry one."""

    reason: ClassVar[str] = "unsigned_incident_entry"


class ForgedEntry(InvalidEvent):
    """An entry whose signature does not match its content."""

    reason: ClassVar[str] = "forged_incident_entry"


class Seal:
    """Signs entries of the incident log and checks them: HMAC-SHA256 of the entry's JSON
    with sorted keys, under a key derived from the secret that signs the links."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _SEAL_PURPOSE, hashlib.sha256).digest()

    def signature(self, data: Mapping[str, Any]) -> str:
        body = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()

    def open(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` without its signature, once the signature is checked (in constant
        time); raises :class:`UnsignedEntry` or :class:`ForgedEntry`."""
        signature = data.pop("signature", None)
        if not isinstance(signature, str):
            raise UnsignedEntry("the entry is not signed")
        if not hmac.compare_digest(self.signature(data), signature):
            raise ForgedEntry("the entry's signature does not match its content")
        return data


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of the incident log."""

    events: tuple[Event, ...]
    written_at: float
    #: The event-time clock of the window stage after the batch, when it moved: every
    #: boundary up to it that was not ticked explicitly had nothing holding.
    clock: float | None = None

    def dumps(self, seal: Seal | None = None) -> bytes:
        """The entry as it goes on the topic, signed with ``seal`` when given."""
        data: dict[str, Any] = {
            "written_at": self.written_at,
            "clock": self.clock,
            "events": [event_dict(event) for event in self.events],
        }
        if seal is not None:
            data["signature"] = seal.signature(data)
        return orjson.dumps(data)

    @classmethod
    def loads(cls, raw: bytes, seal: Seal | None = None) -> Entry:
        """The entry in ``raw``, its signature checked first with ``seal`` when given;
        raises :class:`InvalidEvent` (or :class:`UnsignedEntry`, :class:`ForgedEntry`)
        saying what is wrong."""
        try:
            data = orjson.loads(raw)
            if seal is not None:
                if not isinstance(data, dict):
                    raise UnsignedEntry("the entry is not signed")
                data = seal.open(data)
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


def boundary_ticks(
    rules: RuleSet,
    judged: Sequence[Mapping[int, WindowStats]],
    held: Mapping[tuple[str, float], frozenset[str]],
) -> list[Tick]:
    """The explicit ticks of one outcome: one per boundary at which some rule held for
    some brand (``held``, as the judge found on the figures ``judged``), a brand's wave was
    under way or some brand spoke from its own account, in boundary order (the window stage
    judges every brand of a boundary together)."""
    # Per boundary: what held, the brands' pulse while out of normal, who spoke.
    by_end: dict[float, tuple[dict[str, frozenset[str]], dict[str, tuple[int, int]],
                               dict[str, float]]] = {}  # fmt: skip
    for stats in judged:
        first = next(iter(stats.values()))
        holding, pulse, spoke = by_end.setdefault(first.end, ({}, {}, {}))
        holds = held.get((first.brand, first.end), _NOTHING)
        if first.wave_since is not None and first.brand in rules.brands:
            holds |= _WAVE
        if holds:
            holding[first.brand] = holds
            pulse[first.brand] = (first.volume, first.negative)
        last = first.brand_last_post
        if last is not None and last >= first.end - rules.step:  # in [end - step, end)
            spoke[first.brand] = last
    return [
        Tick(end, holding, spoke, pulse)
        for end, (holding, pulse, spoke) in by_end.items()
        if holding or spoke
    ]


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
            (t.at, 1, t) for t in boundary_ticks(rules, outcome.judged, outcome.held)
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
