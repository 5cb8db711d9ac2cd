"""The HTML of the incident page: the open incidents, and one incident with what the crisis
team needs to act (figures against the usual, what the wave is about, the top posts, who
was told and when, the audit log of what people did) and the forms to act.

Everything shown is escaped with :func:`html.escape`; a post's address becomes a link only
when it is http(s), opened without a referrer. There is no script: forms post back to the
server, and the pages are served with a policy that lets no script run at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from typing import Final

from listener.incidents.access.views import statement_json, statement_text
from listener.incidents.lifecycle.model import ACKNOWLEDGED, RESOLVED, Incident, Transition
from listener.notifiers.render import figures, safe_url, summary

#: What a form's ``action`` may be, and how the page names it once sent.
SENT: Final = {
    "ack": "Acknowledgement sent",
    "resolve": "Resolution sent",
    "assign": "Assignment sent",
    "note": "Note sent",
    "silence": "Silence sent",
}
#: How long the page's silence form offers.
SILENCE_CHOICES: Final = ("1h", "3h", "12h", "1d")
_STYLE: Final = (
    "body{font-family:sans-serif;max-width:60em;margin:1.5em auto;padding:0 1em}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
    "padding:.3em;text-align:left;vertical-align:top}blockquote{margin:.5em 0;padding:.4em;"
    "background:#f6f6f6}form{margin:.4em 0}.sent{background:#e7f6e7;padding:.5em}"
    ".critical,.major{color:#b00020;font-weight:bold}"
)


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def page(title: str, body: str, who: str | None = None) -> bytes:
    """A whole page; ``body`` must already be escaped."""
    bar = ""
    if who is not None:
        bar = (
            f'<p><a href="/board">Open incidents</a> · signed in as {escape(who)} '
            '<form method="post" action="/board/logout" style="display:inline">'
            '<button type="submit">Sign out</button></form></p>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{bar}<h1>{escape(title)}</h1>{body}</body></html>"
    ).encode()


def login_page(message: str = "") -> bytes:
    note = f"<p><strong>{escape(message)}</strong></p>" if message else ""
    form = (
        '<form method="post" action="/board/login">'
        '<p><label>Your name <input name="who" autocomplete="username" required></label></p>'
        '<p><label>API key <input name="key" type="password" autocomplete="current-password"'
        " required></label></p>"
        '<p><button type="submit">Sign in</button></p></form>'
    )
    return page("listener: incidents", note + form)


def board_page(incidents: Sequence[Incident], who: str) -> bytes:
    """The incidents not yet resolved, the most severe and newest first."""
    if not incidents:
        return page("Open incidents", "<p>No open incident.</p>", who)
    rows = "".join(
        f'<tr><td class="{escape(i.severity)}">{escape(i.severity)}</td>'
        f'<td><a href="/board/incidents/{escape(i.id)}">{escape(i.brand_name)}</a></td>'
        f"<td>{escape(i.risk)}</td><td>{escape(i.status)}</td><td>{_when(i.opened_at)}</td>"
        f"<td>{escape(i.acknowledged_by or '-')}</td></tr>"
        for i in incidents
    )
    head = "<tr><th>severity</th><th>brand</th><th>risk</th><th>status</th><th>opened</th>"
    table = (
        f"<table><thead>{head}<th>acknowledged by</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return page("Open incidents", table, who)


def incident_page(
    incident: Incident, who: str, csrf: str, people: Sequence[str], sent: str | None
) -> bytes:
    """One incident: what it is, what people say, who was told, what was done, and the
    forms to act on it."""
    alert = incident.latest
    parts = []
    if sent in SENT:
        parts.append(f'<p class="sent">{SENT[sent]}: it shows below once applied.</p>')
    parts.append(
        f'<p><span class="{escape(incident.severity)}">{escape(incident.severity)}</span> · '
        f"{escape(incident.status)} · opened {_when(incident.opened_at)} · owners "
        f"{escape(incident.owners)} · <code>{escape(incident.id)}</code></p>"
        f"<p>{escape(alert.description)}</p>"
        f"<p><strong>{escape(summary(alert.figures, alert.baseline, alert.window))}</strong></p>"
    )
    if alert.about:
        parts.append(f"<p>About: {escape(', '.join(alert.about))}</p>")
    if incident.status != RESOLVED:
        parts.append("<h2>Act</h2>" + _forms(incident, csrf, people))
    parts.append(
        _statement(incident) + _figures(incident) + _posts(incident) + _told(incident.history)
    )
    parts.append(_audit(incident.history))
    title = f"{incident.brand_name}: {incident.risk}"
    return page(title, "".join(parts), who)


def _form(incident: Incident, action: str, label: str, csrf: str, fields: str = "") -> str:
    return (
        f'<form method="post" action="/board/incidents/{escape(incident.id)}/act" id="{action}">'
        f'<input type="hidden" name="action" value="{action}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">{fields}'
        f'<button type="submit">{label}</button></form>'
    )


def _forms(incident: Incident, csrf: str, people: Sequence[str]) -> str:
    forms = []
    if incident.status != ACKNOWLEDGED:
        forms.append(_form(incident, "ack", "Acknowledge", csrf))
    reason = _input("reason", "Reason", required=False)
    forms.append(_form(incident, "resolve", "Resolve", csrf, reason))
    options = "".join(f'<option value="{escape(p)}">{escape(p)}</option>' for p in people)
    select = f'<select name="person">{options}</select> '
    forms.append(_form(incident, "assign", "Assign", csrf, select))
    forms.append(_form(incident, "note", "Add note", csrf, _input("text", "Note")))
    choices = "".join(f'<option value="{c}">{c}</option>' for c in SILENCE_CHOICES)
    fields = f'<select name="for">{choices}</select> ' + _input("reason", "Reason")
    label = f"Silence {escape(incident.brand_name)}"
    forms.append(_form(incident, "silence", label, csrf, fields))
    return "".join(forms)


def _input(name: str, label: str, required: bool = True) -> str:
    need = " required" if required else ""
    return f'<label>{label} <input name="{name}" maxlength="500"{need}></label> '


def _statement(incident: Incident) -> str:
    text = statement_text(statement_json(incident))
    late = ", ".join(str(n) for n in incident.steps_late)
    extra = f" Playbook steps reported late: {escape(late)}." if late else ""
    return f"<h2>The brand's statement</h2><p>{escape(text)}.{extra}</p>"


def _figures(incident: Incident) -> str:
    alert = incident.latest
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in figures(alert.figures, alert.baseline, alert.window)
    )
    return f"<h2>Figures against the usual</h2><table>{rows}</table>" if rows else ""


def _posts(incident: Incident) -> str:
    out = []
    for post in incident.latest.samples:
        url = safe_url(post.url)
        link = (
            f' · <a href="{escape(url)}" rel="noopener noreferrer" target="_blank">open post</a>'
            if url
            else ""
        )
        by = escape(post.author_handle or "unknown")
        followers = f"{post.author_followers:,}" if post.author_followers is not None else "?"
        out.append(
            f"<blockquote>{escape(post.text)}<br><small>{by}, {followers} followers, "
            f"{escape(post.label)}{link}</small></blockquote>"
        )
    return "<h2>Top posts</h2>" + "".join(out) if out else ""


def _told(history: Sequence[Transition]) -> str:
    rows = "".join(
        f"<tr><td>{_when(t.event_at)}</td><td>level {t.level or '-'}</td>"
        f"<td>{escape(t.detail)}</td></tr>"
        for t in history
        if t.kind in ("paged", "page_silenced", "delivery_failed")
    )
    return f"<h2>Who was told</h2><table>{rows}</table>" if rows else ""


def _audit(history: Sequence[Transition]) -> str:
    """Everything that happened, with who did it and when it was recorded (wall clock)."""
    rows = "".join(
        f"<tr><td>{_when(t.wall_at)}</td><td>{escape(t.who)}</td><td>{escape(t.kind)}</td>"
        f"<td>{escape(t.detail)}</td></tr>"
        for t in reversed(history)
    )
    head = "<tr><th>recorded</th><th>who</th><th>what</th><th>detail</th></tr>"
    return f'<h2>Audit log</h2><table id="audit"><thead>{head}</thead><tbody>{rows}</tbody></table>'
