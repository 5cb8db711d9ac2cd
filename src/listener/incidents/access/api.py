"""The incident HTTP API as plain ``request -> response`` functions over an
:class:`IncidentStore`, so they are tested without a server and mounted on any (the
worker's Faust web server; :mod:`listener.incidents.access.web` adapts them to aiohttp).

Who may do what: the bearer of ``LISTENER_API_KEY`` (``Authorization: Bearer ...``) may
do everything and says who they are in ``who``; the bearer of a signed link may do the
one action on the one incident the link was signed for, as the person it was sent to.

Commands are accepted (202), not applied: the store hands them to the incident log, and
the incident's owner worker applies them in order with everything else about the brand.
"""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from listener.incidents.access.board import Board, BoardRoutes
from listener.incidents.access.requests import (
    FORM,
    MAX_BODY,
    ApiRequest,
    ApiResponse,
    Problem,
    read_body,
    text_field,
    who_field,
)
from listener.incidents.access.silence_api import Known, SilenceRoutes
from listener.incidents.access.tokens import ACTIONS, Grant, LinkSigner, TokenRefused
from listener.incidents.access.views import confirm_page, incident_json, message_page
from listener.incidents.lifecycle.events import Acknowledge, Command, Note, NoteKind, Resolve
from listener.incidents.lifecycle.model import ACKNOWLEDGED, RESOLVED, STATUSES, Incident
from listener.incidents.lifecycle.silences import SilenceChanged
from listener.refusals import Refusals
from listener.rules.files.issues import did_you_mean

if TYPE_CHECKING:
    from listener.rules.live import Reload

__all__ = ["MAX_BODY", "ROUTES", "ApiRequest", "ApiResponse", "IncidentApi", "Known"]


class IncidentStore(Protocol):
    """Where the API reads incidents and sends commands."""

    async def incidents(self) -> Sequence[Incident]:
        """Every incident kept, in any order. Raising makes the request fail with 500."""
        ...

    async def incident(self, incident_id: str) -> Incident | None:
        """One incident, None when unknown. Raising makes the request fail with 500."""
        ...

    async def submit(self, command: Command) -> None:
        """Called once a command is authorized and checked; returns once the command is
        safely on its way (on the incident log). Raising makes the request fail with 500."""
        ...

    async def silences(self) -> Sequence[SilenceChanged]:
        """Every silence known, as last changed. Raising makes the request fail with 500."""
        ...


class Interactions(Protocol):
    """A chat's buttons (Slack's interactivity requests), checked by their own signature."""

    async def handle(self, request: ApiRequest) -> ApiResponse:
        """Called for every request to the chat's endpoint, before any other check;
        raising makes the request fail with 500."""
        ...


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: str  # the IncidentApi method


ROUTES: Final = (
    Route("GET", "/incidents", "list_incidents"),
    Route("GET", "/incidents/{incident_id}", "show_incident"),
    Route("GET", "/incidents/{incident_id}/{action}", "confirm"),
    Route("POST", "/incidents/{incident_id}/ack", "acknowledge"),
    Route("POST", "/incidents/{incident_id}/resolve", "resolve"),
    Route("POST", "/incidents/{incident_id}/note", "note"),
    Route("GET", "/silences", "list_silences"),
    Route("POST", "/silences", "silence"),
    Route("GET", "/silences/{silence_id}", "show_silence"),
    Route("PUT", "/silences/{silence_id}", "edit_silence"),
    Route("DELETE", "/silences/{silence_id}", "expire_silence"),
    Route("POST", "/slack/interactions", "slack_interaction"),
    Route("GET", "/rules", "rules_status"),
    Route("POST", "/rules/reload", "reload_rules"),
    Route("GET", "/board", "board_index"),
    Route("POST", "/board/login", "board_login"),
    Route("POST", "/board/logout", "board_logout"),
    Route("GET", "/board/incidents/{incident_id}", "board_incident"),
    Route("POST", "/board/incidents/{incident_id}/act", "board_act"),
)


@dataclass(frozen=True, slots=True)
class _Caller:
    who: str
    via: str  # "api" (API key) or "link" (signed token)
    form: bool  # the request came from the HTML page: answer in HTML


#: Refused requests (a wrong key, a forged or expired link) an address may make within a
#: minute before it is held off: a person who mistypes gets several tries, a guesser none.
REFUSALS: Final = (20, 60.0)


