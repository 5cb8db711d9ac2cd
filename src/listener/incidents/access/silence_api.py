"""The silences of the incident API, like Alertmanager's: create, list, show, edit and
expire, all behind the API key.

A silence is written as matchers on brand, rule, risk and severity (``brand=acme``,
``rule=~negative-.*``, ``severity!=info``), a start (``starts``, RFC 3339; default now,
up to :data:`MAX_AHEAD` ahead, for a planned campaign or launch), an end (``ends``, or
``for`` a duration from the start, at most seven days after it), a comment (``reason``)
and an author (``who``). The older form, ``{"brand" or "rule": name, "for", ...}``, is
one equality matcher.

Silences are commands like any other: they go on the incident log, are kept in the
books (and their snapshots) of the partitions they concern, and come back to every
worker's API on the ``incidents`` topic as they are set, edited and ended.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from listener.incidents.access.requests import (
    MAX_SILENCE,
    ApiRequest,
    ApiResponse,
    Problem,
    read_body,
    text_field,
    who_field,
)
from listener.incidents.access.views import iso
from listener.incidents.lifecycle.events import Command
from listener.incidents.lifecycle.silences import Expire, Matcher, Silence, SilenceChanged
from listener.rules.files.config import SEVERITIES
from listener.rules.files.durations import parse_duration
from listener.rules.files.issues import did_you_mean

#: How far ahead a silence may be scheduled.
MAX_AHEAD: Final = 90 * 86_400
#: A silence's state, as the API names it (Alertmanager's words).
STATES: Final = ("pending", "active", "expired")


@dataclass(frozen=True, slots=True)
class Known:
    """The names a silence may match by equality, for a "did you mean" on a typo; an
    empty set is not checked."""

    brands: frozenset[str]
    rules: frozenset[str]
    risks: frozenset[str] = frozenset()


class SilenceStore(Protocol):
    async def silences(self) -> Sequence[SilenceChanged]:
        """Every silence known, as last changed. Raising makes the request fail with 500."""
        ...

    async def submit(self, command: Command) -> None: ...


def state(silence: Silence, now: float) -> str:
    if silence.ended(now):
        return "expired"
    return "active" if silence.active(now) else "pending"


def silence_json(news: SilenceChanged, now: float) -> dict[str, Any]:
    silence = news.silence
    return {
        "id": silence.id,
        "matchers": [str(m) for m in silence.matchers],
        "starts": iso(silence.starts or silence.at),
        "ends": iso(silence.end),
        "reason": silence.reason,
        "who": silence.who,
        "created_at": iso(silence.at),
        "replaces": silence.replaces or None,
        "state": state(silence, now),
        "changed_by": news.who,
        "changed_at": iso(news.at),
    }


class SilenceRoutes:
    """The silence handlers of :class:`~listener.incidents.access.api.IncidentApi`."""

    store: SilenceStore
    known: Known | None
    clock: Callable[[], float]

    def _require_key(self, request: ApiRequest) -> None:
        raise NotImplementedError

    async def silence(self, request: ApiRequest) -> ApiResponse:
        body = read_body(request, lists=("matchers",))
        self._require_key(request)
        now = self.clock()
        silence = self._parsed(body, who_field(body))
        await self.store.submit(silence)
        data = {"accepted": True, "silence": silence.id, "starts": iso(silence.starts or now)}
        return ApiResponse.json(202, data | {"until": iso(silence.until)})

    async def list_silences(self, request: ApiRequest) -> ApiResponse:
        self._require_key(request)
        wanted = request.query.get("state")
        if wanted and wanted not in STATES:
            raise Problem(
                400, "bad_request", f'unknown state "{wanted}"{did_you_mean(wanted, STATES)}'
            )
        now = self.clock()
        shown = [silence_json(n, now) for n in await self.store.silences()]
        shown = [s for s in shown if not wanted or s["state"] == wanted]
        shown.sort(key=lambda s: (STATES.index(s["state"]), s["ends"], s["id"]))
        return ApiResponse.json(200, {"silences": shown})

    async def show_silence(self, request: ApiRequest) -> ApiResponse:
        self._require_key(request)
        news = await self._known_silence(request)
        return ApiResponse.json(200, {"silence": silence_json(news, self.clock())})

    async def edit_silence(self, request: ApiRequest) -> ApiResponse:
        """A new silence replacing the one named, which ends as the new one is applied."""
        body = read_body(request, lists=("matchers",))
        self._require_key(request)
        old = await self._known_silence(request)
        if old.silence.ended(self.clock()):
            raise Problem(409, "expired", "the silence has ended: create a new one")
        silence = self._parsed(body, who_field(body), replaces=old.silence.id)
        await self.store.submit(silence)
        return ApiResponse.json(
            202, {"accepted": True, "silence": silence.id, "replaces": old.silence.id}
        )

    async def expire_silence(self, request: ApiRequest) -> ApiResponse:
        body = read_body(request)
        self._require_key(request)
        old = await self._known_silence(request)
        if old.silence.ended(self.clock()):
            raise Problem(409, "expired", "the silence has already ended")
        await self.store.submit(Expire(old.silence.id, who_field(body), self.clock()))
        return ApiResponse.json(202, {"accepted": True, "silence": old.silence.id, "expired": True})

    async def _known_silence(self, request: ApiRequest) -> SilenceChanged:
        wanted = request.params.get("silence_id", "")
        for news in await self.store.silences():
            if news.silence.id == wanted:
                return news
        raise Problem(404, "not_found", f"no silence {wanted!r}")

    def _parsed(self, body: Mapping[str, Any], who: str, replaces: str = "") -> Silence:
        now = self.clock()
        matchers = self._matchers(body)
        starts = _time(body, "starts", now) if body.get("starts") else now
        if not now - 60 <= starts <= now + MAX_AHEAD:
            raise Problem(400, "bad_request", '"starts" must be from now to 90 days ahead')
        starts = max(starts, now)
        if bool(body.get("ends")) == bool(body.get("for")):
            raise Problem(400, "bad_request", 'give exactly one of "ends" and "for"')
        until = _time(body, "ends", now) if body.get("ends") else starts + _seconds(body)
        if not 0 < until - starts <= MAX_SILENCE:
            raise Problem(400, "bad_request", "a silence must end after it starts, within 7d")
        reason = text_field(body, "reason", required=True)
        # A silence from now holds at once, whatever the event-time clock says (it runs
        # behind the wall clock); only one scheduled ahead carries its start.
        begins = starts if starts > now else 0.0
        return Silence(matchers, until, reason, who, now, begins, replaces)

    def _matchers(self, body: Mapping[str, Any]) -> tuple[Matcher, ...]:
        given = [k for k in ("matchers", "brand", "rule") if body.get(k)]
        if len(given) != 1:
            raise Problem(400, "bad_request", 'give one of "matchers", "brand" or "rule"')
        texts = body["matchers"] if given[0] == "matchers" else [f"{given[0]}={body[given[0]]}"]
        try:
            matchers = tuple(Matcher.parse(text) for text in texts)
        except ValueError as exc:
            raise Problem(400, "bad_request", str(exc)) from None
        for matcher in matchers:
            self._check_name(matcher)
        return matchers

    def _check_name(self, matcher: Matcher) -> None:
        if matcher.op != "=":
            return
        names: frozenset[str] | tuple[str, ...] = frozenset()
        if matcher.name == "severity":
            names = SEVERITIES
        elif self.known is not None:
            names = {"brand": self.known.brands, "rule": self.known.rules}.get(
                matcher.name, self.known.risks
            )
        if names and matcher.value not in names:
            hint = did_you_mean(matcher.value, names)
            raise Problem(400, "unknown", f'unknown {matcher.name} "{matcher.value}"{hint}')


def _time(body: Mapping[str, Any], name: str, now: float) -> float:
    try:
        moment = datetime.fromisoformat(str(body[name]).replace("Z", "+00:00"))
    except ValueError:
        raise Problem(400, "bad_request", f'"{name}" is not an RFC 3339 time') from None
    if moment.tzinfo is None:
        raise Problem(400, "bad_request", f'"{name}" needs a zone, such as Z or +01:00')
    return moment.timestamp()


def _seconds(body: Mapping[str, Any]) -> int:
    try:
        return parse_duration(str(body["for"]))
    except ValueError as exc:
        raise Problem(400, "bad_request", f'"for": {exc}') from None
