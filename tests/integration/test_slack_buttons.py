"""Slack's buttons, end to end over HTTP: requests signed the way Slack documents (v0
HMAC-SHA256 of ``v0:timestamp:body`` under the signing secret) reach the incident API's
``/slack/interactions``; the command goes to the incident store, and the message is
updated in place through a local stand-in of Slack's ``response_url``. Forged, stale and
replayed requests change nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import faust
import httpx
import orjson
import pytest
from aiohttp import web
from faust.web.drivers.aiohttp import Web as AiohttpWeb
from notify_servers import Receiver, free_port, running

from listener.incidents.access.api import ApiRequest, IncidentApi
from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.access.slack import SlackActions
from listener.incidents.access.web import build_app, mount_on_faust
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import AlertReceived
from listener.incidents.lifecycle.model import ACKNOWLEDGED, RESOLVED
from listener.incidents.lifecycle.policy import Policies
from listener.notifiers.delivery import RetryPolicy
from listener.notifiers.slack.format import ACTIONS_BLOCK, actions
from listener.notifiers.slack.respond import SlackResponder
from listener.notifiers.slack.signature import SlackVerifier, signature
from listener.records import Alert
from listener.rules.files.loader import load_rules

pytestmark = pytest.mark.timeout(30)

RULES = Path(__file__).resolve().parents[2] / "rules"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MARIA = "U012AB3CD"


def alert(now: float) -> Alert:
    fired = datetime.fromtimestamp(now - 60, UTC)
    return Alert(
        id=f"negative-surge|intesa_sanpaolo|{now}", rule="negative-surge",
        description="negative surge", brand="intesa_sanpaolo", brand_name="Intesa Sanpaolo",
        severity="critical", fired_at=fired, window="5m", condition="volume >= 20",
        figures={"volume": 40.0}, baseline={"volume_baseline": 4.0}, samples=(),
        owners="bank-crisis", first_true_at=fired, emitted_at=fired,
    )  # fmt: skip


@dataclass
class Setup:
    url: str
    store: MemoryStore
    hooks: Receiver
    responder: SlackResponder
    incident_id: str
    #: The outcome of every press, as the metric counts them.
    outcomes: list[str]

    def hook_url(self) -> str:
        return self.hooks.url + "/actions/T1/123/abc"

    def payload(self, action: str, member: str = MARIA, value: str | None = None) -> bytes:
        block = actions(self.incident_id, ("ack", "resolve", "statement", "silence_1h"))
        data: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": member, "username": "maria", "team_id": "T1"},
            "api_app_id": "A1",
            "container": {"type": "message", "message_ts": "1.2", "channel_id": "C1"},
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
            "channel": {"id": "C1", "name": "crisis"},
            "message": {
                "type": "message",
                "ts": "1.2",
                "text": "[CRITICAL] Intesa Sanpaolo",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "head"}}, block],
            },
            "response_url": self.hook_url(),
            "actions": [
                {
                    "action_id": action,
                    "block_id": ACTIONS_BLOCK,
                    "type": "button",
                    "value": value or self.incident_id,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return urlencode({"payload": orjson.dumps(data).decode()}).encode()

    async def press(
        self, body: bytes, *, secret: str = SECRET, stamp: float | None = None
    ) -> httpx.Response:
        when = str(int(time.time() if stamp is None else stamp))
        return await self.send(body, when, signature(secret.encode(), when, body))

    async def send(self, body: bytes, stamp: str, signed: str) -> httpx.Response:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signed,
        }
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.post(self.url + "/slack/interactions", content=body,
                                         headers=headers)  # fmt: skip
        await self.responder.drain()
        return response


def faust_server(api: IncidentApi, datadir: Path) -> web.Application:
    """The web application of a Faust worker with the API mounted, as the worker has it."""
    app = faust.App("slack-test", broker="memory://", web_port=6066, datadir=str(datadir))
    mount_on_faust(app, api)
    server = app.web
    assert isinstance(server, AiohttpWeb)
    return server.web_app


@pytest.fixture(params=["aiohttp", "faust"])
async def setup(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Setup]:
    rules = load_rules(RULES)
    store = MemoryStore(Engine(Policies.build(rules, rules.risks)))
    store.apply(AlertReceived(alert(time.time())))
    (incident_id,) = store.book.incidents
    with running(Receiver()) as hooks:
        async with httpx.AsyncClient() as client:
            policy = RetryPolicy(max_attempts=2, first_delay=0.05, max_delay=0.1)
            responder = SlackResponder(client, hooks.url + "/actions/", policy, timeout=5)
            outcomes: list[str] = []
            people = {MARIA: "maria.rossi"}
            verifier = SlackVerifier(SECRET)
            slack = SlackActions(verifier, people, store, responder, count=outcomes.append)
            api = IncidentApi(store, None, None, slack=slack)
            app = build_app(api) if request.param == "aiohttp" else faust_server(api, tmp_path)
            runner = web.AppRunner(app)
            await runner.setup()
            port = free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            try:
                url = f"http://127.0.0.1:{port}"
                yield Setup(url, store, hooks, responder, incident_id, outcomes)
            finally:
                await runner.cleanup()


async def test_acknowledge_from_slack_updates_the_message_in_place(setup: Setup) -> None:
    response = await setup.press(setup.payload("ack"))
    assert response.status_code == 200
    incident = setup.store.book.incidents[setup.incident_id]
    assert incident.status == ACKNOWLEDGED and incident.acknowledged_by == "maria.rossi"
    assert incident.history[-1].detail == "via slack"
    (update,) = setup.hooks.seen
    assert update.path == "/actions/T1/123/abc"
    body = update.json()
    assert body["replace_original"] is True and body["text"] == "[CRITICAL] Intesa Sanpaolo"
    texts = orjson.dumps(body["blocks"]).decode()
    assert f"*Acknowledged* by <@{MARIA}>" in texts
    (buttons,) = [b for b in body["blocks"] if b.get("block_id") == ACTIONS_BLOCK]
    assert [e["action_id"] for e in buttons["elements"]] == ["resolve", "statement", "silence_1h"]


async def test_a_replayed_request_is_refused_and_changes_nothing(setup: Setup) -> None:
    body = setup.payload("statement")
    stamp = str(int(time.time()))
    signed = signature(SECRET.encode(), stamp, body)
    first = await setup.send(body, stamp, signed)
    again = await setup.send(body, stamp, signed)
    assert first.status_code == 200
    assert again.status_code == 401 and again.json()["error"] == "replayed"
    assert setup.outcomes == ["taken", "replayed"]
    history = setup.store.book.incidents[setup.incident_id].history
    (statement,) = [t for t in history if t.kind == "statement"]
    assert statement.who == "maria.rossi" and statement.detail == "statement published"
    assert len(setup.hooks.seen) == 1


@pytest.mark.parametrize(
    ("secret", "age", "reason"),
    # Half a minute past the five-minute window either way: the request takes time to arrive.
    [("not-the-signing-secret-at-all-000", 0, "bad_signature"), (SECRET, 330, "stale"),
     (SECRET, -330, "stale")],
)  # fmt: skip
async def test_forged_and_stale_requests_are_refused(
    setup: Setup, secret: str, age: float, reason: str
) -> None:
    response = await setup.press(setup.payload("resolve"), secret=secret, stamp=time.time() - age)
    assert response.status_code == 401 and response.json()["error"] == reason
    assert setup.outcomes == [reason]
    assert setup.store.book.incidents[setup.incident_id].status != RESOLVED
    assert setup.hooks.seen == []


async def test_an_unsigned_or_tampered_request_is_refused(setup: Setup) -> None:
    body = setup.payload("resolve")
    stamp = str(int(time.time()))
    signed = signature(SECRET.encode(), stamp, setup.payload("statement"))
    tampered = await setup.send(body, stamp, signed)
    unsigned = await setup.send(body, "", "")
    assert tampered.json()["error"] == "bad_signature" and unsigned.json()["error"] == "unsigned"
    assert setup.store.book.incidents[setup.incident_id].status != RESOLVED


async def test_someone_not_in_owners_is_told_alone_and_nothing_changes(setup: Setup) -> None:
    before = setup.store.book.incidents[setup.incident_id]
    response = await setup.press(setup.payload("ack", member="U999OUTSIDER"))
    assert response.status_code == 200
    assert setup.store.book.incidents[setup.incident_id] == before
    (told,) = setup.hooks.seen
    assert told.json()["response_type"] == "ephemeral"
    assert told.json()["replace_original"] is False
    assert setup.outcomes == ["unknown_person"]


async def test_silence_then_resolve_from_slack(setup: Setup) -> None:
    await setup.press(setup.payload("silence_1h"))
    (silence,) = setup.store.book.silences
    assert [str(m) for m in silence.matchers] == ["brand=intesa_sanpaolo"]
    assert silence.who == "maria.rossi"
    assert 3590 <= silence.until - time.time() <= 3600
    await setup.press(setup.payload("resolve"))
    incident = setup.store.book.incidents[setup.incident_id]
    assert incident.status == RESOLVED and incident.resolved_by == "maria.rossi"
    resolved = setup.hooks.seen[-1].json()
    assert not any(b.get("block_id") == ACTIONS_BLOCK for b in resolved["blocks"])
    late = await setup.press(setup.payload("ack"))
    assert late.status_code == 200
    assert "already resolved" in setup.hooks.seen[-1].json()["text"]


async def test_a_response_url_elsewhere_is_never_called(setup: Setup) -> None:
    body = setup.payload("ack").replace(b"127.0.0.1", b"evil.example")
    response = await setup.press(body)
    assert response.status_code == 400
    assert setup.store.book.incidents[setup.incident_id].status != ACKNOWLEDGED


async def test_the_same_press_sent_to_another_worker_changes_nothing_more(setup: Setup) -> None:
    other = SlackActions(
        SlackVerifier(SECRET), {MARIA: "maria.rossi"}, setup.store, setup.responder
    )  # another worker: it has not seen the request
    for action in ("statement", "silence_1h"):
        body = setup.payload(action)
        stamp = str(int(time.time()))
        signed = signature(SECRET.encode(), stamp, body)
        assert (await setup.send(body, stamp, signed)).status_code == 200
        headers = {"x-slack-request-timestamp": stamp, "x-slack-signature": signed,
                   "content-type": "application/x-www-form-urlencoded"}  # fmt: skip
        again = await other.handle(ApiRequest("POST", headers=headers, body=body))
        assert again.status == 200
        await setup.responder.drain()
    history = setup.store.book.incidents[setup.incident_id].history
    assert [t.kind for t in history].count("statement") == 1
    assert len(setup.store.book.silences) == 1
