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
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol
from urllib.parse import parse_qsl

import orjson

from listener.incidents.access.tokens import ACTIONS, Grant, LinkSigner, TokenRefused
from listener.incidents.access.views import confirm_page, incident_json, iso, message_page
from listener.incidents.lifecycle.events import Acknowledge, Command, Resolve, Scope, Silence
from listener.incidents.lifecycle.model import ACKNOWLEDGED, RESOLVED, STATUSES, Incident
from listener.rules.durations import parse_duration
from listener.rules.issues import did_you_mean

#: Largest request body read, in bytes.
MAX_BODY: Final = 64 * 1024
#: Longest silence accepted: a silence forgotten for longer hides the next crisis.
MAX_SILENCE: Final = 7 * 86_400
_WHO: Final = re.compile(r"^[\w.@+-]{1,64}$")
_FORM: Final = "application/x-www-form-urlencoded"


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


class Interactions(Protocol):
    """A chat's buttons (Slack's interactivity requests), checked by their own signature."""

    async def handle(self, request: ApiRequest) -> ApiResponse:
        """Called for every request to the chat's endpoint, before any other check;
        raising makes the request fail with 500."""
        ...


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """What a handler needs of a request; header names in lower case."""

    method: str
    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class ApiResponse:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any, headers: Mapping[str, str] | None = None) -> ApiResponse:
        return cls(status, orjson.dumps(data), headers=headers or {})

    @classmethod
    def html(cls, status: int, body: bytes) -> ApiResponse:
        return cls(status, body, "text/html; charset=utf-8")


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
    Route("POST", "/silences", "silence"),
    Route("POST", "/slack/interactions", "slack_interaction"),
)


class Problem(Exception):
    """Ends a request with an error response; raised by the checks, answered by
    :meth:`IncidentApi.handle`. Never leaves this module."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Known:
    """The names a silence may target, for a "did you mean" on a typo."""

    brands: frozenset[str]
    rules: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Caller:
    who: str
    via: str  # "api" (API key) or "link" (signed token)
    form: bool  # the request came from the HTML page: answer in HTML


class IncidentApi:
    """The handlers; each takes an :class:`ApiRequest` and returns an :class:`ApiResponse`."""

    def __init__(
        self,
        store: IncidentStore,
        api_key: str | None,
        signer: LinkSigner | None,
        known: Known | None = None,
        clock: Callable[[], float] = time.time,
        slack: Interactions | None = None,
    ) -> None:
        self.store = store
        self._key = api_key.encode() if api_key else None
        self.signer = signer
        self.known = known
        self.clock = clock
        self.slack = slack

    async def handle(self, handler: str, request: ApiRequest) -> ApiResponse:
        """Run the handler named in :data:`ROUTES`, turning a refusal into its response."""
        try:
            response: ApiResponse = await getattr(self, handler)(request)
            return response
        except Problem as problem:
            if request.headers.get("content-type", "").startswith(_FORM) or handler == "confirm":
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
        body = _body(request)
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
        body = _body(request)
        caller = self._caller(request, body, request.params.get("incident_id", ""), "resolve")
        incident = await self._incident(request)
        if incident.status == RESOLVED:
            raise Problem(
                409, RESOLVED, f"the incident is already resolved by {incident.resolved_by}"
            )
        reason = _text(body, "reason", required=False)
        await self.store.submit(Resolve(incident.id, caller.who, self.clock(), reason))
        return _accepted(caller, "Resolved", incident, "resolve")

    async def silence(self, request: ApiRequest) -> ApiResponse:
        body = _body(request)
        self._require_key(request)
        who = _who(body)
        scope, target = self._target(body)
        seconds = _duration(body)
        reason = _text(body, "reason", required=True)
        now = self.clock()
        command = Silence(scope, target, now + seconds, reason, who, now)
        await self.store.submit(command)
        data = {"accepted": True, "silence": command.id, scope: target, "until": iso(command.until)}
        return ApiResponse.json(202, data)

    async def slack_interaction(self, request: ApiRequest) -> ApiResponse:
        """Slack's buttons; signed by Slack, not by the API key or a link."""
        if self.slack is None:
            raise Problem(404, "not_found", "Slack buttons are not enabled on this server")
        return await self.slack.handle(request)

    # -- checks ---------------------------------------------------------------------------

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
        form = request.headers.get("content-type", "").startswith(_FORM)
        token = body.get("token") or request.query.get("token")
        if "authorization" in request.headers or not token:
            self._require_key(request)
            return _Caller(_who(body), "api", form)
        grant = self._verify(token, incident_id, action)
        return _Caller(grant.person, "link", form)

    def _verify(self, token: str, incident_id: str, action: str) -> Grant:
        if self.signer is None:
            raise Problem(403, "links_disabled", "signed links are not enabled on this server")
        try:
            return self.signer.verify(token, incident_id, action, self.clock())
        except TokenRefused as refused:
            raise Problem(403, refused.reason, refused.detail) from None

    def _target(self, body: Mapping[str, str]) -> tuple[Scope, str]:
        given = [scope for scope in ("brand", "rule") if body.get(scope)]
        if len(given) != 1:
            raise Problem(400, "bad_request", 'name exactly one of "brand" or "rule"')
        scope: Scope = "brand" if given[0] == "brand" else "rule"
        target = body[scope]
        names = None
        if self.known is not None:
            names = self.known.brands if scope == "brand" else self.known.rules
        if names is not None and target not in names:
            raise Problem(
                400, "unknown", f'unknown {scope} "{target}"{did_you_mean(target, names)}'
            )
        return scope, target


