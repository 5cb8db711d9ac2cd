"""What a replay prints: the alert timeline and each incident's life, in event time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from listener.records import Alert

_SEVERITY_MARK = {"critical": "!!!", "major": "!! ", "warning": "!  ", "info": ".  "}


def _local(ts: datetime, zone: tzinfo | None) -> str:
    if zone is not None:
        ts = ts.astimezone(zone)
    return ts.strftime("%Y-%m-%d %H:%M %z")


def format_alert(alert: Alert, zone: tzinfo | None = None) -> list[str]:
    """A few lines a person can act on: what, how bad, the figures against the usual, who."""
    fig, base = alert.figures, alert.baseline
    lines = [
        f"{_SEVERITY_MARK.get(alert.severity, '   ')} {_local(alert.fired_at, zone)}  "
        f"{alert.severity.upper():8} {alert.brand_name}: {alert.description}",
        f"      rule {alert.rule} ({alert.window} window): {alert.condition}",
        f"      {fig.get('volume', 0):.0f} posts vs {base.get('volume_baseline', 0):.1f} usual "
        f"({fig.get('volume_ratio', 0):.1f}x, z={fig.get('volume_z', 0):.1f}); "
        f"negative {fig.get('negative_share', 0):.0%}, "
        f"{fig.get('unknown', 0):.0f} not scored; authors {fig.get('unique_authors', 0):.0f}; "
        f"reach {fig.get('reach', 0):,.0f}",
        f"      owners: {alert.owners}; condition true since {_local(alert.first_true_at, zone)}",
    ]
    if alert.about:
        lines.insert(3, f"      about: {', '.join(alert.about)}")
    for own in alert.own_posts:
        text = " ".join(own.text.split())
        lines.append(f"      ! own account @{own.author_handle or '?'}: {text[:110]}")
    for own in alert.published:
        text = " ".join(own.text.split())
        lines.append(f"      ~ the brand posted, answering nobody: {text[:110]}")
    for sample in alert.samples:
        who = sample.author_handle or "?"
        followers = sample.author_followers if sample.author_followers is not None else "?"
        text = " ".join(sample.text.split())
        lines.append(f"      > @{who} ({followers} followers): {text[:110]}")
    return lines


def timeline(alerts: Sequence[Alert], zone: tzinfo | None = None) -> str:
    if not alerts:
        return "no alerts"
    out: list[str] = []
    for alert in alerts:
        out.extend(format_alert(alert, zone))
    return "\n".join(out)


#: Transitions shown in a timeline; the others are counted ("updated": one more alert).
_SHOWN = (
    "opened", "risk_raised", "paged", "page_silenced", "delivery_failed", "acknowledged",
    "resolved",
)  # fmt: skip


def _event_time(ts: float, zone: tzinfo | None) -> str:
    return _local(datetime.fromtimestamp(ts, UTC), zone)


def incident_timeline(transitions: Sequence[dict[str, Any]], zone: tzinfo | None = None) -> str:
    """Each incident's life in event time: opened, who was paged at each level and when,
    who acknowledged, how it closed; a run of reminders is one line. ``transitions`` are
    records of the incidents topic."""
    if not transitions:
        return "no incidents"
    by_incident: dict[str, list[dict[str, Any]]] = {}
    for record in transitions:
        by_incident.setdefault(record["incident"]["id"], []).append(record)
    out: list[str] = []
    for incident_id, records in by_incident.items():
        last = records[-1]["incident"]
        out.append(
            f"{incident_id}  {last['brand_name']}: {last['risk']} ({last['severity']}), "
            f"owners {last['owners']}, now {last['status']}"
        )
        shown = [r["transition"] for r in records if r["transition"]["kind"] in _SHOWN]
        out.extend(_lines(shown, zone))
        gathered = sum(1 for r in records if r["transition"]["kind"] == "updated")
        if gathered:
            out.append(f"      ({gathered} more alerts gathered into it)")
    return "\n".join(out)


def _lines(transitions: Sequence[dict[str, Any]], zone: tzinfo | None) -> list[str]:
    lines: list[str] = []
    run: list[dict[str, Any]] = []
    for transition in [*transitions, None]:
        if transition is not None and str(transition["detail"]).startswith("reminder:"):
            run.append(transition)
            continue
        if len(run) > 1:
            lines.append(_reminders(run, zone))
        else:
            lines.extend(_transition_line(t, zone) for t in run)
        run = []
        if transition is not None:
            lines.append(_transition_line(transition, zone))
    return lines


def _reminders(run: Sequence[dict[str, Any]], zone: tzinfo | None) -> str:
    """A run of reminders as one line: nobody answered, round after round."""
    first, end = (_event_time(t["event_at"], zone) for t in (run[0], run[-1]))
    levels = ", ".join(str(level) for level in sorted({t["level"] for t in run}))
    return (
        f"  {first}  {'reminders':<16} {len(run)} rounds to levels {levels} while nobody "
        f"acknowledged, the last at {end}"
    )


def _transition_line(transition: dict[str, Any], zone: tzinfo | None) -> str:
    kind = transition["kind"]
    what = f"level {transition['level']} paged" if kind == "paged" else kind
    detail = transition["detail"]
    if transition["who"] != "listener":
        detail = f"by {transition['who']}: {detail}" if detail else f"by {transition['who']}"
    return f"  {_event_time(transition['event_at'], zone)}  {what:<16} {detail}"
