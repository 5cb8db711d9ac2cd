"""The buttons of a Slack message: ``POST /slack/interactions``, Slack's interactivity
request URL.

Slack sends a form with one field, ``payload``, a JSON ``block_actions`` object naming who
pressed (``user.id``), which button (``actions[0].action_id``; its ``value`` is the
incident id), the message as it was and a ``response_url``. The request is taken only when
signed with the app's signing secret, within five minutes, and not seen before
(:mod:`listener.notifiers.slack.signature`); then the person must be one of
rules/owners.yaml, by Slack member id, and acts under their own name.

What the button does goes on the incident log like any command, and the message is
updated in place to say who did what (the button pressed no longer offered). A refusal
(an unknown person, an incident already closed) is shown to the person alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qsl

import httpx
import orjson

from listener.incidents.access.api import ApiRequest, ApiResponse, IncidentStore
from listener.incidents.lifecycle.events import Acknowledge, Command, Note, Resolve, Silence
from listener.incidents.lifecycle.model import ACKNOWLEDGED, RESOLVED, Incident
from listener.notifiers.delivery import RetryPolicy
from listener.notifiers.secrets import read_secret
from listener.notifiers.slack.config import SlackConfig
from listener.notifiers.slack.format import ACTIONS_BLOCK, BUTTONS, MEMBER_ID, escape
from listener.notifiers.slack.respond import SlackResponder
from listener.notifiers.slack.signature import WINDOW, SlackRefused, SlackVerifier
from listener.rules.ruleset import Owners

#: How long the "Silence 1 h" button silences the brand.
SILENCE_SECONDS: Final = 3600
_DONE: Final = {
    "ack": "Acknowledged",
    "resolve": "Resolved",
    "statement": "Statement published",
    "silence_1h": "Silenced for 1 h",
}


@dataclass(frozen=True, slots=True)
class Press:
    """One button press, as read from Slack's payload."""

    action: str
    incident_id: str
    member: str  # Slack member id of who pressed
    response_url: str
    message: Mapping[str, Any]
    #: When it was pressed, as Slack signed it: the command's time, so the same press
    #: sent again, to any worker, is the same command and changes nothing.
    at: float


class SlackActions:
    """Takes Slack's button requests and turns each into a command on the incident log."""

    def __init__(
        self,
        verifier: SlackVerifier,
        people: Mapping[str, str],
        store: IncidentStore,
        responder: SlackResponder,
        count: Callable[[str], None] | None = None,
    ) -> None:
        self.verifier = verifier
        #: Slack member id -> person id of owners.yaml.
        self.people = people
        self.store = store
        self.responder = responder
        #: Hears the outcome of every press (``taken`` or why refused), for a metric.
        self.count = count or (lambda outcome: None)

    async def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer 200 to anything Slack signed (the outcome is told through the
        response_url), 401 to anything else, 400 to a payload that is not a button."""
        response, outcome = await self._handle(request)
        self.count(outcome)
        return response

    async def _handle(self, request: ApiRequest) -> tuple[ApiResponse, str]:
        try:
            self.verifier.check(request.headers, request.body)
        except SlackRefused as refused:
            body = {"error": refused.reason, "message": str(refused)}
            return ApiResponse.json(401, body), refused.reason
        press = _press(request.body, float(request.headers["x-slack-request-timestamp"]))
        if press is None or not self.responder.allowed(press.response_url):
            body = {"error": "bad_request", "message": "not a button"}
            return ApiResponse.json(400, body), "not_a_button"
        person = self.people.get(press.member)
        if person is None:
            self._tell(press, "Only the people of listener's owners.yaml can act on incidents.")
            return ApiResponse(200, b""), "unknown_person"
        incident = await self.store.incident(press.incident_id)
        refusal = _refusal(press.action, incident)
        if refusal is not None or incident is None:
            self._tell(press, refusal or "No such incident.")
            return ApiResponse(200, b""), "refused"
        await self.store.submit(self._command(press, incident, person))
        self.responder.answer(press.response_url, self._updated(press))
        return ApiResponse(200, b""), "taken"

    def _command(self, press: Press, incident: Incident, person: str) -> Command:
        action, now = press.action, press.at
        if action == "ack":
            return Acknowledge(incident.id, person, now, "slack")
        if action == "resolve":
            return Resolve(incident.id, person, now, "resolved from Slack")
        if action == "statement":
            return Note(incident.id, person, now, "statement published", "statement")
        reason = "silenced for 1 h from Slack"
        return Silence.of("brand", incident.brand, now + SILENCE_SECONDS, reason, person, now)

    def _tell(self, press: Press, text: str) -> None:
        body = {"response_type": "ephemeral", "replace_original": False, "text": escape(text)}
        self.responder.answer(press.response_url, body)

    def _updated(self, press: Press) -> dict[str, Any]:
        """The message as it was, with a line saying who did what and when, and without
        the button pressed (without any once resolved)."""
        at = datetime.fromtimestamp(press.at, UTC).strftime("%H:%M UTC")
        line = f"*{_DONE[press.action]}* by <@{press.member}> at {at}"
        blocks: list[Any] = []
        for block in press.message.get("blocks", []):
            if isinstance(block, dict) and block.get("block_id") == ACTIONS_BLOCK:
                block = _without(block, press.action)
                if block is None:
                    continue
            blocks.append(block)
        done = {"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}
        blocks.insert(min(2, len(blocks)), done)
        text = press.message.get("text")
        return {
            "replace_original": True,
            "text": text if isinstance(text, str) else escape(_DONE[press.action]),
            "blocks": blocks,
        }


def _without(block: Mapping[str, Any], action: str) -> dict[str, Any] | None:
    """The buttons block without ``action``'s button; None when none is left to press."""
    if action == "resolve":
        return None
    kept = [e for e in block.get("elements", []) if e.get("action_id") != action]
    if action == "ack":  # acknowledged: nobody else need acknowledge
        kept = [e for e in kept if e.get("action_id") != "ack"]
    return {**block, "elements": kept} if kept else None


