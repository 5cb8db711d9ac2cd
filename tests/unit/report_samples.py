"""A small run as the report reads it: one brand in a wave, one calm brand, alerts, one
incident paged at two levels and acknowledged, and its notifications.

The figures the report must show follow from the constants here, not from the report's
code: the wave starts at ONSET, the incident opens at ONSET + 8 min, level 2 is paged at
ONSET + 18 min, it is acknowledged at ONSET + 25 min and recovers at ONSET + 95 min. One
sample post is hostile markup with a javascript: link.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from listener.incidents.lifecycle.actions import Notify
from listener.incidents.lifecycle.model import Incident, Transition
from listener.records import Alert, SamplePost
from listener.replay.report import Produced

START: Final = datetime(2024, 3, 5, 8, 0, tzinfo=UTC).timestamp()  # 09:00 in Rome
ONSET: Final = START + 120 * 60
MINUTES: Final = 300
HOSTILE: Final = '<script>alert("x")</script><img src="http://evil.example/x.png">'
#: Alert times, minutes after the onset: two close together, so drawn as one marker.
ALERT_MINUTES: Final = (8, 9, 40)
SEVERITIES: Final = ("major", "critical", "warning")
PAGED: Final = {1: 8, 2: 18}
ACKNOWLEDGED: Final = 25
RECOVERED: Final = 95
#: People told per notification, and each person's channels: 2 + 1 at opening, 1 at
#: level 2, 3 on acknowledgement.
PEOPLE: Final = {"ana": 2, "ben": 1, "cy": 1}
#: When the brand's own account posted.
OWN_POSTS: Final = (START + 30 * 60, ONSET + 50 * 60)


def window(volume: float, usual: float, negative: float) -> dict[str, float]:
    return {
        "volume": volume, "volume_baseline": usual, "unknown": 0.0,
        "negative_share": negative / volume if volume else 0.0,
        "mean_sentiment": -0.5 * negative / volume if volume else 0.0,
    }  # fmt: skip


def stats() -> list[dict[str, Any]]:
    """Every minute of both brands; acme's volume rises from the onset for an hour, it
    has no post at all for ten minutes before the onset, and it posts at OWN_POSTS."""
    out = []
    for minute in range(MINUTES):
        end = START + 60 * (minute + 1)
        in_wave = ONSET <= end < ONSET + 3600
        silent = ONSET - 600 <= end < ONSET
        volume = 0.0 if silent else (40.0 if in_wave else 3.0)
        negative = 30.0 if in_wave else 0.0
        windows = {size: window(volume, 3.0, negative) for size in ("300", "900", "3600")}
        posted = [at for at in OWN_POSTS if at <= end]
        for w in windows.values():
            w["minutes_since_brand_post"] = (end - posted[-1]) / 60 if posted else None
        wave = ONSET if ONSET <= end < ONSET + 5400 else None
        out.append({"brand": "acme", "end": end, "windows": windows, "wave_since": wave})
        calm = {size: window(2.0, 2.0, 0.0) for size in ("300", "900", "3600")}
        out.append({"brand": "calmco", "end": end, "windows": calm, "wave_since": None})
    return out


def alert(minutes: int, severity: str, text: str = "Acme ruined my day") -> Alert:
    at = datetime.fromtimestamp(ONSET + 60 * minutes, UTC)
    sample = SamplePost(
        key=f"x:{minutes}", source="x", created_at=at.isoformat(), author_handle="<b>eve</b>",
        author_followers=1000 + minutes, text=text, url="javascript:alert(1)",
        compound=-0.8, label="negative",
    )  # fmt: skip
    return Alert(
        id=f"alert-{minutes}", rule="negative-surge", description="Far more negative posts",
        brand="acme", brand_name="Acme & Co", severity=severity, fired_at=at, window="5m",
        condition="negative >= 6", figures={"volume": 40.0, "negative_share": 0.75},
        baseline={"volume_baseline": 3.0}, samples=(sample,), owners="crisis",
        first_true_at=at, about=("refund", "outage", "<i>term</i>"),
    )  # fmt: skip


def alerts() -> list[Alert]:
    out = [alert(m, s) for m, s in zip(ALERT_MINUTES, SEVERITIES, strict=True)]
    out[1] = alert(ALERT_MINUTES[1], SEVERITIES[1], HOSTILE)
    return out


def _at(minutes: int) -> float:
    return ONSET + 60 * minutes


def _t(kind: str, minutes: int, level: int | None = None, who: str = "listener") -> Transition:
    return Transition(kind, "open", who, ONSET + 60 * minutes, 0.0, "", level)


def incident_records(fired: list[Alert]) -> list[dict[str, Any]]:
    base = Incident(
        id="acme.outage.1", brand="acme", brand_name="Acme & Co", risk="outage",
        owners="crisis", severity="critical", status="open", started_at=ONSET + 8 * 60,
        opened_at=ONSET + 8 * 60, rules=("negative-surge",),
        alert_ids=tuple(a.id for a in fired), latest=fired[-1], last_evidence_at=ONSET,
    )  # fmt: skip
    steps = [
        (_t("opened", PAGED[1]), {}),
        (_t("paged", PAGED[1], 1), {}),
        (_t("updated", ALERT_MINUTES[1]), {}),
        (_t("paged", PAGED[2], 2), {}),
        (_t("acknowledged", ACKNOWLEDGED, who="ana"), {"acknowledged_at": _at(ACKNOWLEDGED)}),
        (_t("updated", ALERT_MINUTES[2]), {"recovered_at": _at(RECOVERED)}),
    ]  # fmt: skip
    records, incident = [], base
    for transition, changes in steps:
        incident = incident.with_transition(transition, **changes)
        records.append({"incident": incident.to_dict(), "transition": transition.to_dict()})
    return records


def notices(records: list[dict[str, Any]]) -> list[Notify]:
    incident = Incident.from_dict(records[-1]["incident"])
    told = [("opened", 1, ("ana", "ben"), PAGED[1]), ("escalated", 2, ("cy",), PAGED[2]),
            ("acknowledged", 2, ("ana", "ben", "cy"), ACKNOWLEDGED)]  # fmt: skip
    return [
        Notify(f"n{i}", kind, replace(incident), level, people, ONSET + 60 * m, ())
        for i, (kind, level, people, m) in enumerate(told)
    ]


#: Messages the incident sent: each notification once per channel of each person told.
MESSAGES: Final = (2 + 1) + 1 + (2 + 1 + 1)


def sample_run() -> Produced:
    fired = alerts()
    records = incident_records(fired)
    return Produced(fired, stats(), records, notices(records), dict(PEOPLE))
