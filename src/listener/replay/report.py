"""What a replay shows a person: the alert timeline in event time, and plots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from listener.records import Alert

_SEVERITY_COLOR = {"critical": "red", "major": "darkorange", "warning": "gold", "info": "grey"}
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
    sizes = sorted(rows[0]["windows"], key=int)
    short, long = sizes[0], sizes[-1]
    times = [datetime.fromtimestamp(r["end"], UTC) for r in rows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6), sharex=True)
    top.plot(times, [r["windows"][short]["volume"] for r in rows],
             label=f"posts per {int(short) // 60} min", linewidth=0.8)  # fmt: skip
    top.plot(times, [r["windows"][short]["volume_baseline"] for r in rows], label="usual")
    bottom.plot(times, [r["windows"][long]["negative_share"] for r in rows],
                label=f"negative share ({int(long) // 60} min)", color="C3")  # fmt: skip
    bottom.plot(times, [r["windows"][long]["mean_sentiment"] for r in rows],
                label=f"mean sentiment ({int(long) // 60} min)", color="C2")  # fmt: skip
    peak = max(r["windows"][short]["volume"] for r in rows) or 1.0
    for severity, color in _SEVERITY_COLOR.items():
        fired = [a.fired_at for a in alerts if a.brand == brand and a.severity == severity]
        if fired:
            top.scatter(fired, [peak * 1.05] * len(fired), marker="v", color=color,
                        label=f"{severity} alert", zorder=3)  # fmt: skip
    top.set_title(f"{brand}: volume against the usual, and alerts (event time, UTC)")
    top.legend(loc="upper left", fontsize="small")
    bottom.legend(loc="upper left", fontsize="small")
    bottom.set_ylim(-1.05, 1.05)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
