"""The report of one run as one self-contained HTML page.

Everything is inline (SVG charts, one style sheet), nothing is fetched and no script runs,
so the page opens offline and can be mailed as it is. Every text that came from a post, a
rule or a brand is escaped; a post's link is kept only when it is http or https.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import escape
from typing import Final

from listener.records import Alert, SamplePost
from listener.replay.report.chart import Axis, chart
from listener.replay.report.model import BrandView, IncidentView, Mark, alert_mark

#: Context drawn before an incident's onset and after its end in its zoomed chart.
BEFORE: Final = 3600
AFTER: Final = 1800

STYLE: Final = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
h3{font-size:15px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right}.muted{color:#777}
.sev-critical{color:#c62828;font-weight:bold}.sev-major{color:#ef6c00;font-weight:bold}
.sev-warning{color:#b28704}.sev-info{color:#607d8b}
blockquote{margin:6px 0;padding:4px 10px;border-left:3px solid #ccc}
svg.chart{display:block;margin:8px 0}.panel{fill:none;stroke:#ddd}
.lane,.tick,.count{font-size:10px;fill:#555}.title{font-size:12px;font-weight:bold}
.grid{stroke:#e3e3e3}.volume{fill:none;stroke:#1565c0;stroke-width:1.2}
.thin{stroke-width:.8}.usual{fill:none;stroke:#888;stroke-dasharray:4 3}
.negative{fill:none;stroke:#c62828}.sentiment{fill:none;stroke:#2e7d32}
.span{fill:#ffcdd2;opacity:.35}.zoom{fill:none;stroke:#c62828;stroke-width:1.5}
.own{stroke:#6a1b9a;stroke-width:1.5}.sym{font-size:11px;text-anchor:middle;font-weight:bold}
.terms span{display:inline-block;background:#eef;border-radius:3px;padding:0 5px;margin:2px}
"""


