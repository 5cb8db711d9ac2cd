"""The incident page's handlers, on the worker's API: ``/board`` (the open incidents),
``/board/incidents/{id}`` (one incident and the forms to act), the form posts, and signing
in and out (:mod:`.auth`).

A form's action becomes the same command the API would send (acknowledge, resolve, a
note, an assignment, a silence of the brand), in the name of the person signed in, and
the page is shown again (303) saying it was sent: commands are applied by the worker that
owns the brand, so the audit log shows it a moment later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol
from urllib.parse import parse_qsl, quote

from listener.incidents.access.board.auth import Session, Sessions, same_origin
from listener.incidents.access.board.pages import (
    SENT,
    SILENCE_CHOICES,
    board_page,
    incident_page,
    login_page,
    page,
)
from listener.incidents.access.requests import MAX_BODY, ApiRequest, ApiResponse
from listener.incidents.lifecycle.events import Acknowledge, Command, Note, Resolve
from listener.incidents.lifecycle.model import ACKNOWLEDGED, RESOLVED, Incident
from listener.incidents.lifecycle.silences import Silence
from listener.rules.files.durations import parse_duration

#: Sent with every page: no script runs, nothing is framed, no other site learns the page
#: (with "no-referrer" a browser would send "Origin: null" on our own forms).
HEADERS: Final = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}
_SEVERITY_ORDER: Final = ("critical", "major", "warning", "info")


@dataclass(frozen=True, slots=True)
class Board:
    """What the page needs besides the store: the sessions, and who can be assigned."""

    sessions: Sessions
    people: tuple[str, ...] = field(default=())


class BoardStore(Protocol):
    async def incidents(self) -> Sequence[Incident]: ...
    async def incident(self, incident_id: str) -> Incident | None: ...
    async def submit(self, command: Command) -> None: ...


def _html(status: int, body: bytes, extra: Mapping[str, str] | None = None) -> ApiResponse:
    return ApiResponse(status, body, "text/html; charset=utf-8", {**HEADERS, **(extra or {})})


def _see(location: str, cookie: str | None = None) -> ApiResponse:
    headers = {"location": location} | ({"set-cookie": cookie} if cookie else {})
    return _html(303, b"", headers)


def _form(request: ApiRequest) -> dict[str, str]:
    if len(request.body) > MAX_BODY:
        return {}
    return dict(parse_qsl(request.body.decode("utf-8", errors="replace")))


class BoardRoutes:
    """The page handlers of :class:`~listener.incidents.access.api.IncidentApi`."""

    store: BoardStore
    board: Board | None
    clock: Callable[[], float]

    def _session(self, request: ApiRequest) -> Session | None:
        if self.board is None:
            return None
        return self.board.sessions.current(request.headers, self.clock())

    async def board_index(self, request: ApiRequest) -> ApiResponse:
        if self.board is None:
            return _html(404, page("Not enabled", "<p>The incident page needs an API key.</p>"))
        session = self._session(request)
        if session is None:
            return _html(200, login_page())
        active = [i for i in await self.store.incidents() if i.status != RESOLVED]
        active.sort(key=lambda i: (_rank(i.severity), -i.opened_at, i.id))
        return _html(200, board_page(active, session.who))

    async def board_login(self, request: ApiRequest) -> ApiResponse:
        if self.board is None or not same_origin(request.headers):
            return _html(403, login_page("Sign in from this site's own page."))
        form = _form(request)
        who = form.get("who", "").strip()
        if not self.board.sessions.key_matches(form.get("key", "")) or not _valid_name(who):
            return _html(401, login_page("That name or key is not right."))
        session = self.board.sessions.start(who, self.clock())
        return _see("/board", self.board.sessions.cookie(session))

    async def board_logout(self, request: ApiRequest) -> ApiResponse:
        if self.board is None or not same_origin(request.headers):
            return _html(403, login_page())
        return _see("/board", self.board.sessions.cookie(None))

    async def board_incident(self, request: ApiRequest) -> ApiResponse:
        session = self._session(request)
        if self.board is None or session is None:
            return _see("/board")
        incident = await self.store.incident(request.params.get("incident_id", ""))
        if incident is None:
            return _html(404, page("No such incident", "", session.who))
        sent = request.query.get("sent")
        csrf = self.board.sessions.csrf(session)
        body = incident_page(incident, session.who, csrf, self.board.people, sent)
        return _html(200, body)

    async def board_act(self, request: ApiRequest) -> ApiResponse:
        session = self._session(request)
        if self.board is None or session is None:
            return _see("/board")
        form = _form(request)
        if not self.board.sessions.csrf_ok(session, form.get("csrf", ""), request.headers):
            return _html(403, page("Not done", "<p>This form is not from this page.</p>"))
        incident = await self.store.incident(request.params.get("incident_id", ""))
        if incident is None:
            return _html(404, page("No such incident", "", session.who))
        command = self._command(form, incident, session.who)
        if command is None:
            body = page("Not done", "<p>Nothing to do: check the form.</p>", session.who)
            return _html(400, body)
        await self.store.submit(command)
        action = form["action"]
        return _see(f"/board/incidents/{quote(incident.id)}?sent={action}")

    def _command(self, form: Mapping[str, str], incident: Incident, who: str) -> Command | None:
        """The command a form asks for, or None when it cannot be done as asked."""
        action, now = form.get("action", ""), self.clock()
        text = form.get("text", "").strip()[:500]
        reason = form.get("reason", "").strip()[:500]
        if action not in SENT or incident.status == RESOLVED:
            return None
        if action == "ack":
            done = incident.status == ACKNOWLEDGED
            return None if done else Acknowledge(incident.id, who, now, "board")
        if action == "resolve":
            return Resolve(incident.id, who, now, reason or "resolved from the incident page")
        if action == "note":
            return Note(incident.id, who, now, text) if text else None
        if action == "assign":
            person = form.get("person", "")
            known = self.board is not None and person in self.board.people
            return (
                Note(incident.id, who, now, f"assigned to {person}", "assignment")
                if known
                else None
            )
        choice = form.get("for", "")
        if choice not in SILENCE_CHOICES or not reason:
            return None
        until = now + parse_duration(choice)
        return Silence.of("brand", incident.brand, until, reason, who, now)


def _rank(severity: str) -> int:
    return _SEVERITY_ORDER.index(severity) if severity in _SEVERITY_ORDER else len(_SEVERITY_ORDER)


def _valid_name(who: str) -> bool:
    return 0 < len(who) <= 64 and all(c.isalnum() or c in "._@+-" for c in who)
