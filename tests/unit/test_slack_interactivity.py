"""Slack's buttons without a server: which buttons a message carries, the signature check
(window, replay, constant value for Slack's documented example) and the note a button
leaves on the timeline."""

from __future__ import annotations

import pytest
from notify_samples import make_notification
from test_incidents_fixtures import MINUTE, T0, make_alert, policies

from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import (
    AlertReceived,
    InvalidEvent,
    Note,
    decode_event,
    encode_event,
)
from listener.incidents.lifecycle.model import Book
from listener.notifiers.message import Kind
from listener.notifiers.render import render
from listener.notifiers.slack.format import ACTIONS_BLOCK, payload
from listener.notifiers.slack.signature import SlackRefused, SlackVerifier, signature

# Slack's documented example ("Verifying requests from Slack").
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_STAMP = "1531420618"
DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect"
    b"&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
    b"%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def buttons(kind: Kind, enabled: bool = True) -> list[str]:
    message = make_notification(kind)
    body = payload(render(message), message, enabled)
    found = [b for b in body["blocks"] if b.get("block_id") == ACTIONS_BLOCK]
    return [e["action_id"] for block in found for e in block["elements"]]


def test_the_signature_is_the_one_slack_documents() -> None:
    assert signature(DOC_SECRET.encode(), DOC_STAMP, DOC_BODY) == DOC_SIGNATURE


def test_buttons_follow_what_can_still_be_done() -> None:
    assert buttons(Kind.OPENED) == ["ack", "resolve", "statement", "silence_1h"]
    assert buttons(Kind.ACKNOWLEDGED) == ["resolve", "statement", "silence_1h"]
    assert buttons(Kind.RESOLVED) == []
    assert buttons(Kind.OPENED, enabled=False) == []


def test_each_button_carries_the_incident_id() -> None:
    message = make_notification(Kind.ESCALATED)
    block = next(
        b for b in payload(render(message), message, True)["blocks"]
        if b.get("block_id") == ACTIONS_BLOCK
    )  # fmt: skip
    assert {e["value"] for e in block["elements"]} == {message.incident_id}


def test_the_window_is_five_minutes_either_way_and_a_signature_is_taken_once() -> None:
    now = [float(DOC_STAMP)]
    verifier = SlackVerifier(DOC_SECRET, clock=lambda: now[0])
    headers = {"x-slack-request-timestamp": DOC_STAMP, "x-slack-signature": DOC_SIGNATURE}
    now[0] += 300
    verifier.check(headers, DOC_BODY)
    with pytest.raises(SlackRefused) as replayed:
        verifier.check(headers, DOC_BODY)
    assert replayed.value.reason == "replayed"
    now[0] += 1
    with pytest.raises(SlackRefused) as stale:
        SlackVerifier(DOC_SECRET, clock=lambda: now[0]).check(headers, DOC_BODY)
    assert stale.value.reason == "stale"
    with pytest.raises(SlackRefused) as early:
        SlackVerifier(DOC_SECRET, clock=lambda: float(DOC_STAMP) - 301).check(headers, DOC_BODY)
    assert early.value.reason == "stale"


def test_a_timestamp_changed_after_signing_breaks_the_signature() -> None:
    verifier = SlackVerifier(DOC_SECRET, clock=lambda: float(DOC_STAMP))
    headers = {"x-slack-request-timestamp": "1531420619", "x-slack-signature": DOC_SIGNATURE}
    with pytest.raises(SlackRefused) as refused:
        verifier.check(headers, DOC_BODY)
    assert refused.value.reason == "bad_signature"


def test_a_statement_is_on_the_timeline_once_and_round_trips() -> None:
    engine = Engine(policies())
    book, _ = engine.step(Book(), AlertReceived(make_alert(T0)), T0)
    (incident_id,) = book.incidents
    note = Note(incident_id, "ann", T0 + MINUTE, "statement published", "statement")
    assert decode_event(encode_event(note)) == note
    book, first = engine.step(book, note, T0 + MINUTE)
    again, second = engine.step(book, note, T0 + MINUTE)
    record, seen = first  # the note, then the statement the incident now counts as made
    assert record.transition.kind == "statement" and record.transition.who == "ann"
    assert record.incident.status == book.incidents[incident_id].status
    assert seen.transition.kind == "statement_seen"
    assert book.incidents[incident_id].statement_by == "ann"
    assert second == [] and again == book


def test_a_note_of_an_unknown_kind_is_refused() -> None:
    raw = encode_event(Note("acme.x.1", "ann", T0, "x")).replace(b'"what":"note"', b'"what":"memo"')
    with pytest.raises(InvalidEvent, match="note kind"):
        decode_event(raw)
