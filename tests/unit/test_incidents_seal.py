"""Entries of the incident log are sealed: with the links' secret set, an entry that is
unsigned, altered, or signed with another secret is dead-lettered with the reason, and
changes nothing; a sealed one is applied as before."""

from __future__ import annotations

from collections.abc import Callable

import orjson
import pytest
from test_incidents_fixtures import T0, make_alert, policies

from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import Acknowledge, AlertReceived, Silence
from listener.incidents.lifecycle.log import Entry, ForgedEntry, Seal, UnsignedEntry
from listener.incidents.lifecycle.model import ACKNOWLEDGED, NOTIFIED, Book
from listener.incidents.runtime.stage import IncidentStage
from listener.records import DeadLetter

SECRET = "s" * 40
SEAL = Seal(SECRET)


def stage() -> IncidentStage:
    found = IncidentStage(
        Engine(policies()), 60, "unused:9092", ("log", "snapshots"), 5.0, seal=SEAL
    )
    found.books[0] = Book()
    opened = found.apply(0, 0, Entry((AlertReceived(make_alert(T0)),), T0).dumps(SEAL))
    assert not isinstance(opened, DeadLetter) and opened
    return found


def incident(desk: IncidentStage) -> str:
    (found,) = desk.books[0].incidents
    return found


def test_a_sealed_entry_round_trips_and_is_applied() -> None:
    desk = stage()
    entry = Entry((Acknowledge(incident(desk), "ann", T0 + 5, "api"),), T0 + 5)
    raw = entry.dumps(SEAL)
    assert Entry.loads(raw, SEAL) == entry
    assert not isinstance(desk.apply(0, 1, raw), DeadLetter)
    assert desk.books[0].incidents[incident(desk)].status == ACKNOWLEDGED


def _tampered(raw: bytes) -> bytes:
    data = orjson.loads(raw)
    data["events"][0]["who"] = "mallory"
    return orjson.dumps(data)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda e: e.dumps(), "unsigned_incident_entry"),
        (lambda e: _tampered(e.dumps(SEAL)), "forged_incident_entry"),
        (lambda e: e.dumps(Seal("o" * 40)), "forged_incident_entry"),
        (lambda e: b"[1, 2]", "unsigned_incident_entry"),
    ],
)
def test_an_unsigned_or_forged_action_is_dead_lettered_and_changes_nothing(
    make: Callable[[Entry], bytes], reason: str
) -> None:
    desk = stage()
    before = desk.books[0]
    entry = Entry((Acknowledge(incident(desk), "ann", T0 + 5, "api"),), T0 + 5)
    letter = desk.apply(0, 1, make(entry))
    assert isinstance(letter, DeadLetter) and letter.reason == reason
    assert (letter.topic, letter.partition, letter.offset) == ("log", 0, 1)
    book = desk.books[0]
    assert book.incidents == before.incidents and book.silences == ()
    assert book.incidents[incident(desk)].status == NOTIFIED
    assert book.offset == 1  # read past: the next entry is applied as usual


def test_a_forged_silence_mutes_nobody() -> None:
    desk = stage()
    silence = Silence.of("brand", "acme", T0 + 86_400, "quiet", "mallory", T0 + 5)
    raw = orjson.loads(Entry((silence,), T0 + 5).dumps(SEAL))
    raw["events"][0]["until"] = T0 + 7 * 86_400
    letter = desk.apply(0, 1, orjson.dumps(raw))
    assert isinstance(letter, DeadLetter) and desk.books[0].silences == ()


def test_the_seal_raises_its_own_errors() -> None:
    raw = Entry((AlertReceived(make_alert(T0)),), T0).dumps()
    with pytest.raises(UnsignedEntry):
        Entry.loads(raw, SEAL)
    with pytest.raises(ForgedEntry):
        Entry.loads(Entry((AlertReceived(make_alert(T0)),), T0).dumps(Seal("x" * 40)), SEAL)
    assert Entry.loads(raw) == Entry.loads(raw, None)  # without a seal nothing is checked
