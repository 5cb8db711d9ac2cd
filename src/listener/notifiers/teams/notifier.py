"""Microsoft Teams delivery: the notification as an Adaptive Card posted to a channel's
incoming webhook.

The card says what every channel says, most important first. All of its text, ours and the
posts', is in ``RichTextBlock``s of ``TextRun``s, where Teams reads no Markdown: a post
cannot make a link, a mention or bold text. The only link is to each sample post, as an
``Action.OpenUrl`` built from its http(s) address. A channel is read by more people than
those paged, so the card carries no acknowledge link ("Acknowledge in listener"), like a
webhook.

Answers: 2xx taken (an incoming webhook answers ``1``); 429 and 5xx tried again; any other
refused (a webhook removed answers 4xx and needs a person).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import tzinfo
from typing import Any, Final

import httpx
import orjson
from pydantic import SecretStr

from listener.notifiers.http import post
from listener.notifiers.message import Notification
from listener.notifiers.render import Rendered, render, safe_url, sample_byline
from listener.notifiers.secrets import read_url
from listener.notifiers.teams.config import TeamsConfig

CARD_TYPE: Final = "application/vnd.microsoft.card.adaptive"
SCHEMA: Final = "http://adaptivecards.io/schemas/adaptive-card.json"
#: Teams shows at most this many actions on a card.
MAX_ACTIONS: Final = 6
_COLOUR: Final = {"critical": "attention", "major": "attention", "warning": "warning"}


def _text(text: str, **style: Any) -> dict[str, Any]:
    """One paragraph of plain text: a RichTextBlock of one TextRun (no Markdown)."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}


def card(page: Rendered, severity: str) -> dict[str, Any]:
    """The Adaptive Card of a rendered notification."""
    title = _text(
        page.title, weight="bolder", size="medium", color=_COLOUR.get(severity, "default")
    )
    body = [title, _text(page.status), _text(page.summary)]
    if page.about:
        body.append(_text(f"About: {page.about}"))
    body += [_text(line) for line in (page.ack, page.next) if line]
    for sample in (*page.own_posts, *page.published, *page.samples):
        body.append({"type": "Container", "separator": True, "items": [
            _text(sample.text, italic=True), _text(sample_byline(sample), isSubtle=True),
        ]})  # fmt: skip
    if page.playbook:
        body.append(_text("What to do", weight="bolder"))
        body += [_text(f"{n}. {step}") for n, step in enumerate(page.playbook, 1)]
    body += [_text(f"{label}: {value}") for label, value in page.figures]
    body.append(_text(f"Why: {page.description}", isSubtle=True))
    body += [_text(f"{k}: {v}", isSubtle=True) for k, v in page.details]
    links = [("Incident page", page.page_url)]
    links += [(f"Open post {n}", safe_url(s.url)) for n, s in enumerate(page.samples, 1)]
    actions = [
        {"type": "Action.OpenUrl", "title": title, "url": url} for title, url in links if url
    ][:MAX_ACTIONS]
    return {"$schema": SCHEMA, "type": "AdaptiveCard", "version": "1.4", "body": body,
            "actions": actions, "msteams": {"width": "Full"}}  # fmt: skip


def message_body(message: Notification, tz: tzinfo) -> dict[str, Any]:
    """What the incoming webhook is sent: a message with the card as its one attachment."""
    page = render(replace(message, ack_url=None), tz)
    severity = message.severity or message.alert.severity
    attachment = {"contentType": CARD_TYPE, "contentUrl": None, "content": card(page, severity)}
    return {"type": "message", "summary": page.subject, "attachments": [attachment]}


class TeamsNotifier:
    """Posts cards to one Teams channel's incoming webhook."""

    def __init__(
        self, name: str, url: SecretStr, client: httpx.AsyncClient, *, timeout: float, tz: tzinfo
    ) -> None:
        self._name = name
        self._url = url
        self._client = client
        self._timeout = timeout
        self._tz = tz

    async def send(self, message: Notification) -> None:
        """Post ``message`` once; raises DeliveryError unless Teams answers 2xx."""
        await post(
            self._client,
            self._url.get_secret_value(),
            body=orjson.dumps(message_body(message, self._tz)),
            headers={"Content-Type": "application/json"},
            timeout=self._timeout,
            what=f"Teams {self._name}",
        )


def teams_notifier(
    name: str,
    config: TeamsConfig,
    environ: Mapping[str, str],
    client: httpx.AsyncClient,
    *,
    tz: tzinfo,
) -> TeamsNotifier:
    """The notifier ``config`` describes; raises ConfigError if its variable is unset."""
    url = read_url(environ, config.url_env, f"the webhook URL of Teams {name}")
    return TeamsNotifier(name, url, client, timeout=config.timeout, tz=tz)
