"""A notification as an email: a text part and an HTML part saying the same thing.

Headers are built only from the configuration and the project's own words: the subject
from severity, brand, rule and figures (:func:`listener.notifiers.render.subject`), the
addresses from rules/owners.yaml. Post text never goes into a header. Every header value is
cut to one line as well, so even a brand name with a line break in it cannot add a header.
In the HTML part, every piece of text is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
import re
from datetime import tzinfo
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Final

from listener.notifiers.message import Notification, Recipient
from listener.notifiers.render import Rendered, clean, render, sample_byline, to_text

_ID_PART: Final = re.compile(r"[^A-Za-z0-9.-]")
_URGENT: Final = frozenset({"critical", "major"})


def header(value: str) -> str:
    """``value`` safe as a header value: one line, no control characters."""
    return clean(value)


def _id(*parts: object) -> str:
    return ".".join(_ID_PART.sub("-", str(p)) for p in parts)


def compose(
    message: Notification,
    to: tuple[Recipient, ...],
    *,
    sender: str,
    sender_name: str,
    domain: str,
    tz: tzinfo,
) -> EmailMessage:
    """The email telling ``to`` about ``message``. Replies and later messages of the same
    incident thread under its first one (``In-Reply-To`` the incident's id)."""
    page = render(message, tz)
    mail = EmailMessage(policy=SMTP)
    mail["Subject"] = header(page.subject)
    mail["From"] = formataddr((header(sender_name), sender))
    mail["To"] = ", ".join(formataddr((header(r.name), r.email or "")) for r in to)
    mail["Date"] = format_datetime(message.at)
    own = _id(message.incident_id, message.transition, message.level)
    root = f"<{_id(message.incident_id)}@{domain}>"
    mail["Message-ID"] = f"<{own}@{domain}>"
    mail["In-Reply-To"] = root
    mail["References"] = root
    mail["X-Listener-Incident"] = header(message.incident_id)
    # RFC 3834: out-of-office robots must not answer.
    mail["Auto-Submitted"] = "auto-generated"
    if message.alert.severity in _URGENT:
        mail["Importance"] = "high"
        mail["X-Priority"] = "1"
    mail.set_content(to_text(page))
    mail.add_alternative(to_html(page), subtype="html")
    return mail


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _link(url: str | None, label: str) -> str:
    # Rendered URLs are already http(s) only; the href is escaped all the same.
    return f'<a href="{_e(url)}">{_e(label)}</a>' if url else _e(label)


def to_html(page: Rendered) -> str:
    """The HTML part, in the order of :func:`listener.notifiers.render.to_text`."""
    parts = [
        f"<h2>{_e(page.title)}</h2>",
        f"<p><strong>{_e(page.status)}</strong><br>{_e(page.summary)}</p>",
    ]
    if page.about:
        parts.append(f"<p><strong>About:</strong> {_e(page.about)}</p>")
    if page.ack:
        ack = f"{_e(page.ack)} {_link(page.ack_url, page.ack_url or '')}".rstrip()
        parts.append(f'<p style="font-size:1.15em"><strong>{ack}</strong></p>')
    if page.next:
        parts.append(f"<p>{_e(page.next)}</p>")
    if page.page_url:
        parts.append(f"<p>{_link(page.page_url, 'Incident page')}</p>")
    for heading, own in page.own_sections:
        parts.append(f"<h3>{_e(heading)}</h3><ol>")
        for sample in own:
            parts.append(
                f"<li><blockquote>{_e(sample.text)}</blockquote>"
                f"<small>{_e(sample_byline(sample))}</small></li>"
            )
        parts.append("</ol>")
    if page.samples:
        parts.append("<h3>What people are saying</h3><ol>")
        for sample in page.samples:
            open_post = f" · {_link(sample.url, 'open post')}" if sample.url else ""
            parts.append(
                f"<li><blockquote>{_e(sample.text)}</blockquote>"
                f"<small>{_e(sample_byline(sample))}{open_post}</small></li>"
            )
        parts.append("</ol>")
    if page.playbook:
        steps = "".join(f"<li>{_e(step)}</li>" for step in page.playbook)
        parts.append(f"<h3>What to do</h3><ol>{steps}</ol>")
    rows = "".join(f"<tr><th align=left>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in page.figures)
    parts.append(f"<h3>Figures against the usual</h3><table>{rows}</table>")
    parts.append(f"<p>Why: {_e(page.description)}</p>")
    details = "<br>".join(f"{_e(k)}: {_e(v)}" for k, v in page.details)
    parts.append(f"<p><small>{details}</small></p>")
    return (
        '<!doctype html>\n<html><body style="font-family:sans-serif">\n'
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
