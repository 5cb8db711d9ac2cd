"""One PNG per incident, for a slide: the incident's span, not the whole run.

The chart spans the incident from two hours before its onset to an hour after its end,
so the crisis fills the width; alerts that fired within a few minutes of each other are
one marker with their count, and the incident's transitions (opened, each level paged,
acknowledged, resolved, recovered) are drawn as labelled lines. Sentiment and the
negative share are left blank where no post could be scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Final

from listener.replay.report.chart import COLOURS, Axis, clusters
from listener.replay.report.model import BrandView, IncidentView, Mark, alert_mark, worst
from listener.replay.report.page import AFTER, BEFORE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Transitions drawn as vertical lines, with their label.
LINED: Final = frozenset({"opened", "paged", "acknowledged", "resolved", "recovered"})


def incident_png(brand: BrandView, incident: IncidentView, axis: Axis, path: Path) -> Path:
    """Draw ``incident`` of ``brand`` to ``path``; ``axis`` is the whole run (its zone and
    bounds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    start, end = incident.zoom
    zoom = Axis(max(start - BEFORE, axis.start), min(end + AFTER, axis.end), axis.zone)
    points = [p for p in brand.points if zoom.start <= p.at <= zoom.end]
    times = [_num(p.at, axis.zone) for p in points]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(12, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    top.plot(times, [p.volume for p in points], label=f"posts per {brand.window // 60} min",
             linewidth=1.0)  # fmt: skip
    top.plot(times, [p.usual for p in points], label="usual", linestyle="--", color="grey")
    bottom.plot(times, [_blank(p.negative_share) for p in points], color="C3",
                label="negative share")  # fmt: skip
    bottom.plot(times, [_blank(p.sentiment) for p in points], color="C2",
                label="mean sentiment")  # fmt: skip
    bottom.axhline(0, color="#ccc", linewidth=0.6)
    _alerts(top, [alert_mark(a) for a in incident.alerts], zoom)
    _transitions((top, bottom), incident.marks, zoom)
    top.set_title(
        f"{brand.name}: {incident.risk} ({incident.severity}), onset "
        f"{zoom.label(incident.onset)} ({axis.zone})"
    )
    top.legend(loc="upper left", fontsize="small")
    bottom.legend(loc="lower left", fontsize="small")
    bottom.set_ylim(-1.05, 1.05)
    formatter = mdates.DateFormatter("%d %b %H:%M", tz=axis.zone)  # type: ignore[no-untyped-call]
    bottom.xaxis.set_major_formatter(formatter)
    # Ticks on whole local hours and minutes, not wherever the data happens to start.
    bottom.xaxis.set_major_locator(mdates.AutoDateLocator(tz=axis.zone))  # type: ignore[no-untyped-call]
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _num(ts: float, zone: tzinfo) -> float:
    """Event time as matplotlib's date number."""
    import matplotlib.dates as mdates

    return float(mdates.date2num(datetime.fromtimestamp(ts, zone)))  # type: ignore[no-untyped-call]


def _blank(value: float | None) -> float:
    return float("nan") if value is None else value


def _alerts(ax: Axes, marks: Sequence[Mark], zoom: Axis) -> None:
    """One marker per group of nearby alerts, coloured by the worst, with its count."""
    top = ax.get_ylim()[1]
    for group in clusters(marks, zoom):
        at = _num(group[0].at, zoom.zone)
        colour = COLOURS[worst(m.severity for m in group)]
        ax.scatter([at], [top * 0.97], marker="v", color=colour, zorder=3)
        if len(group) > 1:
            ax.annotate(str(len(group)), (at, top * 0.97), xytext=(4, 2),
                        textcoords="offset points", fontsize=7)  # fmt: skip


def _transitions(axes: Sequence[Axes], marks: Sequence[Mark], zoom: Axis) -> None:
    for group in clusters([m for m in marks if m.kind in LINED], zoom):
        at = _num(group[0].at, zoom.zone)
        label = ", ".join(dict.fromkeys(m.label.split(":")[0] for m in group))
        for ax in axes:
            ax.axvline(at, color="#555", linewidth=0.6, linestyle=":")
        axes[0].annotate(label, (at, 0), xytext=(2, 2), textcoords="offset points",
                         fontsize=7, rotation=90, va="bottom")  # fmt: skip