LEGEND: Final = (
    '<p class="muted">On the charts: ▼ an alert (its colour the severity; a number: that many '
    "alerts a few pixels apart, each in the tooltip), ◆ incident opened, P<i>n</i> level "
    "<i>n</i> paged, ✓ acknowledged, ■ resolved, ○ figures back to normal, ✕ a delivery "
    "failed; a purple tick: the brand's own post; shaded: an incident, from its onset.</p>"
)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What the page says about the run itself."""

    title: str
    zone: tzinfo
    zone_name: str
    posts: int
    facts: tuple[str, ...] = ()


def minutes(value: float | None) -> str:
    """``+8m``, ``+1h05m``; ``-`` when there is none."""
    if value is None:
        return "-"
    sign = "-" if value < 0 else "+"
    total = round(abs(value))
    hours, rest = divmod(total, 60)
    return f"{sign}{hours}h{rest:02d}m" if hours else f"{sign}{rest}m"


def page(info: RunInfo, brands: Sequence[BrandView]) -> str:
    incidents = [i for b in brands for i in b.incidents]
    alerts = sorted((a for b in brands for a in b.alerts), key=lambda a: (a.fired_at, a.brand))
    starts = [p.at for b in brands for p in b.points[:1]]
    ends = [p.at for b in brands for p in b.points[-1:]]
    whole = Axis(min(starts, default=0.0), max(ends, default=1.0), info.zone)
    facts = [
        f"{info.posts:,} posts", f"{len(alerts)} alerts", f"{len(incidents)} incidents",
        f"times in {info.zone_name}", *info.facts,
    ]  # fmt: skip
    body = [
        f"<h1>{escape(info.title)}</h1>",
        f'<p class="muted">{escape(" · ".join(facts))}</p>',
        "<h2>Incidents</h2>",
        incident_table(incidents, whole),
        LEGEND,
        *(brand_section(brand, whole) for brand in brands),
        "<h2>Alerts</h2>",
        alert_table(alerts, whole),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(info.title)}</title><style>{STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def incident_table(incidents: Sequence[IncidentView], axis: Axis) -> str:
    if not incidents:
        return '<p class="muted">No incident was opened.</p>'
    head = (
        "<tr><th>incident</th><th>brand</th><th>risk</th><th>severity</th><th>onset</th>"
        "<th>detected</th><th>levels paged</th><th>acknowledged</th><th>recovered</th>"
        "<th>messages</th><th>alerts</th></tr>"
    )
    rows = [head]
    for i in incidents:
        levels = ", ".join(
            f"L{level} {minutes(i.after_onset(at))}" for level, at in sorted(i.levels.items())
        )
        rows.append(
            f'<tr class="incident" data-id="{escape(i.id)}" '
            f'data-detect-minutes="{_num(i.after_onset(i.opened_at))}" '
            f'data-messages="{i.messages}" data-alerts="{len(i.alerts)}">'
            f'<td><a href="#{escape(i.id)}">{escape(i.id)}</a></td>'
            f"<td>{escape(i.brand_name)}</td><td>{escape(i.risk)}</td>"
            f'<td class="sev-{escape(i.severity)}">{escape(i.severity)}</td>'
            f"<td>{escape(axis.label(i.onset))}</td>"
            f'<td class="n detect">{minutes(i.after_onset(i.opened_at))}</td>'
            f'<td class="levels">{escape(levels or "-")}</td>'
            f"<td>{minutes(i.after_onset(i.acknowledged_at))}</td>"
            f"<td>{minutes(i.after_onset(i.recovered_at))}</td>"
            f'<td class="n messages">{i.messages}</td><td class="n">{len(i.alerts)}</td></tr>'
        )
    note = (
        '<p class="muted">Times after the onset: when the wave began (the brand\'s windows '
        "left their usual), else when the first alert's condition began holding.</p>"
    )
    return f'<table class="incidents">{"".join(rows)}</table>{note}'


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def brand_section(brand: BrandView, whole: Axis) -> str:
    marks = _marks(brand)
    title = f"{brand.name}: the whole run"
    out = [f'<section class="brand" data-brand="{escape(brand.brand)}">']
    out.append(f"<h2>{escape(brand.name)}</h2>")
    if not brand.points:
        out.append('<p class="muted">No window of this brand was judged.</p></section>')
        return "".join(out)
    out.append(chart(brand, whole, marks, title))
    for incident in brand.incidents:
        start, end = incident.zoom
        zoom = Axis(max(start - BEFORE, whole.start), min(end + AFTER, whole.end), whole.zone)
        out.append(f'<h3 id="{escape(incident.id)}">{escape(incident.id)}</h3>')
        out.append(chart(brand, zoom, marks, f"{incident.risk}: its first hours", context=whole))
        out.append(_about(incident, whole))
    if not brand.alerts:
        out.append('<p class="muted">No alert for this brand.</p>')
    out.append("</section>")
    return "".join(out)


def _marks(brand: BrandView) -> list[Mark]:
    marks = [alert_mark(a) for a in brand.alerts]
    marks += [m for i in brand.incidents for m in i.marks]
    return marks


def _about(incident: IncidentView, axis: Axis) -> str:
    terms = "".join(f"<span>{escape(t)}</span>" for t in incident.about)
    posts = "".join(_post(p, axis) for p in incident.top_posts)
    return (
        f'<p class="terms">What the wave was about: {terms or "-"}</p>'
        f"<p>Its most damaging posts:</p>{posts or '<p class=muted>none quoted</p>'}"
    )


def _post(post: SamplePost, axis: Axis) -> str:
    who = escape(post.author_handle or "?")
    followers = "?" if post.author_followers is None else f"{post.author_followers:,}"
    link = ""
    if post.url and post.url.lower().startswith(("http://", "https://")):
        link = f' <a href="{escape(post.url)}" rel="noreferrer">link</a>'
    return (
        f'<blockquote><span class="muted">@{who} ({followers} followers), '
        f"{escape(_written(post.created_at, axis))}, {escape(post.label)}</span><br>"
        f"{escape(post.text)}{link}</blockquote>"
    )


def _written(created_at: str, axis: Axis) -> str:
    """When a quoted post was written, in the page's zone (as given if unreadable)."""
    try:
        return axis.label(datetime.fromisoformat(created_at).timestamp())
    except ValueError:
        return created_at


def alert_table(alerts: Sequence[Alert], axis: Axis) -> str:
    if not alerts:
        return '<p class="muted">No alert fired.</p>'
    rows = [
        "<tr><th>fired</th><th>brand</th><th>severity</th><th>rule</th><th>window</th>"
        "<th>posts vs usual</th><th>about</th></tr>"
    ]
    for a in alerts:
        volume = a.figures.get("volume", 0.0)
        usual = a.baseline.get("volume_baseline", 0.0)
        rows.append(
            f'<tr class="alert" data-ts="{a.fired_at.timestamp():.0f}">'
            f"<td>{escape(axis.label(a.fired_at.timestamp()))}</td>"
            f"<td>{escape(a.brand_name)}</td>"
            f'<td class="sev-{escape(a.severity)}">{escape(a.severity)}</td>'
            f"<td>{escape(a.rule)}</td><td>{escape(a.window)}</td>"
            f'<td class="n">{volume:.0f} vs {usual:.1f}</td>'
            f"<td>{escape(', '.join(a.about))}</td></tr>"
        )
    return f'<table class="alerts">{"".join(rows)}</table>'
