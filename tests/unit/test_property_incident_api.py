"""Property tests of the incident API: every route, called with any parameters, query,
headers and body (bytes that are not UTF-8, JSON of any shape, forms, markup, huge
strings), answers with a status it chose (never a crash), and a caller without the API key
or a valid signed link changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from test_incidents_fixtures import MINUTE, T0, make_alert, policies

from listener.incidents.access.api import ROUTES, ApiRequest, IncidentApi, Known
from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.access.tokens import LinkSigner
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import AlertReceived

KEY = "k" * 40
SIGNER = LinkSigner("s" * 40, lifetime=3600)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
words = st.text(max_size=24) | st.sampled_from(
    ["<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "ack", "resolve", "x" * 5000]
)
bodies = (
    st.binary(max_size=200)
    | json_values.map(orjson.dumps)
    | st.dictionaries(st.sampled_from(["who", "note", "token", "csrf", "minutes"]), words).map(
        orjson.dumps
    )
)
authorizations = st.sampled_from(
    [None, "Bearer nope", "Basic abc", "bearer", f"Bearer {KEY[:-1]}", ""]
) | st.text(max_size=30)


def fresh_api() -> tuple[IncidentApi, MemoryStore]:
    store = MemoryStore(Engine(policies()), clock=lambda: T0)
    store.apply(AlertReceived(make_alert(T0)))
    store.apply(AlertReceived(make_alert(T0 + MINUTE, brand="other")))
    known = Known(frozenset({"acme", "other"}), frozenset({"negative-surge", "volume-spike"}))
    return IncidentApi(store, KEY, SIGNER, known, clock=lambda: T0 + 5), store


def state(store: MemoryStore) -> Any:
    return (store.book, list(store.actions), sorted(store.silenced.changed))


@settings(max_examples=150, deadline=None)
@given(
    route=st.sampled_from(ROUTES),
    params=st.dictionaries(st.sampled_from(["incident_id", "action", "silence_id"]), words),
    query=st.dictionaries(st.sampled_from(["token", "status", "brand", "who"]), words),
    authorization=authorizations,
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
    ),
    body=bodies,
)
def test_any_request_to_any_route_gets_an_answer_and_strangers_change_nothing(
    route: Any,
    params: dict[str, str],
    query: dict[str, str],
    authorization: str | None,
    content_type: str,
    body: bytes,
) -> None:
    api, store = fresh_api()
    headers = {"content-type": content_type}
    if authorization is not None:
        headers["authorization"] = authorization
    before = state(store)
    request = ApiRequest(route.method, params=params, query=query, headers=headers, body=body)
    response = asyncio.run(api.handle(route.handler, request))
    assert 200 <= response.status < 500, (route, response.status, response.body[:200])
    if response.content_type.startswith("application/json"):
        assert isinstance(orjson.loads(response.body), dict)
    # Without the API key, and with no link signed by the worker, nothing may change.
    assert state(store) == before


@settings(max_examples=150, deadline=None)
@given(
    route=st.sampled_from(ROUTES),
    params=st.dictionaries(st.sampled_from(["incident_id", "action", "silence_id"]), words),
    query=st.dictionaries(st.sampled_from(["token", "status", "brand", "who"]), words),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded"]),
    body=bodies,
    known_incident=st.booleans(),
)
def test_the_crisis_team_gets_a_clear_answer_to_anything_it_sends(
    route: Any,
    params: dict[str, str],
    query: dict[str, str],
    content_type: str,
    body: bytes,
    known_incident: bool,
) -> None:
    api, store = fresh_api()
    if known_incident:
        params = {**params, "incident_id": next(iter(store.book.incidents))}
    headers = {"content-type": content_type, "authorization": f"Bearer {KEY}"}
    request = ApiRequest(route.method, params=params, query=query, headers=headers, body=body)
    response = asyncio.run(api.handle(route.handler, request))
    assert 200 <= response.status < 500, (route, response.status, response.body[:200])
    if response.status >= 400 and response.content_type.startswith("application/json"):
        problem = orjson.loads(response.body)
        assert problem["error"] and problem["message"]
