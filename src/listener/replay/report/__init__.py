"""What a run shows a person: the printed timeline, and the report files.

:func:`write_report` writes, for one run, ``report.html`` (one self-contained page: every
brand's figures on one time axis, each incident zoomed, the incident and alert tables),
one PNG per incident for a slide, and the alerts and incidents as JSON and CSV. It is
called by ``listener replay --run``, ``listener backtest`` and ``listener report``.
"""

from __future__ import annotations

from pathlib import Path

from listener.replay.report.chart import Axis
from listener.replay.report.export import (
    ALERT_COLUMNS,
    INCIDENT_COLUMNS,
    alert_row,
    incident_row,
    to_csv,
    to_json,
)
from listener.replay.report.model import Produced, brand_views, incident_views
from listener.replay.report.page import RunInfo, page
from listener.replay.report.png import incident_png
from listener.replay.report.text import format_alert, incident_timeline, timeline

__all__ = [
    "Produced",
    "RunInfo",
    "format_alert",
    "incident_timeline",
    "timeline",
    "write_report",
]


def write_report(produced: Produced, info: RunInfo, out: Path, pngs: bool = True) -> list[Path]:
    """Write the run's report files into ``out``; returns their paths, the page first."""
    out.mkdir(parents=True, exist_ok=True)
    incidents = incident_views(
        produced.transitions, produced.alerts, produced.notices, produced.stats,
        produced.channels,
    )  # fmt: skip
    brands = brand_views(produced.stats, produced.alerts, incidents)
    written = [out / "report.html"]
    written[0].write_text(page(info, brands), encoding="utf-8")
    alert_rows = [alert_row(a, info.zone) for a in produced.alerts]
    incident_rows = [incident_row(i, info.zone) for i in incidents]
    for name, rows, columns in (
        ("alerts", alert_rows, ALERT_COLUMNS),
        ("incidents", incident_rows, INCIDENT_COLUMNS),
    ):
        (out / f"{name}.json").write_bytes(to_json(rows))
        (out / f"{name}.csv").write_text(to_csv(rows, columns), encoding="utf-8")
        written += [out / f"{name}.json", out / f"{name}.csv"]
    if pngs:
        starts = [p.at for b in brands for p in b.points[:1]]
        ends = [p.at for b in brands for p in b.points[-1:]]
        whole = Axis(min(starts, default=0.0), max(ends, default=1.0), info.zone)
        for brand in brands:
            for incident in brand.incidents:
                name = f"{incident.id}.png".replace("/", "_")
                written.append(incident_png(brand, incident, whole, out / name))
    return written