def _refusal(action: str, incident: Incident | None) -> str | None:
    """Why ``action`` cannot be done on ``incident``, or None."""
    if incident is None:
        return "No such incident."
    if incident.status == RESOLVED:
        return f"The incident is already resolved by {incident.resolved_by}."
    if action == "ack" and incident.status == ACKNOWLEDGED:
        return f"The incident is already acknowledged by {incident.acknowledged_by}."
    return None


def _press(body: bytes, stamp: float) -> Press | None:
    """The button press in a form body signed at ``stamp``, or None when it is not one of
    ours. Its time is the action's own (``action_ts``) when within the signature's window."""
    form = dict(parse_qsl(body.decode("utf-8", errors="replace")))
    try:
        data = orjson.loads(form.get("payload", ""))
        action = data["actions"][0]
        pressed = float(action.get("action_ts", stamp))
        press = Press(
            action=str(action["action_id"]),
            incident_id=str(action["value"]),
            member=str(data["user"]["id"]),
            response_url=str(data["response_url"]),
            message=data.get("message") or {},
            at=pressed if abs(pressed - stamp) <= WINDOW else stamp,
        )
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, ValueError):
        return None
    if data.get("type") != "block_actions" or press.action not in BUTTONS:
        return None
    return press if isinstance(press.message, dict) else None


def slack_actions(
    config: SlackConfig | None,
    owners: Owners,
    store: IncidentStore,
    environ: Mapping[str, str],
    policy: RetryPolicy,
    count: Callable[[str], None] | None = None,
) -> SlackActions | None:
    """The buttons' handler when notifiers.yaml gives Slack a ``signing_secret_env``;
    raises ConfigError naming the variable when it is unset. People act by their Slack
    member id in owners.yaml (a handle cannot be matched to who pressed)."""
    if config is None or config.signing_secret_env is None:
        return None
    secret = read_secret(environ, config.signing_secret_env, "the Slack signing secret")
    people = {
        person.slack: person_id
        for person_id, person in owners.people.items()
        if MEMBER_ID.fullmatch(person.slack)
    }
    responder = SlackResponder(
        httpx.AsyncClient(), config.response_url_prefix, policy, timeout=config.timeout
    )
    verifier = SlackVerifier(secret.get_secret_value())
    return SlackActions(verifier, people, store, responder, count=count)
