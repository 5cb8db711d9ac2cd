"""Incidents as immutable values: one active :class:`Incident` per brand at a time, its
history of transitions, and the :class:`Book` of every incident and silence of one
partition of the incident log, which is all the state the engine keeps.

Everything here serializes to plain JSON and back to an equal value, so a snapshot of a
book is exact: restored and fed the rest of the log, it reaches the same state and emits
the same actions as a worker that never stopped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Final

import orjson

from listener.incidents.lifecycle.silences import Silence
from listener.records import Alert

OPEN: Final = "open"  # opened, nobody told yet (the first page was silenced)
NOTIFIED: Final = "notified"  # someone was paged, nobody has answered
ACKNOWLEDGED: Final = "acknowledged"  # someone took it in hand: nobody else is paged
RESOLVED: Final = "resolved"  # closed, by a person or because the figures recovered
STATUSES: Final = (OPEN, NOTIFIED, ACKNOWLEDGED, RESOLVED)

#: Who a transition is recorded as done by when nobody did it by hand.
ENGINE: Final = "listener"


@dataclass(frozen=True, slots=True)
class Transition:
    """One thing that happened to an incident, by whom, when in event time (the clock the
    rules run on) and when on the wall clock (when it was recorded)."""

    kind: str  # opened, updated, risk_raised, paged, page_silenced, delivery_failed,
    # silenced, unroutable, acknowledged, resolved
    status: str  # the incident's status after it
    who: str
    event_at: float
    wall_at: float
    detail: str = ""
    level: int | None = None  # the escalation level concerned, from 1

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in Transition.__slots__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transition:
        return cls(**{name: data[name] for name in Transition.__slots__})


def incident_id(brand: str, risk: str, first_alert_id: str) -> str:
    """Deterministic, readable and routable: it starts with the brand (the key of the
    incident log), then the risk, then a digest of the alert that opened it."""
    digest = hashlib.sha256(f"{brand}|{risk}|{first_alert_id}".encode()).hexdigest()[:10]
    return f"{brand}.{risk}.{digest}"


@dataclass(frozen=True, slots=True)
class Incident:
    """Everything known about one incident; replaced, never changed."""

    id: str
    brand: str
    brand_name: str
    risk: str
    owners: str  # the owner group paged
    severity: str  # the strongest alert so far
    status: str
    started_at: float  # when the condition of the first alert began holding (event time)
    opened_at: float  # event time of the first alert
    rules: tuple[str, ...]  # rules that raised it, in the order they first did
    alert_ids: tuple[str, ...]
    latest: Alert  # the newest alert: the figures and posts people read
    last_evidence_at: float  # last alert, or last tick where a rule of the risk held
    quiet_since: float | None = None  # first tick after the evidence with no rule holding
    #: When the paging sequence starts (event time): the first alert of warning or higher,
    #: or a change of owner group; None while the incident is only good news (info).
    paging_from: float | None = None
    pages_sent: int = 0  # how far along its paging sequence (see incidents.escalation)
    raised: bool = False  # whether a level was already raised because the brand was silent
    paged: tuple[str, ...] = ()  # everyone told so far, in order
    failures: tuple[str, ...] = ()  # delivery failures already handled
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None  # event time
    resolved_by: str | None = None
    resolved_at: float | None = None  # event time
    recovered_at: float | None = None  # when the figures came back (event time)
    history: tuple[Transition, ...] = ()
    #: The brand's first statement since the trouble began (event time), and who made it:
    #: "own account" when seen in the stream, else the person who recorded it.
    statement_at: float | None = None
    statement_by: str | None = None
    #: (event time, posts, negative posts) of the brand's shortest window: when the
    #: statement came, and the newest while the figures are out of normal (recovery).
    statement_pulse: tuple[float, int, int] | None = None
    pulse: tuple[float, int, int] | None = None
    steps_done: tuple[int, ...] = ()  # playbook steps whose expectation was met
    steps_late: tuple[int, ...] = ()  # playbook steps the next level was told are late

    @property
    def active(self) -> bool:
        return self.status != RESOLVED

    @property
    def recovery_seconds(self) -> float | None:
        """How long the brand took to recover: from the start of the trouble to the first
        moment no rule of the risk held any more. None until it has recovered."""
        if self.recovered_at is None:
            return None
        return self.recovered_at - self.started_at

    def with_transition(self, transition: Transition, **changes: Any) -> Incident:
        """A copy with ``changes`` applied, the status of ``transition`` and it recorded."""
        return replace(
            self, status=transition.status, history=(*self.history, transition), **changes
        )

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in Incident.__slots__}
        data["rules"] = list(self.rules)
        data["alert_ids"] = list(self.alert_ids)
        data["paged"] = list(self.paged)
        data["failures"] = list(self.failures)
        data["latest"] = self.latest.to_dict()
        data["history"] = [t.to_dict() for t in self.history]
        for name in _TUPLES:
            value = data[name]
            data[name] = None if value is None else list(value)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Incident:
        # Written before paging could wait for a warning: paging started at the opening;
        # before statements were followed: none seen.
        defaults = {"paging_from": data["opened_at"], **_LATER}
        values = {
            name: data[name] if name in data else defaults[name] for name in Incident.__slots__
        }
        for name in _TUPLES:
            if values[name] is not None:
                values[name] = tuple(values[name])
        for name in ("rules", "alert_ids", "paged", "failures"):
            values[name] = tuple(data[name])
        values["latest"] = Alert.loads(orjson.dumps(data["latest"]))
        values["history"] = tuple(Transition.from_dict(t) for t in data["history"])
        return cls(**values)


#: Fields kept as tuples, written as JSON lists.
_TUPLES: Final = ("statement_pulse", "pulse", "steps_done", "steps_late")
#: Fields added since the first books were written, with their value for those books.
_LATER: Final[Mapping[str, Any]] = {
    "statement_at": None, "statement_by": None, "statement_pulse": None, "pulse": None,
    "steps_done": (), "steps_late": (),
}  # fmt: skip


def _empty() -> Mapping[str, Incident]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Book:
    """Every incident and silence of one partition of the incident log.

    ``clock`` is the newest event time seen; ``offset`` the last log offset applied
    (-1: none), kept here so a snapshot and the offset it covers are always taken together.
    """

    clock: float | None = None
    incidents: Mapping[str, Incident] = field(default_factory=_empty)
    silences: tuple[Silence, ...] = ()
    offset: int = -1

    def active_for(self, brand: str) -> Incident | None:
        """The incident alerts about ``brand`` now gather into, whatever their risk: its
        active one. A book written when each risk had its own incident may hold several;
        then the oldest, so the others close on their own."""
        active = [i for i in self.incidents.values() if i.active and i.brand == brand]
        return min(active, key=lambda i: (i.opened_at, i.id), default=None)

    def has_alert(self, alert_id: str) -> bool:
        return any(alert_id in incident.alert_ids for incident in self.incidents.values())

    def with_incidents(self, changed: Iterable[Incident]) -> Book:
        incidents = dict(self.incidents)
        for incident in changed:
            incidents[incident.id] = incident
        return replace(self, incidents=MappingProxyType(incidents))

    def to_dict(self) -> dict[str, Any]:
        return {
            "clock": self.clock,
            "offset": self.offset,
            "incidents": [incident.to_dict() for incident in self.incidents.values()],
            "silences": [silence.to_dict() for silence in self.silences],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Book:
        incidents = (Incident.from_dict(item) for item in data["incidents"])
        return cls(
            clock=data["clock"],
            incidents=MappingProxyType({incident.id: incident for incident in incidents}),
            silences=tuple(Silence.from_dict(item) for item in data["silences"]),
            offset=int(data["offset"]),
        )

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def loads(cls, raw: bytes) -> Book:
        return cls.from_dict(orjson.loads(raw))
