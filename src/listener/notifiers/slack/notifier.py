"""Slack delivery: an incoming webhook, or the Web API with threads.

:class:`SlackWebhookNotifier` posts to one incoming webhook; every message stands alone in
the webhook's channel. :class:`SlackApiNotifier` calls ``chat.postMessage`` with a bot
token: the first message of an incident starts a thread, and every later one (escalated,
acknowledged, resolved) is posted in it, so a channel shows one line per incident.
Escalations, reminders and failed deliveries are also broadcast to the channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Final

import httpx
import orjson
from pydantic import SecretStr

from listener.notifiers.base import DeliveryError
from listener.notifiers.http import post
from listener.notifiers.message import Kind, Notification
from listener.notifiers.render import clean, render
from listener.notifiers.secrets import read_secret, read_url
from listener.notifiers.slack.config import SlackConfig
from listener.notifiers.slack.format import payload

#: Web API errors worth retrying; any other ``"ok": false`` answer needs a person.
RETRYABLE_API_ERRORS: Final = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
#: Thread replies of these kinds are also shown in the channel: someone new must look.
_BROADCAST: Final = frozenset({Kind.ESCALATED, Kind.REMINDER, Kind.DELIVERY_FAILED})


class SlackWebhookNotifier:
    """Posts Block Kit messages to one Slack incoming webhook."""

    def __init__(
        self,
        url: SecretStr,
        client: httpx.AsyncClient,
        *,
        timeout: float = 10.0,
        tz: tzinfo,
        buttons: bool = False,
    ) -> None:
        self._url = url
        self._client = client
        self._timeout = timeout
        self._tz = tz
        self._buttons = buttons

    async def send(self, message: Notification) -> None:
        """Post ``message`` once; raises DeliveryError when Slack does not answer 200."""
        body = orjson.dumps(payload(render(message, self._tz), message, self._buttons))
        await post(
            self._client,
            self._url.get_secret_value(),
            body=body,
            headers={"Content-Type": "application/json"},
            timeout=self._timeout,
            what="Slack webhook",
        )


@dataclass(frozen=True, slots=True)
class Thread:
    """Where an incident's first Slack message is: its channel id and timestamp."""

    channel: str
    ts: str


@dataclass
class SlackThreads:
    """Which Slack thread each incident lives in. Pure bookkeeping; the caller persists
    :meth:`to_dict` and forgets an incident when it is closed."""

    threads: dict[str, Thread] = field(default_factory=dict)

    def get(self, incident_id: str) -> Thread | None:
        return self.threads.get(incident_id)

    def start(self, incident_id: str, thread: Thread) -> None:
        self.threads.setdefault(incident_id, thread)

    def forget(self, incident_id: str) -> None:
        self.threads.pop(incident_id, None)

    def to_dict(self) -> dict[str, Any]:
        return {k: {"channel": t.channel, "ts": t.ts} for k, t in self.threads.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlackThreads:
        return cls({k: Thread(str(v["channel"]), str(v["ts"])) for k, v in data.items()})


class SlackApiNotifier:
    """Posts with ``chat.postMessage``, threading an incident's messages under its first."""

    def __init__(
        self,
        token: SecretStr,
        client: httpx.AsyncClient,
        *,
        channel: str,
        threads: SlackThreads,
        api_url: str = "https://slack.com/api",
        timeout: float = 10.0,
        tz: tzinfo,
        buttons: bool = False,
    ) -> None:
        self._buttons = buttons
        self._token = token
        self._client = client
        self._channel = channel
        self._threads = threads
        self._url = api_url.rstrip("/") + "/chat.postMessage"
        self._timeout = timeout
        self._tz = tz

    async def send(self, message: Notification) -> None:
        """Post ``message`` once, in its incident's thread when there is one; raises
        DeliveryError when Slack refuses it (HTTP error or ``"ok": false``)."""
        body = payload(render(message, self._tz), message, self._buttons)
        thread = self._threads.get(message.incident_id)
        if thread is None:
            body["channel"] = message.slack_channel or self._channel
        else:
            body |= {"channel": thread.channel, "thread_ts": thread.ts}
            body["reply_broadcast"] = message.kind in _BROADCAST
        response = await post(
            self._client,
            self._url,
            body=orjson.dumps(body),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self._token.get_secret_value()}",
            },
            timeout=self._timeout,
            what="Slack chat.postMessage",
        )
        answer = _answer(response)
        if thread is None:
            self._threads.start(message.incident_id, Thread(answer["channel"], answer["ts"]))


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise DeliveryError(
            "Slack chat.postMessage: the answer is not JSON", retryable=True
        ) from exc
    if not isinstance(data, dict):
        raise DeliveryError("Slack chat.postMessage: unexpected answer", retryable=True)
    if not data.get("ok"):
        error = clean(str(data.get("error", "unknown error")))[:100]
        raise DeliveryError(
            f"Slack chat.postMessage: {error}", retryable=error in RETRYABLE_API_ERRORS
        )
    if not isinstance(data.get("channel"), str) or not isinstance(data.get("ts"), str):
        raise DeliveryError(
            "Slack chat.postMessage: answer without channel and ts", retryable=False
        )
    return data


def slack_notifier(
    config: SlackConfig,
    environ: Mapping[str, str],
    client: httpx.AsyncClient,
    *,
    threads: SlackThreads,
    tz: tzinfo,
) -> SlackWebhookNotifier | SlackApiNotifier:
    """The notifier ``config`` describes; raises ConfigError if a named variable is unset."""
    buttons = config.signing_secret_env is not None
    if config.webhook_url_env is not None:
        url = read_url(environ, config.webhook_url_env, "the Slack incoming-webhook URL")
        return SlackWebhookNotifier(url, client, timeout=config.timeout, tz=tz, buttons=buttons)
    assert config.bot_token_env is not None and config.channel is not None  # the model says so
    token = read_secret(environ, config.bot_token_env, "the Slack bot token")
    return SlackApiNotifier(
        token,
        client,
        channel=config.channel,
        threads=threads,
        api_url=config.api_url,
        timeout=config.timeout,
        tz=tz,
        buttons=buttons,
    )
