"""What a run's report shows, worked out from what the pipeline produced.

Pure: built from the run's alerts, judged windows (the ``window-stats`` topic), incident
records (the ``incidents`` topic) and notifications, with no I/O, so every figure of the
page can be tested without a broker. Times stay POSIX seconds of event time here; the
page writes them in the run's time zone.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from listener.incidents.lifecycle.actions import Notify
from listener.records import Alert, SamplePost

#: Severities from the least to the most severe.
SEVERITIES: Final = ("info", "warning", "major", "critical")
#: Incident transitions marked on the time axis (``updated`` is one more alert: the alert
#: itself is marked).
MARKED: Final = frozenset(
    {"opened", "risk_raised", "paged", "acknowledged", "resolved", "delivery_failed"}
)
#: How many of an incident's posts the report quotes, and how many rising terms.
TOP_POSTS: Final = 5
TOP_TERMS: Final = 12
#: How much of an incident its zoomed chart shows: a crisis's first hours are what a
#: person reads, and an incident left open for days would otherwise squeeze them again.
ZOOM_SECONDS: Final = 6 * 3600


@dataclass(frozen=True)
class Produced:
    """What one run of the pipeline produced, as read back from its topics."""

    alerts: Sequence[Alert]
    #: Judged windows (records of the window-stats topic).
    stats: Sequence[Mapping[str, Any]]
    #: Incident records (of the incidents topic), in the order they were made.
    transitions: Sequence[Mapping[str, Any]]
    notices: Sequence[Notify] = ()
    #: Channels of each person of owners.yaml, to count messages (1 when not known).
    channels: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Point:
    """One judged window of a brand: its end and the figures the charts draw."""

    at: float
    volume: float
    usual: float
    #: None when no post of the window could be scored: nothing to draw there.
    negative_share: float | None
    sentiment: float | None


@dataclass(frozen=True, slots=True)
class Mark:
    """Something that happened at one moment: an alert, or an incident transition."""

    at: float
    kind: str  # "alert" or the transition kind
    label: str
    severity: str = "info"
    level: int | None = None


@dataclass
class IncidentView:
    """One incident as the report shows it, with the figures of its table row."""

    id: str
    brand: str
    brand_name: str
    risk: str
    severity: str
    status: str
    onset: float
    opened_at: float
    levels: dict[int, float] = field(default_factory=dict)  # first page of each level
    acknowledged_at: float | None = None
    resolved_at: float | None = None
    recovered_at: float | None = None
    last_at: float = 0.0  # its last transition or alert
    messages: int = 0
    alerts: list[Alert] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    def after_onset(self, moment: float | None) -> float | None:
        """Minutes from the onset to ``moment``."""
        return None if moment is None else (moment - self.onset) / 60

    @property
    def about(self) -> list[str]:
        """The rising terms its alerts carried, the most often carried first."""
        counts = Counter(term for alert in self.alerts for term in alert.about)
        return [term for term, _ in counts.most_common(TOP_TERMS)]

    @property
    def top_posts(self) -> list[SamplePost]:
        """Its alerts' most damaging posts, each once, by the reach of their authors."""
        seen: dict[str, SamplePost] = {}
        for alert in self.alerts:
            for post in alert.samples:
                seen.setdefault(post.key, post)
        ranked = sorted(seen.values(), key=lambda p: (-(p.author_followers or 0), p.key))
        return ranked[:TOP_POSTS]

    @property
    def span(self) -> tuple[float, float]:
        """From the onset to its last event (or recovery, or resolution), at least an hour."""
        end = max(self.last_at, self.recovered_at or 0.0, self.resolved_at or 0.0)
        return self.onset, max(end, self.onset + 3600)

    @property
    def zoom(self) -> tuple[float, float]:
        """What its zoomed chart shows: its span, up to ZOOM_SECONDS from the onset."""
        start, end = self.span
        return start, min(end, start + ZOOM_SECONDS)


@dataclass
class BrandView:
    """A brand of the run: its windows, its own posts, its alerts and incidents."""

    brand: str
    name: str
    points: list[Point]
    own_posts: list[float]
    alerts: list[Alert]
    incidents: list[IncidentView]
    window: int  # seconds: the window the volume is drawn for
    tone_window: int  # seconds: the window the negative share and sentiment are drawn for


