"""Events on the incident log: each kind survives the trip through JSON unchanged, a
message that is not an event is refused with the reason, and each goes to its brand."""

from __future__ import annotations

import orjson
import pytest
from test_incidents_fixtures import T0, make_alert

from listener.incidents.lifecycle.events import (
    Acknowledge,
    AlertReceived,
    DeliveryFailed,
    Event,
    InvalidEvent,
    Resolve,
    Silence,
    Tick,
    decode_event,
    encode_event,
    holding_rules,
    routing_key,
)
from listener.rules.engine import RuleState

EVENTS: list[Event] = [
    AlertReceived(make_alert(T0, silent_minutes=None)),
    Tick(T0, {"acme": frozenset({"negative-surge", "silent-brand"}), "other": frozenset()}),
    Acknowledge("acme.firestorm.0123456789", "ann", T0 + 1.5, "link"),
    Resolve("acme.firestorm.0123456789", "bob", T0 + 2, "fixed"),
    Silence.of("rule", "volume-spike", T0 + 3600, "campaign", "dan", T0),
    DeliveryFailed("acme.firestorm.0123456789", "abc", 2, "bob", "bounced", T0),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_survives_encoding(event: Event) -> None:
    assert decode_event(encode_event(event)) == event


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"not json", "not an incident event"),
        (b'{"kind": "dance"}', "unknown event kind"),
        (b'{"kind": "acknowledge", "incident_id": "x", "who": "a"}', "not an incident event"),
        (
            b'{"kind": "acknowledge", "incident_id": "x", "who": 3, "at": 1.0, "via": "api"}',
            "who of a Acknowledge has the wrong type",
        ),
        (
            b'{"kind": "silence", "scope": "planet", "target": "x", "until": 1, "reason": "r",'
            b' "who": "w", "at": 0}',
            "looks at brand, rule, risk, severity, not 'planet'",
        ),
    ],
)
def test_what_is_not_an_event_is_refused_with_the_reason(raw: bytes, why: str) -> None:
    with pytest.raises(InvalidEvent, match=why):
        decode_event(raw)


def test_events_are_keyed_by_the_brand_their_incidents_live_under() -> None:
    assert routing_key(EVENTS[0]) == b"acme"
    assert routing_key(EVENTS[2]) == b"acme"
    assert routing_key(EVENTS[5]) == b"acme"
    assert routing_key(Silence.of("brand", "iliad_it", 1.0, "r", "w", 0.0)) == b"iliad_it"
    assert routing_key(EVENTS[4]) is None  # a rule silence goes to every partition
    with pytest.raises(ValueError, match="by number"):
        routing_key(EVENTS[1])


def test_silence_ids_are_stable_and_distinct() -> None:
    silence = EVENTS[4]
    assert isinstance(silence, Silence)
    data = orjson.loads(encode_event(silence))
    assert Silence.from_dict(data).id == silence.id
    other = Silence.of("rule", "volume-spike", T0 + 7200, "campaign", "dan", T0)
    assert other.id != silence.id


def test_a_tick_carries_the_rules_whose_condition_holds() -> None:
    states = {
        "acme": {
            "negative-surge": RuleState(pending_since=T0, last_fired=T0).to_dict(),
            "volume-spike": RuleState(pending_since=None, last_fired=T0).to_dict(),
        },
        "calm": {"negative-surge": RuleState().to_dict()},
    }
    assert holding_rules(states) == {"acme": frozenset({"negative-surge"})}
