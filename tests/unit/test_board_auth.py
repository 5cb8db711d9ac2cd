"""The incident page's sessions and forms: a cookie the server did not sign, or signed
for too long ago, signs nobody in; a form needs the session's token and this site's
origin; the handlers answer accordingly, without a browser."""

from __future__ import annotations

from types import MappingProxyType
from urllib.parse import urlencode

import pytest
from test_incidents_fixtures import T0, group, make_alert, policies

from listener.incidents.access.api import ApiRequest, IncidentApi
from listener.incidents.access.board import Board, Sessions
from listener.incidents.access.board.auth import COOKIE, SESSION_SECONDS
from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.lifecycle.actions import Notify
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import AlertReceived
from listener.incidents.lifecycle.model import Book
from listener.incidents.runtime.notices import Composer
from listener.rules.ruleset import Owners

KEY = b"k" * 40
HOST = {"host": "listener.example.com", "origin": "https://listener.example.com"}


def cookie_of(sessions: Sessions, who: str = "ann", at: float = T0) -> dict[str, str]:
    return {"cookie": f"{COOKIE}={sessions.start(who, at).token}"}


def test_only_a_cookie_the_server_signed_and_still_valid_is_a_session() -> None:
    sessions = Sessions(KEY, secure=True)
    headers = cookie_of(sessions)
    assert sessions.current(headers, T0 + 60) is not None
    assert sessions.current(headers, T0 + SESSION_SECONDS) is None  # expired
    other = Sessions(b"x" * 40, secure=True)
    assert other.current(headers, T0 + 60) is None  # another key: everyone signed out
    payload, signature = headers["cookie"].split("=", 1)[1].split(".")
    forged = {"cookie": f"{COOKIE}={payload[:-2]}AA.{signature}"}
    assert sessions.current(forged, T0 + 60) is None
    assert sessions.current({"cookie": "junk;;=="}, T0) is None


def test_the_cookie_is_kept_from_scripts_and_other_sites() -> None:
    sessions = Sessions(KEY, secure=True)
    value = sessions.cookie(sessions.start("ann", T0))
    for part in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/board"):
        assert part in value
    assert "Max-Age=0" in sessions.cookie(None)
    assert "Secure" not in Sessions(KEY, secure=False).cookie(None)


@pytest.mark.parametrize(
    ("origin", "token_ok", "accepted"),
    [("https://listener.example.com", True, True), ("https://evil.example", True, False),
     ("null", True, False), ("https://listener.example.com", False, False)],
)  # fmt: skip
def test_a_form_needs_the_sessions_token_and_this_origin(
    origin: str, token_ok: bool, accepted: bool
) -> None:
    sessions = Sessions(KEY, secure=True)
    session = sessions.start("ann", T0)
    token = sessions.csrf(session) if token_ok else sessions.csrf(sessions.start("bob", T0))
    headers = {"host": "listener.example.com", "origin": origin}
    assert sessions.csrf_ok(session, token, headers) is accepted


@pytest.fixture
def api() -> IncidentApi:
    store = MemoryStore(Engine(policies()), clock=lambda: T0)
    store.apply(AlertReceived(make_alert(T0)))
    board = Board(Sessions(KEY, secure=True), ("ann", "bob"))
    return IncidentApi(store, KEY.decode(), None, board=board, clock=lambda: T0 + 5)


def form(data: dict[str, str], headers: dict[str, str], **params: str) -> ApiRequest:
    return ApiRequest("POST", params=params, headers=headers, body=urlencode(data).encode())


async def test_signing_in_needs_the_key_a_name_and_this_origin(api: IncidentApi) -> None:
    good = {"who": "ann", "key": KEY.decode()}
    signed = await api.handle("board_login", form(good, HOST))
    assert signed.status == 303 and signed.headers["set-cookie"].startswith(f"{COOKIE}=")
    assert "content-security-policy" in signed.headers
    wrong = await api.handle("board_login", form({**good, "key": "nope"}, HOST))
    assert wrong.status == 401 and "set-cookie" not in wrong.headers
    elsewhere = {**HOST, "origin": "https://evil.example"}
    assert (await api.handle("board_login", form(good, elsewhere))).status == 403


async def test_an_action_needs_a_session_and_its_token(api: IncidentApi) -> None:
    assert api.board is not None
    sessions = api.board.sessions
    (incident_id,) = [i.id for i in await api.store.incidents()]
    headers = {**HOST, **cookie_of(sessions, at=T0)}
    session = sessions.current(headers, T0)
    assert session is not None
    ack = {"action": "ack", "csrf": sessions.csrf(session)}
    anonymous = await api.handle("board_act", form(ack, HOST, incident_id=incident_id))
    assert anonymous.status == 303 and anonymous.headers["location"] == "/board"
    forged = await api.handle(
        "board_act", form({**ack, "csrf": "x"}, headers, incident_id=incident_id)
    )
    assert forged.status == 403
    stranger = await api.handle(
        "board_act", form({"action": "assign", "person": "eve", "csrf": ack["csrf"]}, headers,
                          incident_id=incident_id)
    )  # fmt: skip
    assert stranger.status == 400
    done = await api.handle("board_act", form(ack, headers, incident_id=incident_id))
    assert done.status == 303 and done.headers["location"].endswith("?sent=ack")
    incident = await api.store.incident(incident_id)
    assert incident is not None and incident.acknowledged_by == "ann"


def test_messages_link_the_page_only_where_it_is_served() -> None:
    owners = Owners(MappingProxyType({}), MappingProxyType({"acme-care": group([("0m", ["ann"])])}))
    _, actions = Engine(policies()).step(Book(), AlertReceived(make_alert(T0)), T0)
    (notify,) = [a for a in actions if isinstance(a, Notify)]
    base = "https://listener.example.com"
    served = Composer(owners, None, base, page=True).notification(notify)
    assert served.page_url == f"{base}/board/incidents/{notify.incident.id}"
    assert Composer(owners, None, base).notification(notify).page_url is None
