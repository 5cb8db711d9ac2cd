"""A run's alerts and incidents as JSON and CSV, for spreadsheets and other tools.

Times are written twice: ISO 8601 in the run's time zone, and POSIX seconds. Durations
are minutes from the incident's onset. A CSV cell that a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

import orjson

from listener.records import Alert
from listener.replay.report.model import IncidentView

ALERT_COLUMNS = (
    "id", "fired_at", "ts", "brand", "severity", "rule", "window", "volume", "usual",
    "negative_share", "about",
)  # fmt: skip
INCIDENT_COLUMNS = (
    "id", "brand", "risk", "severity", "status", "onset", "opened_at", "detect_minutes",
    "levels", "acknowledge_minutes", "resolve_minutes", "recovery_minutes", "messages",
    "alerts", "about",
)  # fmt: skip


def _iso(ts: float | None, zone: tzinfo) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, zone).isoformat()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def alert_row(alert: Alert, zone: tzinfo) -> dict[str, Any]:
    ts = alert.fired_at.timestamp()
    return {
        "id": alert.id,
        "fired_at": _iso(ts, zone),
        "ts": ts,
        "brand": alert.brand,
        "severity": alert.severity,
        "rule": alert.rule,
        "window": alert.window,
        "volume": alert.figures.get("volume"),
        "usual": _round(alert.baseline.get("volume_baseline")),
        "negative_share": _round(alert.figures.get("negative_share")),
        "about": list(alert.about),
    }


def incident_row(incident: IncidentView, zone: tzinfo) -> dict[str, Any]:
    after = incident.after_onset
    return {
        "id": incident.id,
        "brand": incident.brand,
        "risk": incident.risk,
        "severity": incident.severity,
        "status": incident.status,
        "onset": _iso(incident.onset, zone),
        "opened_at": _iso(incident.opened_at, zone),
        "detect_minutes": _round(after(incident.opened_at)),
        "levels": {str(k): _round(after(v)) for k, v in sorted(incident.levels.items())},
        "acknowledge_minutes": _round(after(incident.acknowledged_at)),
        "resolve_minutes": _round(after(incident.resolved_at)),
        "recovery_minutes": _round(after(incident.recovered_at)),
        "messages": incident.messages,
        "alerts": len(incident.alerts),
        "about": incident.about,
    }


def to_json(rows: Sequence[Mapping[str, Any]]) -> bytes:
    return orjson.dumps(list(rows), option=orjson.OPT_INDENT_2)


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in columns])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        text = "; ".join(map(str, value))
    elif isinstance(value, dict):
        text = "; ".join(f"L{k} {v}" for k, v in value.items())
    else:
        text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