class RulesControl(Protocol):
    """The worker's live rules (listener.rules.live.Reloader)."""

    async def reload(self, reason: str) -> Reload: ...

    def status(self) -> dict[str, Any]: ...


class IncidentApi(SilenceRoutes, BoardRoutes):
    """The handlers; each takes an :class:`ApiRequest` and returns an :class:`ApiResponse`."""

    store: IncidentStore

    def __init__(
        self,
        store: IncidentStore,
        api_key: str | None,
        signer: LinkSigner | None,
        known: Known | None = None,
        clock: Callable[[], float] = time.time,
        slack: Interactions | None = None,
        board: Board | None = None,
        refusals: Refusals | None = None,
    ) -> None:
        self.store = store
        #: Who was refused (401, 403) how often: an address refused too often is held off.
        self.refusals = refusals or Refusals(*REFUSALS)
        self._key = api_key.encode() if api_key else None
        self.signer = signer
        self.known = known
        self.clock = clock
        self.slack = slack
        self.board = board
        #: Set by the worker: which rules are live, and reloading them.
        self.rules: RulesControl | None = None

    async def handle(self, handler: str, request: ApiRequest) -> ApiResponse:
        """Run the handler named in :data:`ROUTES`, turning a refusal into its response.
        A caller refused too often lately is answered 429 without being heard."""
        client = request.client
        if client and (wait := self.refusals.blocked_for(client)) > 0:
            problem = Problem(429, "too_many_refusals", "too many refused requests; wait")
            body = {"error": problem.code, "message": problem.message}
            return ApiResponse.json(429, body, {"retry-after": str(math.ceil(wait))})
        try:
            response: ApiResponse = await getattr(self, handler)(request)
            return response
        except Problem as problem:
            if problem.status in (401, 403) and client:
                self.refusals.failed(client)
            if request.headers.get("content-type", "").startswith(FORM) or handler == "confirm":
                return ApiResponse.html(problem.status, message_page("Not done", problem.message))
            headers = {"www-authenticate": "Bearer"} if problem.status == 401 else None
            body = {"error": problem.code, "message": problem.message}
            return ApiResponse.json(problem.status, body, headers)

    async def list_incidents(self, request: ApiRequest) -> ApiResponse:
        self._require_key(request)
        wanted = _statuses(request.query.get("status"))
        brand = request.query.get("brand")
        chosen = [
            incident
            for incident in await self.store.incidents()
            if incident.status in wanted and (brand is None or incident.brand == brand)
        ]
        chosen.sort(key=lambda i: (-i.opened_at, i.id))
        return ApiResponse.json(200, {"incidents": [incident_json(i) for i in chosen]})

    async def show_incident(self, request: ApiRequest) -> ApiResponse:
        self._require_key(request)
        incident = await self._incident(request)
        return ApiResponse.json(200, {"incident": incident_json(incident, full=True)})

    async def confirm(self, request: ApiRequest) -> ApiResponse:
        """The page a signed link opens: a summary and one button; nothing is done yet."""
        action = request.params.get("action", "")
        if action not in ACTIONS:
            raise Problem(404, "not_found", f"no such page: {action}")
        token = request.query.get("token", "")
        grant = self._verify(token, request.params.get("incident_id", ""), action)
        incident = await self._incident(request)
        return ApiResponse.html(200, confirm_page(incident, action, token, grant.person))

    async def acknowledge(self, request: ApiRequest) -> ApiResponse:
        body = read_body(request)
        caller = self._caller(request, body, request.params.get("incident_id", ""), "ack")
        incident = await self._incident(request)
        if incident.status in (ACKNOWLEDGED, RESOLVED):
            by = incident.acknowledged_by or incident.resolved_by
            raise Problem(
                409, incident.status, f"the incident is already {incident.status} by {by}"
            )
        await self.store.submit(Acknowledge(incident.id, caller.who, self.clock(), caller.via))
        return _accepted(caller, "Acknowledged", incident, "ack")

    async def resolve(self, request: ApiRequest) -> ApiResponse:
        body = read_body(request)
        caller = self._caller(request, body, request.params.get("incident_id", ""), "resolve")
        incident = await self._incident(request)
        if incident.status == RESOLVED:
            raise Problem(
                409, RESOLVED, f"the incident is already resolved by {incident.resolved_by}"
            )
        reason = text_field(body, "reason", required=False)
        await self.store.submit(Resolve(incident.id, caller.who, self.clock(), reason))
        return _accepted(caller, "Resolved", incident, "resolve")

    async def note(self, request: ApiRequest) -> ApiResponse:
        """A line on the incident's timeline (``"statement": "yes"``: the statement is out)."""
        body = read_body(request)
        self._require_key(request)
        who = who_field(body)
        incident = await self._incident(request)
        text = text_field(body, "text", required=True)
        what: NoteKind = "statement" if body.get("statement") == "yes" else "note"
        await self.store.submit(Note(incident.id, who, self.clock(), text, what))
        data = {"accepted": True, "incident": incident.id, "action": what, "who": who}
        return ApiResponse.json(202, data)

    async def slack_interaction(self, request: ApiRequest) -> ApiResponse:
        """Slack's buttons; signed by Slack, not by the API key or a link."""
        if self.slack is None:
            raise Problem(404, "not_found", "Slack buttons are not enabled on this server")
        return await self.slack.handle(request)

    # -- checks ---------------------------------------------------------------------------

    async def rules_status(self, request: ApiRequest) -> ApiResponse:
        self._require_key(request)
        if self.rules is None:
            raise Problem(404, "not_found", "this server runs no rules")
        return ApiResponse.json(200, self.rules.status())

    async def reload_rules(self, request: ApiRequest) -> ApiResponse:
        """Reload the rules directory now; 422 with every problem (file and key) when it
        is refused, the live rules then staying in force."""
        self._require_key(request)
        if self.rules is None:
            raise Problem(404, "not_found", "this server runs no rules")
        result = await self.rules.reload("api")
        status = 422 if result.outcome == "refused" else 200
        return ApiResponse.json(status, {**result.to_dict(), "live": self.rules.status()})

    async def _incident(self, request: ApiRequest) -> Incident:
        """The incident the path names; asked only once the caller is authorised (by the
        key, or a link signed for that incident), so a refusal is the same whether the
        incident exists or not and cannot be used to find out which ids exist."""
        incident_id = request.params.get("incident_id", "")
        incident = await self.store.incident(incident_id)
        if incident is None:
            raise Problem(404, "not_found", f"no incident {incident_id!r}")
        return incident

    def _require_key(self, request: ApiRequest) -> None:
        header = request.headers.get("authorization")
        if header is None:
            raise Problem(401, "unauthorized", "send Authorization: Bearer <LISTENER_API_KEY>")
        scheme, _, key = header.partition(" ")
        if self._key is None:
            raise Problem(401, "unauthorized", "API keys are not enabled on this server")
        # Compared in constant time, so the time a refusal takes says nothing about the key.
        if scheme.lower() != "bearer" or not hmac.compare_digest(key.strip().encode(), self._key):
            raise Problem(401, "unauthorized", "the API key is not valid")

    def _caller(
        self, request: ApiRequest, body: Mapping[str, str], incident_id: str, action: str
    ) -> _Caller:
        """The API key's holder (naming themselves) or the person a link was signed for."""
        form = request.headers.get("content-type", "").startswith(FORM)
        token = body.get("token") or request.query.get("token")
        if "authorization" in request.headers or not token:
            self._require_key(request)
            return _Caller(who_field(body), "api", form)
        grant = self._verify(token, incident_id, action)
        return _Caller(grant.person, "link", form)

    def _verify(self, token: str, incident_id: str, action: str) -> Grant:
        if self.signer is None:
            raise Problem(403, "links_disabled", "signed links are not enabled on this server")
        try:
            return self.signer.verify(token, incident_id, action, self.clock())
        except TokenRefused as refused:
            raise Problem(403, refused.reason, refused.detail) from None


def _accepted(caller: _Caller, done: str, incident: Incident, action: str) -> ApiResponse:
    if caller.form:
        note = f"{done} as {caller.who}. The owners are being told; you can close this page."
        return ApiResponse.html(202, message_page(f"{done}: {incident.brand_name}", note))
    data = {"accepted": True, "incident": incident.id, "action": action, "who": caller.who}
    return ApiResponse.json(202, data)


def _statuses(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset(STATUSES)
    wanted = frozenset(part.strip() for part in text.split(","))
    unknown = sorted(wanted - set(STATUSES))
    if unknown:
        hint = did_you_mean(unknown[0], STATUSES)
        raise Problem(400, "bad_request", f'unknown status "{unknown[0]}"{hint}')
    return wanted
