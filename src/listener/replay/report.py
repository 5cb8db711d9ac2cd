"""What a replay shows a person: the alert timeline in event time, and plots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from listener.records import Alert

_SEVERITY_MARK = {"critical": "!!!", "major": "!! ", "warning": "!  ", "info": ".  "}


def _local(ts: datetime, offset: timedelta | None) -> str:
    if offset is not None:
        ts = ts.astimezone(timezone(offset))
    return ts.strftime("%Y-%m-%d %H:%M %z")


def format_alert(alert: Alert, offset: timedelta | None = None) -> list[str]:
    """A few lines a person can act on: what, how bad, the figures against the usual, who."""
    fig, base = alert.figures, alert.baseline
    lines = [
        f"{_SEVERITY_MARK.get(alert.severity, '   ')} {_local(alert.fired_at, offset)}  "
        f"{alert.severity.upper():8} {alert.brand_name}: {alert.description}",
        f"      rule {alert.rule} ({alert.window} window): {alert.condition}",
        f"      {fig.get('volume', 0):.0f} posts vs {base.get('volume_baseline', 0):.1f} usual "
        f"({fig.get('volume_ratio', 0):.1f}x, z={fig.get('volume_z', 0):.1f}); "
        f"negative {fig.get('negative_share', 0):.0%}, "
        f"{fig.get('unknown', 0):.0f} not scored; authors {fig.get('unique_authors', 0):.0f}; "
        f"reach {fig.get('reach', 0):,.0f}",
        f"      owners: {alert.owners}; condition true since {_local(alert.first_true_at, offset)}",
    ]
    for sample in alert.samples:
        who = sample.author_handle or "?"
        followers = sample.author_followers if sample.author_followers is not None else "?"
        text = " ".join(sample.text.split())
        lines.append(f"      > @{who} ({followers} followers): {text[:110]}")
    return lines


def timeline(alerts: Sequence[Alert], offset: timedelta | None = None) -> str:
    if not alerts:
        return "no alerts"
    out: list[str] = []
    for alert in alerts:
        out.extend(format_alert(alert, offset))
    return "\n".join(out)


def plot(
    stats: Sequence[dict[str, Any]], alerts: Sequence[Alert], brand: str, path: Path
) -> Path | None:
    """Volume against its baseline and the negative share over event time, alerts marked.

    Returns None when matplotlib is not installed (it is an optional extra).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    rows = [s for s in stats if s["brand"] == brand]
    if not rows:
        return None
    size = min(rows[0]["windows"], key=int)
    times = [datetime.fromtimestamp(r["end"], UTC) for r in rows]
    window = [r["windows"][size] for r in rows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6), sharex=True)
    top.plot(times, [w["volume"] for w in window], label=f"posts per {int(size) // 60} min")
    top.plot(times, [w["volume_baseline"] for w in window], label="usual (baseline)")
    bottom.plot(times, [w["negative_share"] for w in window], label="negative share", color="C3")
    bottom.plot(times, [w["mean_sentiment"] for w in window], label="mean sentiment", color="C2")
    for alert in alerts:
        if alert.brand == brand:
            color = "red" if alert.severity == "critical" else "orange"
            for axis in (top, bottom):
                axis.axvline(alert.fired_at, color=color, linestyle="--", linewidth=1)
    top.set_title(f"{brand}: volume against the usual; dashed lines: alerts (UTC)")
    top.legend(loc="upper left")
    bottom.legend(loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