def _accepted(caller: _Caller, done: str, incident: Incident, action: str) -> ApiResponse:
    if caller.form:
        note = f"{done} as {caller.who}. The owners are being told; you can close this page."
        return ApiResponse.html(202, message_page(f"{done}: {incident.brand_name}", note))
    data = {"accepted": True, "incident": incident.id, "action": action, "who": caller.who}
    return ApiResponse.json(202, data)


def _body(request: ApiRequest) -> dict[str, str]:
    """A JSON object or an HTML form, as text values."""
    if len(request.body) > MAX_BODY:
        raise Problem(413, "too_large", f"the body is over {MAX_BODY} bytes")
    if not request.body.strip():
        return {}
    if request.headers.get("content-type", "").startswith(_FORM):
        return dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
    try:
        data = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        raise Problem(400, "bad_request", "the body is not JSON") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise Problem(400, "bad_request", "the body must be a JSON object of strings")
    return data


def _text(body: Mapping[str, str], name: str, required: bool) -> str:
    value = body.get(name, "").strip()
    if required and not value:
        raise Problem(400, "bad_request", f'"{name}" is required')
    if len(value) > 500:
        raise Problem(400, "bad_request", f'"{name}" is longer than 500 characters')
    return value


def _who(body: Mapping[str, str]) -> str:
    """Who acts, as they name themselves: an API key is shared, so it cannot say."""
    who = body.get("who", "")
    if not _WHO.match(who):
        raise Problem(400, "bad_request", '"who" must name you: letters, digits and . _ @ + -')
    return who


def _duration(body: Mapping[str, str]) -> int:
    try:
        seconds = parse_duration(body.get("for", ""))
    except ValueError as exc:
        raise Problem(400, "bad_request", f'"for": {exc}') from None
    if not 0 < seconds <= MAX_SILENCE:
        raise Problem(400, "bad_request", '"for" must be more than 0s and at most 7d')
    return seconds


def _statuses(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset(STATUSES)
    wanted = frozenset(part.strip() for part in text.split(","))
    unknown = sorted(wanted - set(STATUSES))
    if unknown:
        hint = did_you_mean(unknown[0], STATUSES)
        raise Problem(400, "bad_request", f'unknown status "{unknown[0]}"{hint}')
    return wanted
