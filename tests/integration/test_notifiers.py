"""The Slack and webhook notifiers and reliable delivery, against a real HTTP server on a
free 127.0.0.1 port (see notify_servers.py). Waits are measured, not assumed."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC

import httpx
import pytest
from notify_servers import (
    HOSTILE,
    Answer,
    Mailbox,
    Receiver,
    mail_config,
    notification,
    running,
    smtp_server,
)
from pydantic import SecretStr

from listener.notifiers import (
    DeliveryError,
    DeliveryLedger,
    Kind,
    Notifiers,
    RetryPolicy,
    Target,
    deliver,
    deliver_all,
    plan,
)
from listener.notifiers.email import email_notifier
from listener.notifiers.slack import SlackApiNotifier, SlackThreads, SlackWebhookNotifier
from listener.notifiers.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookNotifier,
    verify,
)

FAST = RetryPolicy(max_attempts=3, first_delay=0.2, max_delay=5, jitter=0)
SLACK = Target("slack", "default")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running(Receiver()) as receiver:
        yield receiver


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def slack_webhook(
    receiver: Receiver, client: httpx.AsyncClient, timeout: float = 5
) -> SlackWebhookNotifier:
    url = SecretStr(f"{receiver.url}/services/T000/B000/secret")
    return SlackWebhookNotifier(url, client, timeout=timeout, tz=UTC)


# --- Slack ------------------------------------------------------------------------------


async def test_slack_webhook_gets_block_kit_with_the_hostile_post_inert(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    await slack_webhook(receiver, client).send(notification())
    [request] = receiver.seen
    assert request.path == "/services/T000/B000/secret"
    raw = request.body.decode()
    assert "<!channel>" not in raw and "<http://evil" not in raw and "@here" not in raw
    assert "&lt;!channel&gt; @\u2060here &lt;http://evil.example|click&gt; now Bcc" in raw
    body = request.json()
    assert body["text"].startswith("[CRITICAL] Intesa Sanpaolo: negative surge — 22 posts")
    assert any(b["type"] == "section" for b in body["blocks"])
    assert "<https://listener.example.com/ack/inc-1|Acknowledge>" in raw


async def test_slack_web_api_threads_an_incident_under_its_first_message(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    receiver.default = Answer(
        body=b'{"ok": true, "channel": "C0CRISIS", "ts": "1740821400.000100"}'
    )
    threads = SlackThreads()
    slack = SlackApiNotifier(
        SecretStr("xoxb-test"),
        client,
        channel="#crisis",
        threads=threads,
        api_url=f"{receiver.url}/api",
        tz=UTC,
    )
    await slack.send(notification())
    await slack.send(notification(Kind.ESCALATED, level=2))
    await slack.send(notification(Kind.ACKNOWLEDGED))
    first, escalated, acknowledged = (s.json() for s in receiver.seen)
    assert receiver.seen[0].path == "/api/chat.postMessage"
    assert receiver.seen[0].headers["authorization"] == "Bearer xoxb-test"
    assert first["channel"] == "#crisis" and "thread_ts" not in first
    assert escalated["channel"] == "C0CRISIS" and escalated["thread_ts"] == "1740821400.000100"
    assert escalated["reply_broadcast"] is True and acknowledged["reply_broadcast"] is False
    assert threads.to_dict() == {"inc-1": {"channel": "C0CRISIS", "ts": "1740821400.000100"}}


@pytest.mark.parametrize(
    ("error", "retryable"), [("channel_not_found", False), ("internal_error", True)]
)
async def test_slack_web_api_refusals_say_whether_to_retry(
    receiver: Receiver, client: httpx.AsyncClient, error: str, retryable: bool
) -> None:
    receiver.default = Answer(body=json.dumps({"ok": False, "error": error}).encode())
    slack = SlackApiNotifier(
        SecretStr("xoxb-test"),
        client,
        channel="#crisis",
        threads=SlackThreads(),
        api_url=receiver.url,
        tz=UTC,
    )
    with pytest.raises(DeliveryError) as caught:
        await slack.send(notification())
    assert caught.value.retryable is retryable
    assert str(caught.value) == f"Slack chat.postMessage: {error}"


# --- retries, Retry-After, timeouts, giving up ---------------------------------------------


async def test_a_500_is_retried_after_the_backoff(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    receiver.answers.append(Answer(500, b"rollup_error"))
    result = await deliver(
        slack_webhook(receiver, client), notification(), SLACK, DeliveryLedger(), FAST
    )
    assert result.delivered and len(receiver.seen) == 2
    assert [a.outcome for a in result.attempts] == ["retrying", "delivered"]
    assert result.attempts[0].error == "Slack webhook: HTTP 500: rollup_error"
    assert 0.2 <= receiver.gaps()[0] < 0.2 + 0.5


async def test_a_429_waits_as_long_as_retry_after_says(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    receiver.answers.append(Answer(429, b"rate_limited", {"Retry-After": "1"}))
    result = await deliver(
        slack_webhook(receiver, client), notification(), SLACK, DeliveryLedger(), FAST
    )
    assert result.delivered
    assert result.attempts[0].wait == 1.0
    # Never earlier than asked, and not much later either.
    assert 1.0 <= receiver.gaps()[0] < 1.0 + 0.5


async def test_a_receiver_that_does_not_answer_in_time_is_a_retryable_timeout(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    receiver.answers.append(Answer(delay=1.0))
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        await slack_webhook(receiver, client, timeout=0.3).send(notification())
    assert time.monotonic() - started < 0.9
    assert caught.value.retryable and str(caught.value) == "Slack webhook: no answer within 0.3s"
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


async def test_it_gives_up_after_max_attempts_with_every_attempt_recorded(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    receiver.default = Answer(503, b"service unavailable")
    ledger = DeliveryLedger()
    result = await deliver(slack_webhook(receiver, client), notification(), SLACK, ledger, FAST)
    assert result.failed and result.retryable and len(receiver.seen) == 3
    assert [(a.attempt, a.outcome) for a in result.attempts] == [
        (1, "retrying"),
        (2, "retrying"),
        (3, "gave_up"),
    ]
    assert all(a.error == "Slack webhook: HTTP 503: service unavailable" for a in result.attempts)
    assert all(0.2 <= gap < 0.7 for gap in receiver.gaps())
    assert ledger.settled[result.key] == "failed"


async def test_a_bad_request_is_not_retried(receiver: Receiver, client: httpx.AsyncClient) -> None:
    receiver.default = Answer(400, b"invalid_payload")
    result = await deliver(
        slack_webhook(receiver, client), notification(), SLACK, DeliveryLedger(), FAST
    )
    assert result.failed and not result.retryable and len(receiver.seen) == 1


async def test_a_refused_connection_is_retryable(client: httpx.AsyncClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: nothing listens there
    hook = WebhookNotifier("down", SecretStr(f"http://127.0.0.1:{port}/"), client, tz=UTC)
    with pytest.raises(DeliveryError) as caught:
        await hook.send(notification())
    assert caught.value.retryable and str(caught.value).startswith("webhook down: ConnectError")


async def test_a_repeated_transition_reaches_the_receiver_once(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    ledger, slack = DeliveryLedger(), slack_webhook(receiver, client)
    results = [await deliver(slack, notification(), SLACK, ledger, FAST) for _ in range(3)]
    assert [r.status for r in results] == ["delivered", "duplicate", "duplicate"]
    assert len(receiver.seen) == 1


# --- webhooks ---------------------------------------------------------------------------


async def test_a_receiver_can_verify_the_signature_and_the_time(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    hook = WebhookNotifier(
        "ops-bridge",
        SecretStr(f"{receiver.url}/hook"),
        client,
        secret=SecretStr("shh"),
        tz=UTC,
        clock=lambda: 1740821405.7,
    )
    await hook.send(notification())
    [request] = receiver.seen
    # What a receiver written in any language does: HMAC-SHA256 of the raw body, hex.
    expected = "sha256=" + hmac.new(b"shh", request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER.lower()] == expected
    assert verify(b"shh", request.body, expected)
    assert not verify(b"wrong", request.body, request.headers[SIGNATURE_HEADER.lower()])
    body = request.json()
    assert request.headers[TIMESTAMP_HEADER.lower()] == "1740821405" == str(body["sent_at"])
    assert json.loads(request.headers[DELIVERY_HEADER.lower()]) == [
        "inc-1",
        "opened.0",
        1,
        "webhook",
        "ops-bridge",
    ]
    assert body["notification"]["incident_id"] == "inc-1"
    assert body["notification"]["alert"]["samples"][0]["text"] == HOSTILE


async def test_an_unsigned_webhook_sends_no_signature(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    await WebhookNotifier("plain", SecretStr(receiver.url), client, tz=UTC).send(notification())
    assert SIGNATURE_HEADER.lower() not in receiver.seen[0].headers


# --- everything at once -----------------------------------------------------------------


async def test_one_transition_fans_out_to_slack_email_and_a_webhook(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    box = Mailbox()
    with smtp_server(box) as port:
        await fan_out(receiver, client, box, port)


async def fan_out(receiver: Receiver, client: httpx.AsyncClient, box: Mailbox, port: int) -> None:
    notifiers = Notifiers(
        slack=slack_webhook(receiver, client),
        email=email_notifier(mail_config(port), {}, tz=UTC),
        webhooks={
            "ops-bridge": WebhookNotifier("ops-bridge", SecretStr(receiver.url), client, tz=UTC)
        },
    )
    routes = plan(notification(), notifiers, webhooks=["ops-bridge"])
    ledger = DeliveryLedger()
    results = await deliver_all(routes, notifiers, ledger, FAST)
    assert [r.status for r in results] == ["delivered"] * 4
    assert sorted(rcpt for _, [rcpt], _ in box.mails) == ["luca@example.com", "maria@example.com"]
    assert len(receiver.seen) == 2
    again = await deliver_all(routes, notifiers, ledger, FAST)
    assert [r.status for r in again] == ["duplicate"] * 4 and len(receiver.seen) == 2
