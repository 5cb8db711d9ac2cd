"""The incident API handlers as plain functions: who may do what (API key, or a signed
link for the one action it was signed for), and what each handler answers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from test_incidents_fixtures import MINUTE, T0, make_alert, policies

from listener.incidents.access.api import ApiRequest, ApiResponse, IncidentApi, Known
from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.access.tokens import LinkSigner
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import AlertReceived, Tick
from listener.incidents.lifecycle.model import ACKNOWLEDGED, NOTIFIED, RESOLVED
from listener.refusals import Refusals

KEY = "k" * 40
SIGNER = LinkSigner("s" * 40, lifetime=3600)
AUTH = {"authorization": f"Bearer {KEY}"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore(Engine(policies()), clock=lambda: T0)
    store.apply(AlertReceived(make_alert(T0)))
    store.apply(AlertReceived(make_alert(T0 + MINUTE, brand="other")))
    store.apply(Tick(T0 + 2 * MINUTE, {"acme": frozenset({"negative-surge"})}))
    return store


@pytest.fixture
def api(store: MemoryStore) -> IncidentApi:
    known = Known(frozenset({"acme", "other"}), frozenset({"negative-surge", "volume-spike"}))
    return IncidentApi(store, KEY, SIGNER, known, clock=lambda: T0 + 5)


def acme(store: MemoryStore) -> str:
    return next(i.id for i in store.book.incidents.values() if i.brand == "acme")


def body(response: ApiResponse) -> dict[str, Any]:
    data = orjson.loads(response.body)
    assert isinstance(data, dict)
    return data


def post(params: dict[str, str], data: dict[str, str], headers: dict[str, str]) -> ApiRequest:
    return ApiRequest("POST", params=params, headers=headers, body=orjson.dumps(data))


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "send Authorization: Bearer <LISTENER_API_KEY>"),
        ({"authorization": "Bearer nope"}, "the API key is not valid"),
        ({"authorization": f"Basic {KEY}"}, "the API key is not valid"),
    ],
)
async def test_reading_needs_the_api_key(
    api: IncidentApi, headers: dict[str, str], message: str
) -> None:
    response = await api.handle("list_incidents", ApiRequest("GET", headers=headers))
    assert response.status == 401
    assert response.headers == {"www-authenticate": "Bearer"}
    assert body(response)["message"] == message


async def test_no_key_configured_means_no_key_is_accepted(store: MemoryStore) -> None:
    api = IncidentApi(store, None, None)
    response = await api.handle("list_incidents", ApiRequest("GET", headers=AUTH))
    assert (response.status, body(response)["message"]) == (
        401,
        "API keys are not enabled on this server",
    )


async def test_list_shows_the_newest_first_and_filters(api: IncidentApi) -> None:
    response = await api.handle("list_incidents", ApiRequest("GET", headers=AUTH))
    listed = body(response)["incidents"]
    assert isinstance(listed, list)
    assert [item["brand"] for item in listed] == ["other", "acme"]
    assert listed[1]["opened_at"] == "2025-03-01T00:00:00+00:00"
    only = ApiRequest("GET", query={"brand": "acme", "status": "notified"}, headers=AUTH)
    filtered = body(await api.handle("list_incidents", only))["incidents"]
    assert [item["brand"] for item in filtered] == ["acme"]
    wrong = await api.handle(
        "list_incidents", ApiRequest("GET", query={"status": "notifed"}, headers=AUTH)
    )
    assert wrong.status == 400
    assert body(wrong)["message"] == 'unknown status "notifed" (did you mean "notified"?)'


async def test_show_gives_the_history(api: IncidentApi, store: MemoryStore) -> None:
    request = ApiRequest("GET", params={"incident_id": acme(store)}, headers=AUTH)
    incident = body(await api.handle("show_incident", request))["incident"]
    assert isinstance(incident, dict)
    assert [step["kind"] for step in incident["history"]] == ["opened", "paged"]
    assert incident["history"][1]["event_at"] == "2025-03-01T00:00:00+00:00"
    missing = ApiRequest("GET", params={"incident_id": "acme.nothing.0"}, headers=AUTH)
    assert (await api.handle("show_incident", missing)).status == 404


async def test_acknowledging_with_the_key_names_who(api: IncidentApi, store: MemoryStore) -> None:
    params = {"incident_id": acme(store)}
    nameless = await api.handle("acknowledge", post(params, {}, AUTH))
    assert nameless.status == 400
    response = await api.handle("acknowledge", post(params, {"who": "dan"}, AUTH))
    assert response.status == 202
    assert body(response) == {
        "accepted": True,
        "incident": params["incident_id"],
        "action": "ack",
        "who": "dan",
    }
    incident = store.book.incidents[params["incident_id"]]
    assert (incident.status, incident.acknowledged_by) == (ACKNOWLEDGED, "dan")
    assert incident.history[-1].wall_at == T0 + 5
    again = await api.handle("acknowledge", post(params, {"who": "eve"}, AUTH))
    assert (again.status, body(again)["message"]) == (
        409,
        "the incident is already acknowledged by dan",
    )


async def test_a_link_acknowledges_as_the_person_it_was_sent_to(
    api: IncidentApi, store: MemoryStore
) -> None:
    incident_id = acme(store)
    token = SIGNER.sign(incident_id, "ack", "ann", T0)
    form = urlencode({"token": token}).encode()
    request = ApiRequest("POST", params={"incident_id": incident_id}, headers=FORM, body=form)
    response = await api.handle("acknowledge", request)
    assert response.status == 202 and response.content_type.startswith("text/html")
    assert b"Acknowledged as ann" in response.body
    incident = store.book.incidents[incident_id]
    assert incident.acknowledged_by == "ann"
    assert incident.history[-1].detail == "via link"


async def test_opening_a_link_only_shows_a_button(api: IncidentApi, store: MemoryStore) -> None:
    incident_id = acme(store)
    token = SIGNER.sign(incident_id, "ack", "ann", T0)
    request = ApiRequest(
        "GET", params={"incident_id": incident_id, "action": "ack"}, query={"token": token}
    )
    response = await api.handle("confirm", request)
    assert response.status == 200
    assert b'<form method="post">' in response.body and token.encode() in response.body
    assert store.book.incidents[incident_id].status == NOTIFIED  # nothing done yet
    forged = ApiRequest("GET", params=request.params, query={"token": token[:-2] + "AA"})
    refused = await api.handle("confirm", forged)
    assert refused.status == 403 and b"not signed by listener or was altered" in refused.body


@pytest.mark.parametrize(
    ("signed_for", "action", "handler", "now", "code"),
    [
        ("resolve", "ack", "acknowledge", T0, "wrong_action"),
        ("ack", "ack", "acknowledge", T0 + 3600, "expired"),
        ("ack", "resolve", "resolve", T0, "wrong_action"),
    ],
)
async def test_a_link_does_only_what_it_was_signed_for_until_it_expires(
    store: MemoryStore, signed_for: str, action: str, handler: str, now: float, code: str
) -> None:
    api = IncidentApi(store, KEY, SIGNER, clock=lambda: now)
    incident_id = acme(store)
    token = SIGNER.sign(incident_id, signed_for, "ann", T0)
    request = post({"incident_id": incident_id}, {"token": token}, {})
    response = await api.handle(handler, request)
    assert (response.status, body(response)["error"]) == (403, code)
    assert store.book.incidents[incident_id].status == NOTIFIED


async def test_a_link_for_one_incident_does_not_open_another(
    api: IncidentApi, store: MemoryStore
) -> None:
    other = next(i.id for i in store.book.incidents.values() if i.brand == "other")
    token = SIGNER.sign(acme(store), "ack", "ann", T0)
    response = await api.handle("acknowledge", post({"incident_id": other}, {"token": token}, {}))
    assert (response.status, body(response)["error"]) == (403, "wrong_incident")


async def test_a_link_reads_and_silences_nothing(api: IncidentApi, store: MemoryStore) -> None:
    token = SIGNER.sign(acme(store), "ack", "ann", T0)
    listing = ApiRequest("GET", query={"token": token})
    assert (await api.handle("list_incidents", listing)).status == 401
    silence = post(
        {}, {"token": token, "brand": "acme", "for": "1h", "reason": "x", "who": "a"}, {}
    )
    assert (await api.handle("silence", silence)).status == 401


async def test_links_can_be_switched_off(store: MemoryStore) -> None:
    api = IncidentApi(store, KEY, None)
    token = SIGNER.sign(acme(store), "ack", "ann", T0)
    response = await api.handle(
        "acknowledge", post({"incident_id": acme(store)}, {"token": token}, {})
    )
    assert (response.status, body(response)["error"]) == (403, "links_disabled")


async def test_resolving_records_the_reason(api: IncidentApi, store: MemoryStore) -> None:
    params = {"incident_id": acme(store)}
    response = await api.handle(
        "resolve", post(params, {"who": "dan", "reason": "statement out"}, AUTH)
    )
    assert response.status == 202
    incident = store.book.incidents[params["incident_id"]]
    assert (incident.status, incident.resolved_by) == (RESOLVED, "dan")
    assert incident.history[-1].detail == "statement out"
    again = await api.handle("resolve", post(params, {"who": "dan"}, AUTH))
    assert again.status == 409


async def test_a_silence_mutes_the_brand_for_the_time_given(
    api: IncidentApi, store: MemoryStore
) -> None:
    data = {"brand": "acme", "for": "2h", "reason": "product launch", "who": "dan"}
    response = await api.handle("silence", post({}, data, AUTH))
    assert response.status == 202
    assert body(response)["until"] == "2025-03-01T02:00:05+00:00"
    (silence,) = store.book.silences
    assert [str(m) for m in silence.matchers] == ["brand=acme"]
    assert (silence.starts, silence.until, silence.who) == (0.0, T0 + 7205, "dan")


def silence_body(**changes: str | None) -> dict[str, str]:
    data: dict[str, str | None] = {"rule": "volume-spike", "for": "1h", "reason": "r", "who": "d"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (silence_body(rule=None, brand="acmee"), 'unknown brand "acmee" (did you mean "acme"?)'),
        (silence_body(brand="acme"), 'give one of "matchers", "brand" or "rule"'),
        (silence_body(**{"for": "soon"}), '"for": write a duration'),
        (silence_body(**{"for": "8d"}), "a silence must end after it starts, within 7d"),
        (silence_body(reason=" "), '"reason" is required'),
        (silence_body(who=None), '"who" must name you'),
    ],
)
async def test_a_bad_silence_is_refused_with_the_reason(
    api: IncidentApi, store: MemoryStore, data: dict[str, str], message: str
) -> None:
    response = await api.handle("silence", post({}, data, AUTH))
    assert response.status == 400
    assert str(body(response)["message"]).startswith(message)
    assert store.book.silences == ()


async def test_bodies_that_are_not_json_objects_or_too_big_are_refused(
    api: IncidentApi, store: MemoryStore
) -> None:
    params = {"incident_id": acme(store)}
    cases = [(b"{", 400), (b"[1]", 400), (b'{"who": 3}', 400), (b" " * 70_000, 413)]
    for raw, status in cases:
        response = await api.handle("acknowledge", ApiRequest("POST", params, {}, AUTH, raw))
        assert response.status == status, raw[:10]
    assert store.book.incidents[params["incident_id"]].status == NOTIFIED


@pytest.mark.parametrize("handler", ["acknowledge", "resolve", "confirm"])
async def test_unknown_and_forbidden_incidents_are_refused_alike(
    api: IncidentApi, store: MemoryStore, handler: str
) -> None:
    """Without the key or a link signed for it, a caller cannot tell an incident that
    exists from one that does not."""
    forged = SIGNER.sign("acme.firestorm.0000000000", "ack", "eve", T0)[:-4] + "AAAA"
    action = {"acknowledge": "ack", "resolve": "resolve", "confirm": "ack"}[handler]
    answers = []
    for incident_id in (acme(store), "acme.firestorm.does-not-exist"):
        for token in (forged, SIGNER.sign("other.firestorm.1", action, "eve", T0), ""):
            params = {"incident_id": incident_id, "action": action}
            if handler == "confirm":
                request = ApiRequest("GET", params=params, query={"token": token})
            else:
                request = post(params, {"token": token} if token else {}, {})
            response = await api.handle(handler, request)
            answers.append((incident_id, token, response.status, response.body))
    for (_, token, status, text), (_, other_token, other_status, other_text) in zip(
        answers[:3], answers[3:], strict=True
    ):
        assert token == other_token and status in (401, 403)
        assert (status, text) == (other_status, other_text)
    assert store.book.incidents[acme(store)].status == NOTIFIED


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
async def test_the_scheme_is_case_insensitive(api: IncidentApi, scheme: str) -> None:
    request = ApiRequest("GET", headers={"authorization": f"{scheme} {KEY}"})
    assert (await api.handle("list_incidents", request)).status == 200


async def test_an_address_refused_too_often_is_held_off_and_others_are_not(
    store: MemoryStore,
) -> None:
    now = [0.0]
    known = Known(frozenset({"acme", "other"}), frozenset({"negative-surge", "volume-spike"}))
    api = IncidentApi(
        store, KEY, SIGNER, known, clock=lambda: T0 + 5, refusals=Refusals(3, 60, lambda: now[0])
    )

    def listing(client: str, key: str) -> ApiRequest:
        return ApiRequest("GET", headers={"authorization": f"Bearer {key}"}, client=client)

    for _ in range(3):
        assert (await api.handle("list_incidents", listing("10.0.0.9", "nope"))).status == 401
    held = await api.handle("list_incidents", listing("10.0.0.9", KEY))
    assert held.status == 429 and body(held)["error"] == "too_many_refusals"
    assert held.headers["retry-after"] == "60"
    # Another address, and the right key from it, are served all along.
    assert (await api.handle("list_incidents", listing("10.0.0.7", KEY))).status == 200
    now[0] = 61.0
    assert (await api.handle("list_incidents", listing("10.0.0.9", KEY))).status == 200