def brand_points(stats: Iterable[Mapping[str, Any]], brand: str) -> tuple[list[Point], int, int]:
    """The brand's judged windows in event-time order: the volume of the shortest window
    size, the tone (negative share, sentiment) of the middle one, less jumpy; and both
    sizes."""
    rows = sorted((s for s in stats if s["brand"] == brand), key=lambda s: s["end"])
    if not rows:
        return [], 0, 0
    sizes = sorted(rows[0]["windows"], key=int)
    size, tone = sizes[0], sizes[len(sizes) // 2]
    points = []
    for row in rows:
        w, t = row["windows"][size], row["windows"][tone]
        scored = t["volume"] - t.get("unknown", 0.0)
        points.append(
            Point(
                at=float(row["end"]),
                volume=float(w["volume"]),
                usual=float(w["volume_baseline"]),
                negative_share=float(t["negative_share"]) if scored > 0 else None,
                sentiment=float(t["mean_sentiment"]) if scored > 0 else None,
            )
        )
    return points, int(size), int(tone)


def own_post_times(stats: Iterable[Mapping[str, Any]], brand: str) -> list[float]:
    """When the brand answered from its own account, as the windows saw it: each window
    tells how long ago the brand last answered, so each distinct moment is one answer (two
    within the same minute count once)."""
    found: set[float] = set()
    for row in stats:
        if row["brand"] != brand:
            continue
        w = row["windows"][min(row["windows"], key=int)]
        minutes = w.get("minutes_since_brand_post")
        if minutes is not None and math.isfinite(minutes):
            found.add(round(row["end"] - minutes * 60))
    return sorted(found)


def onset_of(incident: Mapping[str, Any], stats: Sequence[Mapping[str, Any]]) -> float:
    """When the trouble began: the start of the wave the brand's windows were in when the
    incident opened, else when its first alert's condition began holding."""
    opened = incident["opened_at"]
    after = [s for s in stats if s["brand"] == incident["brand"] and s["end"] >= opened]
    at_opening = min(after, key=lambda s: s["end"]) if after else None
    since = None if at_opening is None else at_opening.get("wave_since")
    if since is not None and since <= opened:
        return float(since)
    return float(incident["started_at"])


def incident_views(
    records: Sequence[Mapping[str, Any]],
    alerts: Sequence[Alert],
    notices: Sequence[Notify],
    stats: Sequence[Mapping[str, Any]],
    channels: Mapping[str, int] | None = None,
) -> list[IncidentView]:
    """Every incident of the run, in the order they opened."""
    by_id: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_id.setdefault(record["incident"]["id"], []).append(record)
    alert_of = {alert.id: alert for alert in alerts}
    views = [_view(history, alert_of, stats) for history in by_id.values()]
    for view in views:
        told = [n for n in notices if n.incident.id == view.id]
        view.messages = sum(
            (channels or {}).get(person, 1) for notice in told for person in notice.people
        )
    return sorted(views, key=lambda v: (v.opened_at, v.id))


def _view(
    history: Sequence[Mapping[str, Any]],
    alert_of: Mapping[str, Alert],
    stats: Sequence[Mapping[str, Any]],
) -> IncidentView:
    last = history[-1]["incident"]
    view = IncidentView(
        id=last["id"], brand=last["brand"], brand_name=last["brand_name"], risk=last["risk"],
        severity=last["severity"], status=last["status"], onset=onset_of(last, stats),
        opened_at=float(last["opened_at"]), acknowledged_at=last.get("acknowledged_at"),
        resolved_at=last.get("resolved_at"), recovered_at=last.get("recovered_at"),
    )  # fmt: skip
    view.alerts = sorted(
        (alert_of[i] for i in last["alert_ids"] if i in alert_of), key=lambda a: a.fired_at
    )
    for record in history:
        t = record["transition"]
        view.last_at = max(view.last_at, float(t["event_at"]))
        if t["kind"] == "paged" and t.get("level") is not None:
            view.levels.setdefault(int(t["level"]), float(t["event_at"]))
        if t["kind"] in MARKED:
            view.marks.append(_transition_mark(t, record["incident"]["severity"]))
    if view.recovered_at is not None:
        view.marks.append(Mark(view.recovered_at, "recovered", "figures back to normal"))
    if view.alerts:
        view.last_at = max(view.last_at, view.alerts[-1].fired_at.timestamp())
    return view


def _transition_mark(t: Mapping[str, Any], severity: str) -> Mark:
    kind = t["kind"]
    label = f"level {t['level']} paged" if kind == "paged" else kind.replace("_", " ")
    if t.get("detail"):
        label = f"{label}: {t['detail']}"
    if t.get("who") not in (None, "listener"):
        label = f"{label} (by {t['who']})"
    return Mark(float(t["event_at"]), kind, label, severity, t.get("level"))


def alert_mark(alert: Alert) -> Mark:
    about = f"; about {', '.join(alert.about[:5])}" if alert.about else ""
    return Mark(
        alert.fired_at.timestamp(), "alert", f"{alert.severity} alert {alert.rule}{about}",
        alert.severity,
    )  # fmt: skip


def brand_views(
    stats: Sequence[Mapping[str, Any]],
    alerts: Sequence[Alert],
    incidents: Sequence[IncidentView],
) -> list[BrandView]:
    """Every brand the windows judged or an alert named, each with its own part of the
    run: brands that never alerted are drawn too."""
    names = {a.brand: a.brand_name for a in alerts}
    names.update({i.brand: i.brand_name for i in incidents})
    brands = sorted({s["brand"] for s in stats} | set(names))
    views = []
    for brand in brands:
        points, window, tone = brand_points(stats, brand)
        views.append(
            BrandView(
                brand=brand, name=names.get(brand, brand), points=points,
                own_posts=own_post_times(stats, brand),
                alerts=[a for a in alerts if a.brand == brand],
                incidents=[i for i in incidents if i.brand == brand], window=window,
                tone_window=tone,
            )
        )  # fmt: skip
    return views


def worst(severities: Iterable[str]) -> str:
    """The most severe of ``severities`` (info when there are none)."""
    ranked = [SEVERITIES.index(s) for s in severities if s in SEVERITIES]
    return SEVERITIES[max(ranked)] if ranked else "info"
