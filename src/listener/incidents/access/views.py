"""How incidents look from outside: JSON for the API and the command line (times as
RFC 3339 text, as people and other tools read them), and the two small HTML pages a
person sees after clicking a link in a notification."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from listener.incidents.lifecycle.model import Incident, Transition


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def incident_json(incident: Incident, full: bool = False) -> dict[str, Any]:
    """The incident as the API shows it: a summary, or with ``full`` its history and the
    newest alert's figures and sample posts."""
    data: dict[str, Any] = {
        "id": incident.id,
        "brand": incident.brand,
        "brand_name": incident.brand_name,
        "risk": incident.risk,
        "owners": incident.owners,
        "severity": incident.severity,
        "status": incident.status,
        "started_at": iso(incident.started_at),
        "opened_at": iso(incident.opened_at),
        "paging_from": iso(incident.paging_from),
        "acknowledged_by": incident.acknowledged_by,
        "acknowledged_at": iso(incident.acknowledged_at),
        "resolved_by": incident.resolved_by,
        "resolved_at": iso(incident.resolved_at),
        "recovered_at": iso(incident.recovered_at),
        "recovery_seconds": incident.recovery_seconds,
        "rules": list(incident.rules),
        "alerts": len(incident.alert_ids),
        "paged": list(incident.paged),
        "statement": statement_json(incident),
        "steps_done": list(incident.steps_done),
        "steps_late": list(incident.steps_late),
    }
    if full:
        latest = incident.latest
        data["description"] = latest.description
        data["figures"] = dict(latest.figures)
        data["baseline"] = dict(latest.baseline)
        data["samples"] = [
            {"author": s.author_handle, "text": s.text, "url": s.url, "created_at": s.created_at}
            for s in latest.samples
        ]
        data["history"] = [transition_json(t) for t in incident.history]
    return data


def statement_json(incident: Incident) -> dict[str, Any] | None:
    """The brand's statement, with its figures then and the newest since: the recovery."""
    if incident.statement_at is None:
        return None
    then, now = incident.statement_pulse, incident.pulse
    newer = now is not None and (then is None or now[0] > then[0])
    return {
        "at": iso(incident.statement_at),
        "by": incident.statement_by,
        "then": pulse_json(then),
        "since": pulse_json(now) if newer else None,
    }


def pulse_json(pulse: tuple[float, int, int] | None) -> dict[str, Any] | None:
    """(event time, posts, negative posts) of the brand's shortest window, as shown."""
    if pulse is None:
        return None
    at, volume, negative = pulse
    share = round(negative / volume, 3) if volume else None
    return {"at": iso(at), "volume": volume, "negative": negative, "negative_share": share}


def statement_text(statement: dict[str, Any] | None) -> str:
    """One line on the statement and the recovery since it, for pages and reports."""
    if statement is None:
        return "none seen yet"
    text = f"{statement['at']} ({statement['by']})"
    then, since = statement["then"], statement["since"]
    if then is not None and since is not None:
        text += (
            f"; since then {then['volume']} -> {since['volume']} posts in the shortest window, "
            f"negative share {_share(then)} -> {_share(since)} (at {since['at']})"
        )
    return text


def _share(pulse: dict[str, Any]) -> str:
    share = pulse["negative_share"]
    return "-" if share is None else f"{share:.0%}"


def transition_json(transition: Transition) -> dict[str, Any]:
    return {
        "kind": transition.kind,
        "status": transition.status,
        "who": transition.who,
        "event_at": iso(transition.event_at),
        "wall_at": iso(transition.wall_at),
        "detail": transition.detail,
        "level": transition.level,
    }


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 2em auto">
<h1>{title}</h1>
{content}
</body></html>
"""

_VERBS = {"ack": "Acknowledge", "resolve": "Resolve"}


def page(title: str, content: str) -> bytes:
    """A whole HTML page; ``content`` must already be escaped."""
    return _PAGE.format(title=html.escape(title), content=content).encode()


def confirm_page(incident: Incident, action: str, token: str, who: str) -> bytes:
    """The page a link opens: what the incident is, and one button that does the action.

    A link only shows this page; the button posts the token back. Mail scanners and chat
    previews fetch links but never press buttons, so they cannot act for anyone.
    """
    verb = _VERBS[action]
    summary = (
        f"<p><strong>{html.escape(incident.brand_name)}</strong>: "
        f"{html.escape(incident.risk)} ({html.escape(incident.severity)}), "
        f"{html.escape(incident.status)} since {iso(incident.opened_at)}.</p>"
        f"<p>{html.escape(incident.latest.description)}</p>"
    )
    form = (
        f'<form method="post"><input type="hidden" name="token" value="{html.escape(token)}">'
        f'<button type="submit">{verb} as {html.escape(who)}</button></form>'
    )
    return page(f"{verb} incident", summary + form)


def message_page(title: str, message: str) -> bytes:
    return page(title, f"<p>{html.escape(message)}</p>")
