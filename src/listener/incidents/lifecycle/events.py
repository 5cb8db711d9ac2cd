"""What the incident engine reacts to, and how each event travels as one JSON message.

Every event of a brand (its alerts, the event-time clock, what people decide about its
incidents, news of failed deliveries) must reach the engine through ONE ordered log,
keyed by brand: the state of the incidents is then a pure function of that log, and a
worker that restarts from a snapshot and replays the rest reaches exactly the same state.

Times: ``Tick.at`` and an alert's ``fired_at`` are event time (the clock the rules run on);
the ``at`` of a command is the wall-clock instant the person acted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Final, Literal

import orjson

from listener.errors import ListenerError
from listener.incidents.lifecycle.silences import Expire, Silence
from listener.records import Alert
from listener.rules.engine import RuleState

#: What the simple form of a silence applies to (``--brand`` or ``--rule``).
Scope = Literal["brand", "rule"]
SCOPES: Final[tuple[Scope, ...]] = ("brand", "rule")

__all__ = ["Expire", "Silence"]


class InvalidEvent(ListenerError):
    """A message on the incident log could not be read as an event."""

    #: The dead-letter reason of an entry refused for this.
    reason: ClassVar[str] = "bad_incident_event"


@dataclass(frozen=True, slots=True)
class AlertReceived:
    """A rule fired for a brand."""

    alert: Alert


#: In a tick's ``holding``: the brand's wave is still under way (its figures are still
#: improbable under its usual), whatever rule holds. Not a rule name: rule names cannot
#: start with "~".
WAVE: Final = "~wave"


@dataclass(frozen=True, slots=True)
class Tick:
    """The event-time clock reached ``at`` (a window boundary judged by the window stage).

    ``holding`` maps a brand to the rules whose condition held for it at ``at`` (and
    :data:`WAVE` while its wave is under way): the evidence that a brand's figures are not
    yet back to normal. A brand absent from it had
    no rule holding. A sender that cannot tell sends nothing, and an incident then counts
    as quiet from the first tick after its last alert.
    """

    at: float
    holding: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Per brand: when it last answered from an own account (a reply, or a post reading as
    #: the brand speaking to people: windows/learning/own.py), for the brands that did since
    #: the boundary before: the stream's sign of a statement.
    spoke: Mapping[str, float] = field(default_factory=dict)
    #: Per brand still out of normal (in ``holding``): posts and negative posts in its
    #: shortest window, to follow its recovery.
    pulse: Mapping[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """Someone has taken the incident in hand: nobody else is paged for it."""

    incident_id: str
    who: str
    at: float
    via: str = "api"


@dataclass(frozen=True, slots=True)
class Resolve:
    """Someone closed the incident by hand."""

    incident_id: str
    who: str
    at: float
    reason: str = ""


#: What a note records: a remark, that the brand's statement is out, or who the incident
#: is assigned to.
NoteKind = Literal["note", "statement", "assignment"]
NOTE_KINDS: Final[tuple[NoteKind, ...]] = ("note", "statement", "assignment")


@dataclass(frozen=True, slots=True)
class Note:
    """Someone wrote on the incident's timeline (``what="statement"``: the brand's public
    statement is published). It changes no status and pages nobody."""

    incident_id: str
    who: str
    at: float
    text: str
    what: NoteKind = "note"


@dataclass(frozen=True, slots=True)
class DeliveryFailed:
    """A notifier could not reach ``person`` with notification ``notification_id``."""

    incident_id: str
    notification_id: str
    level: int
    person: str
    reason: str
    at: float

    @property
    def key(self) -> str:
        return f"{self.notification_id}|{self.person}"


Event = AlertReceived | Tick | Acknowledge | Resolve | Note | Silence | Expire | DeliveryFailed
#: What people send through the API.
Command = Acknowledge | Resolve | Note | Silence | Expire

_Plain = type[Acknowledge] | type[Resolve] | type[Note] | type[Expire] | type[DeliveryFailed]
#: Events written field by field, by kind.
_PLAIN: Final[Mapping[str, _Plain]] = {
    "acknowledge": Acknowledge,
    "resolve": Resolve,
    "note": Note,
    "expire": Expire,
    "delivery_failed": DeliveryFailed,
}


def event_dict(event: Event) -> dict[str, Any]:
    """The JSON object of an event: an alert as :meth:`Alert.to_dict` writes it, anything
    else with a ``kind``."""
    if isinstance(event, AlertReceived):
        return {"kind": "alert", "alert": event.alert.to_dict()}
    if isinstance(event, Tick):
        holding = {brand: sorted(rules) for brand, rules in sorted(event.holding.items())}
        data: dict[str, Any] = {"kind": "tick", "at": event.at, "holding": holding}
        if event.spoke:
            data["spoke"] = dict(sorted(event.spoke.items()))
        if event.pulse:
            data["pulse"] = {brand: list(p) for brand, p in sorted(event.pulse.items())}
        return data
    if isinstance(event, Silence):
        return {"kind": "silence", **event.to_dict()}
    kind = next(name for name, cls in _PLAIN.items() if isinstance(event, cls))
    return {"kind": kind, **{f.name: getattr(event, f.name) for f in fields(event)}}


def encode_event(event: Event) -> bytes:
    return orjson.dumps(event_dict(event))


def decode_event(raw: bytes) -> Event:
    """The event in ``raw``; raises :class:`InvalidEvent` saying what is wrong."""
    try:
        data = orjson.loads(raw)
        return event_from_dict(data)
    except InvalidEvent:
        raise
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidEvent(f"not an incident event: {exc!r}"[:200]) from exc


def event_from_dict(data: Mapping[str, Any]) -> Event:
    kind = data.get("kind")
    if kind == "alert":
        return AlertReceived(Alert.loads(orjson.dumps(data["alert"])))
    if kind == "tick":
        holding = {str(b): frozenset(map(str, rules)) for b, rules in data["holding"].items()}
        spoke = {str(b): float(at) for b, at in data.get("spoke", {}).items()}
        pulse = {str(b): (int(p[0]), int(p[1])) for b, p in data.get("pulse", {}).items()}
        return Tick(float(data["at"]), holding, spoke, pulse)
    if kind == "silence":
        return Silence.from_dict(data)
    cls = _PLAIN.get(str(kind))
    if cls is None:
        raise InvalidEvent(f"unknown event kind {kind!r}")
    event = cls(**{f.name: data[f.name] for f in fields(cls)})
    _check_types(event)
    return event


def _check_types(event: Acknowledge | Resolve | Note | Expire | DeliveryFailed) -> None:
    for item in fields(event):
        name = item.name
        value = getattr(event, name)
        wanted = (int, float) if name in ("at", "until") else int if name == "level" else str
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise InvalidEvent(f"{name} of a {type(event).__name__} has the wrong type")
    if isinstance(event, Note) and event.what not in NOTE_KINDS:
        raise InvalidEvent(f"note kind {event.what!r} is not one of {', '.join(NOTE_KINDS)}")


def holding_rules(rule_states: Mapping[str, Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """What a :class:`Tick` carries, from the window stage's rule states (brand -> rule ->
    ``RuleState.to_dict()``): per brand, the rules whose condition held at the boundary
    last judged (a rule whose condition holds is pending, fired or not)."""
    holding: dict[str, frozenset[str]] = {}
    for brand, states in rule_states.items():
        held = frozenset(
            rule
            for rule, state in states.items()
            if RuleState.from_dict(state).pending_since is not None
        )
        if held:
            holding[brand] = held
    return holding


def incident_brand(incident_id: str) -> str:
    """The brand an incident id belongs to (ids start with it: see ``incident_id``)."""
    return incident_id.split(".", 1)[0]


def routing_key(event: Event) -> bytes | None:
    """The key an event is sent with, so it reaches the partition holding its brand's
    incidents; None for a silence not limited to one brand, and for the end of a silence,
    which every partition must receive."""
    if isinstance(event, AlertReceived):
        return event.alert.brand.encode()
    if isinstance(event, Acknowledge | Resolve | Note | DeliveryFailed):
        return incident_brand(event.incident_id).encode()
    if isinstance(event, Silence):
        return None if event.brand is None else event.brand.encode()
    if isinstance(event, Expire):
        return None
    raise ValueError("a tick is sent to each partition by number, not by key")
