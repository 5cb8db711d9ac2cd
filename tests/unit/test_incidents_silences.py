"""Silences like Alertmanager's: matchers on brand, rule, risk and severity, scheduled
starts, expiry and edits, in the engine (pure) and through the API's handlers."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from test_incidents_fixtures import (
    MINUTE,
    T0,
    feed,
    make_alert,
    only,
    pages,
    policies,
    ticks,
)

from listener.incidents.access.api import ApiRequest, IncidentApi, Known
from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import (
    AlertReceived,
    InvalidEvent,
    decode_event,
    encode_event,
)
from listener.incidents.lifecycle.log import Entry, Seal
from listener.incidents.lifecycle.model import Book
from listener.incidents.lifecycle.silences import Expire, Matcher, Silence, SilenceBook
from listener.incidents.runtime.topic_store import TopicStore

KEY = "k" * 40
AUTH = {"authorization": f"Bearer {KEY}"}


def silence(*matchers: str, until: float, starts: float = 0.0, replaces: str = "") -> Silence:
    parsed = tuple(Matcher.parse(m) for m in matchers)
    return Silence(parsed, until, "planned launch", "dan", 1.0, starts, replaces)


@pytest.mark.parametrize(
    ("text", "value", "holds"),
    [
        ("brand=acme", "acme", True), ("brand=acme", "acme2", False),
        ("brand!=acme", "other", True), ("rule=~negative-.*", "negative-surge", True),
        ("rule=~negative", "negative-surge", False),  # anchored, as in Alertmanager
        ("severity!~info|warning", "critical", True), ("severity!~info|warning", "info", False),
        ('risk = "firestorm"', "firestorm", True),
    ],
)  # fmt: skip
def test_matchers_hold_as_alertmanager_reads_them(text: str, value: str, holds: bool) -> None:
    assert Matcher.parse(text).holds(value) is holds


@pytest.mark.parametrize(
    ("text", "error"),
    [("planet=earth", "not a matcher"), ("rule=~(", "not valid"), ("brand=", "not a matcher"),
     ("rule=~" + "a" * 201, "over 200")],
)  # fmt: skip
def test_a_bad_matcher_is_refused_saying_why(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Matcher.parse(text)


def test_a_silence_scheduled_ahead_mutes_only_while_it_holds() -> None:
    planned = silence("risk=firestorm", starts=T0 + 5 * MINUTE, until=T0 + 25 * MINUTE)
    events = [planned, AlertReceived(make_alert(T0)), *ticks(T0, 35, T0 + 35 * MINUTE)]
    book, actions = feed(Engine(policies()), events)
    assert [p[1] for p in pages(actions)] == [1, 3]  # level 2, due at +10m, was silenced
    (muted,) = [t for t in book.incidents[only(book)].history if t.kind == "page_silenced"]
    assert muted.level == 2 and "risk=firestorm silenced by dan" in muted.detail


@pytest.mark.parametrize(
    ("matchers", "muted"),
    [
        (("brand=~ac.*", "severity!=info"), True),
        (("severity=info",), False),
        (("rule=~negative-.*",), True),
        (("brand=acme", "risk=attention"), False),  # every matcher must hold
    ],
)  # fmt: skip
def test_every_matcher_must_hold(matchers: tuple[str, ...], muted: bool) -> None:
    events = [silence(*matchers, until=T0 + 3600), AlertReceived(make_alert(T0))]
    _, actions = feed(Engine(policies()), events)
    assert (pages(actions) == []) is muted


def test_an_expired_silence_pages_again_and_expiring_twice_changes_nothing() -> None:
    engine = Engine(policies())
    quiet = silence("brand=acme", until=T0 + 3 * 3600)
    book, actions = feed(engine, [quiet, AlertReceived(make_alert(T0)), *ticks(T0, 5)])
    assert pages(actions) == []
    end = Expire(quiet.id, "dan", 10.0)
    book, _ = engine.step(book, end, 10.0)
    (ended,) = book.silences
    assert ended.end == T0 + 4 * MINUTE and ended.id == quiet.id
    assert engine.step(book, end, 11.0) == (book, [])
    book, later = feed(engine, ticks(T0 + 5 * MINUTE, 10), book)
    assert [p[1] for p in pages(later)] == [2]


def test_an_edit_replaces_the_silence_it_names() -> None:
    engine = Engine(policies())
    first = silence("brand=acme", until=T0 + 3 * 3600)
    narrower = silence("rule=volume-spike", until=T0 + 3 * 3600, replaces=first.id)
    book, _ = feed(engine, [AlertReceived(make_alert(T0, severity="info"))])
    book, _ = feed(engine, [first, narrower], book)
    assert [s.ended(T0) for s in book.silences] == [True, False]
    book, actions = feed(engine, [AlertReceived(make_alert(T0 + MINUTE))], book)
    assert [p[1] for p in pages(actions)] == [1]  # a negative surge is not volume-spike


def test_silences_round_trip_through_the_log_and_the_snapshot() -> None:
    planned = silence("brand=acme", "severity=~major|critical", starts=T0 + 60, until=T0 + 600)
    assert decode_event(encode_event(planned)) == planned
    book, _ = feed(Engine(policies()), [AlertReceived(make_alert(T0)), planned])
    assert Book.loads(book.dumps()) == book


def test_a_snapshot_written_before_matchers_still_loads() -> None:
    old = {"clock": T0, "offset": 3, "incidents": [], "silences": [
        {"scope": "rule", "target": "negative-surge", "until": T0 + 60, "reason": "r",
         "who": "dan", "at": 1.0},
    ]}  # fmt: skip
    (loaded,) = Book.from_dict(old).silences
    assert [str(m) for m in loaded.matchers] == ["rule=negative-surge"]
    assert loaded.active(T0) and not loaded.active(T0 + 60)


# -- the API -------------------------------------------------------------------------------


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore(Engine(policies()), clock=lambda: T0)
    store.apply(AlertReceived(make_alert(T0)))
    return store


@pytest.fixture
def api(store: MemoryStore) -> IncidentApi:
    known = Known(frozenset({"acme"}), frozenset({"negative-surge"}), frozenset({"firestorm"}))
    return IncidentApi(store, KEY, None, known, clock=lambda: T0 + 5)


def call(method: str, data: Any = None, **params: str) -> ApiRequest:
    body = b"" if data is None else orjson.dumps(data)
    query = {"state": params.pop("state")} if "state" in params else {}
    return ApiRequest(method, params=params, query=query, headers=AUTH, body=body)


async def listed(api: IncidentApi, **query: str) -> list[dict[str, Any]]:
    response = await api.handle("list_silences", call("GET", **query))
    data: list[dict[str, Any]] = orjson.loads(response.body)["silences"]
    return data


async def test_create_list_edit_and_expire(api: IncidentApi, store: MemoryStore) -> None:
    launch = {
        "matchers": ["brand=acme", "severity!=info"],
        "starts": "2025-03-01T09:00:00Z",
        "ends": "2025-03-01T12:00:00+00:00",
        "reason": "planned launch",
        "who": "dan",
    }
    created = await api.handle("silence", call("POST", launch))
    assert created.status == 202
    first = orjson.loads(created.body)["silence"]
    (shown,) = await listed(api, state="pending")
    assert shown["id"] == first and shown["matchers"] == ["brand=acme", "severity!=info"]
    assert (shown["starts"], shown["ends"]) == (
        "2025-03-01T09:00:00+00:00",
        "2025-03-01T12:00:00+00:00",
    )
    edit = {"matchers": ["brand=acme"], "for": "1h", "reason": "shorter", "who": "eve"}
    edited = await api.handle("edit_silence", call("PUT", edit, silence_id=first))
    second = orjson.loads(edited.body)["silence"]
    states = {s["id"]: s["state"] for s in await listed(api)}
    assert states == {first: "expired", second: "active"}
    assert (
        await api.handle("expire_silence", call("DELETE", {"who": "eve"}, silence_id=second))
    ).status == 202
    assert {s["state"] for s in await listed(api)} == {"expired"}
    again = await api.handle("expire_silence", call("DELETE", {"who": "eve"}, silence_id=second))
    assert again.status == 409
    assert [t.kind for t in store.book.incidents[only(store.book)].history].count("silenced") == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"matchers": ["risk=firestrom"]}, 'unknown risk "firestrom" (did you mean "firestorm"?)'),
        ({"matchers": ["rule=~("]}, "is not valid"),
        ({"matchers": ["brand=acme"], "starts": "2025-06-30T00:00:00Z"}, "90 days ahead"),
        ({"matchers": ["brand=acme"], "starts": "tomorrow"}, "RFC 3339"),
        ({"matchers": ["brand=acme"], "ends": "2025-03-01T01:00:00"}, "needs a zone"),
        ({"matchers": ["severity=critcal"]}, 'did you mean "critical"'),
    ],
)  # fmt: skip
async def test_a_bad_silence_is_refused_saying_why(
    api: IncidentApi, store: MemoryStore, data: dict[str, Any], message: str
) -> None:
    data = {"for": "1h", "reason": "r", "who": "dan"} | data
    if "ends" in data:
        del data["for"]
    response = await api.handle("silence", call("POST", data))
    assert response.status == 400 and message in orjson.loads(response.body)["message"]
    assert store.book.silences == ()


async def test_silences_need_the_key(api: IncidentApi) -> None:
    request = ApiRequest("GET", headers={"authorization": "Bearer nope"})
    assert (await api.handle("list_silences", request)).status == 401
    missing = await api.handle("show_silence", call("GET", silence_id="nope"))
    assert missing.status == 404


def test_the_listing_is_the_same_whatever_the_order_and_repeats_of_the_commands() -> None:
    first = silence("brand=acme", until=T0 + 3600)
    edit = Silence((Matcher.parse("brand=acme"),), T0 + 7200, "longer", "eve", T0 + 60, 0.0,
                   first.id)  # fmt: skip
    end = Expire(edit.id, "eve", T0 + 120)
    listings = []
    for commands in ([first, edit, end], [first, first, edit, end, edit, end]):
        book = SilenceBook()
        for command in commands:
            book.take(command)
        listings.append({k: (n.silence.end, n.who) for k, n in book.changed.items()})
    assert listings[0] == listings[1] == {first.id: (T0 + 60, "eve"), edit.id: (T0 + 120, "eve")}


def test_the_worker_store_lists_silences_from_sealed_log_entries_only() -> None:
    seal = Seal("s" * 40)
    store = TopicStore("unused:9092", ("incidents", "log"), 1, send=_unused, seal=seal)
    quiet = silence("brand=acme", until=T0 + 3600)
    forged = silence("brand=acme", until=T0 + 7200)
    store.take_entry(Entry((quiet,), T0).dumps(seal))
    with pytest.raises(InvalidEvent):
        store.take_entry(Entry((forged,), T0).dumps(Seal("x" * 40)))
    store.take_entry(Entry((AlertReceived(make_alert(T0)),), T0).dumps(seal))  # not decoded
    assert list(store.silenced.changed) == [quiet.id]


async def _unused(entry: Entry, key: bytes | None, partition: int | None) -> None:
    raise AssertionError("nothing is sent")
