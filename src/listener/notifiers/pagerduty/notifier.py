"""PagerDuty delivery through the Events API v2: one PagerDuty alert per incident.

Every notification of an incident is one event with the incident id as ``dedup_key``, so
PagerDuty keeps one alert per incident whatever the number of pages: a page (opened,
escalated, a reminder, the brand silent, a failed delivery) is a ``trigger``, which PagerDuty
adds to the open alert of that key; the acknowledgement is ``acknowledge`` and the
resolution ``resolve``, so the PagerDuty alert follows the incident.

The summary is the subject of every channel, built from the severity, brand, rule and
figures, never from post text; the event carries no acknowledge link (PagerDuty is a
system, not one of the people paged). Answers: 202 taken; 400 the event is refused (not
retried); 429 and 5xx tried again, after ``Retry-After`` when given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any, Final

import httpx
import orjson
from pydantic import SecretStr

from listener.notifiers.http import post
from listener.notifiers.message import NEEDS_ACTION, Kind, Notification
from listener.notifiers.pagerduty.config import PagerDutyConfig
from listener.notifiers.render import render
from listener.notifiers.secrets import read_secret

#: listener's severities as PagerDuty names them.
SEVERITY: Final = {"critical": "critical", "major": "error", "warning": "warning", "info": "info"}
#: PagerDuty refuses a longer summary.
MAX_SUMMARY: Final = 1024


def action(kind: Kind) -> str:
    """The event action of a notification of ``kind``."""
    if kind == Kind.ACKNOWLEDGED:
        return "acknowledge"
    if kind == Kind.RESOLVED:
        return "resolve"
    assert kind in NEEDS_ACTION, kind
    return "trigger"


def event(message: Notification, routing_key: str, tz: tzinfo) -> dict[str, Any]:
    """The Events API v2 body of ``message``."""
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": action(message.kind),
        "dedup_key": message.incident_id,
    }
    if body["event_action"] != "trigger":
        return body
    page = render(message, tz)
    alert = message.alert
    details: dict[str, Any] = {
        "status": page.status, "summary": page.summary, "next": page.next,
        "figures": dict(page.figures), "playbook": list(page.playbook),
        "incident": message.incident_id, "risk": message.risk, "level": message.level,
    }  # fmt: skip
    body["payload"] = {
        "summary": page.subject[:MAX_SUMMARY],
        "source": f"listener/{alert.brand}",
        "severity": SEVERITY.get(message.severity or alert.severity, "warning"),
        "timestamp": message.at.isoformat(),
        "component": alert.brand,
        "group": alert.owners,
        "class": alert.rule,
        "custom_details": details,
    }
    body["client"] = "listener"
    if page.page_url:
        body["links"] = [{"href": page.page_url, "text": "Incident page"}]
    return body


class PagerDutyNotifier:
    """Sends events to one PagerDuty service."""

    def __init__(
        self,
        name: str,
        routing_key: SecretStr,
        client: httpx.AsyncClient,
        *,
        url: str,
        timeout: float = 10.0,
        tz: tzinfo,
    ) -> None:
        self._name = name
        self._key = routing_key
        self._client = client
        self._url = url
        self._timeout = timeout
        self._tz = tz

    async def send(self, message: Notification) -> None:
        """Send ``message``'s event once; raises DeliveryError unless PagerDuty takes it."""
        body = event(message, self._key.get_secret_value(), self._tz)
        await post(
            self._client,
            self._url,
            body=orjson.dumps(body),
            headers={"Content-Type": "application/json"},
            timeout=self._timeout,
            what=f"PagerDuty {self._name}",
        )


def pagerduty_notifier(
    name: str,
    config: PagerDutyConfig,
    environ: Mapping[str, str],
    client: httpx.AsyncClient,
    *,
    tz: tzinfo,
) -> PagerDutyNotifier:
    """The notifier ``config`` describes; raises ConfigError if its variable is unset."""
    key = read_secret(environ, config.routing_key_env, f"the routing key of PagerDuty {name}")
    return PagerDutyNotifier(name, key, client, url=config.url, timeout=config.timeout, tz=tz)
