"""A notification as Slack Block Kit, with every text escaped.

Slack reads ``&``, ``<`` and ``>`` as control characters: ``<!channel>`` pings a channel,
``<@U123>`` a person, ``<http://x|label>`` is a link. Its documented rule is to write them as
``&amp;``, ``&lt;`` and ``&gt;`` in any text not meant as such; :func:`escape` does that to
every piece of text, and also:

- puts a word joiner after every ``@`` followed by a word character, so ``@here``,
  ``@channel`` or ``@maria.rossi`` in a post can never be read as a mention;
- turns backticks into a look-alike (U+02CB), so a post cannot open a code block;
- removes control characters and line breaks (:func:`listener.notifiers.render.clean`).

Post text goes into a text object of its own (``verbatim``, nothing of ours around it), so
whatever ``*`` or ``_`` it holds can style only itself. The only mentions and links in a
message are the ones built here from the configuration: recipients' member ids, the
acknowledge link and links to the sample posts.
"""

from __future__ import annotations

import re
from typing import Any, Final

from listener.notifiers.message import NEEDS_ACTION, Kind, Notification, Recipient
from listener.notifiers.render import Rendered, clean, safe_url, sample_byline

_AT: Final = re.compile(r"@(?=\w)")
MEMBER_ID: Final = re.compile(r"[UW][A-Z0-9]{6,}")
#: Slack refuses a section text longer than this.
MAX_TEXT: Final = 3000
WORD_JOINER: Final = "\u2060"
#: The block holding the buttons, found again when the message is updated in place.
ACTIONS_BLOCK: Final = "listener.actions"
#: The buttons, by ``action_id``: their label, and a style for the one to press first.
BUTTONS: Final = {
    "ack": ("Acknowledge", "primary"),
    "resolve": ("Resolve", None),
    "statement": ("Statement published", None),
    "silence_1h": ("Silence 1 h", "danger"),
}


def escape(text: str) -> str:
    """``text`` safe to put in any Slack text: no mention, link or code block can start."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _AT.sub("@" + WORD_JOINER, text).replace("`", "\u02cb")


def link(url: str | None, label: str) -> str:
    """A link to ``url`` labelled ``label``; just the label when the URL is not http(s)."""
    safe = safe_url(url)
    if safe is None:
        return escape(label)
    href = safe.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{href}|{escape(label)}>"


def mention(recipient: Recipient) -> str:
    """How a recipient is named: a real mention for a member id, else the name and handle."""
    if recipient.slack and MEMBER_ID.fullmatch(recipient.slack):
        return f"<@{recipient.slack}>"
    if recipient.slack:
        return f"{escape(recipient.name)} ({escape(recipient.slack)})"
    return escape(recipient.name)


def _section(text: str, *, verbatim: bool = False) -> dict[str, Any]:
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": verbatim}}


def _context(*texts: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": t[:MAX_TEXT]} for t in texts[:10]],
    }


def blocks(page: Rendered, message: Notification) -> list[dict[str, Any]]:
    """The message body, most important first (see :mod:`listener.notifiers.render`)."""
    head = [f"*{escape(page.title)}*", escape(page.status), escape(page.summary)]
    if page.about:
        head.append(f"*About:* {escape(page.about)}")
    if message.recipients:
        head.append("Told now: " + ", ".join(mention(r) for r in message.recipients))
    out = [_section("\n".join(head))]
    act = []
    if page.ack:
        button = f" {link(page.ack_url, 'Acknowledge')}" if page.ack_url else ""
        act.append(f"*{escape(page.ack)}*{button}")
    if page.next:
        act.append(escape(page.next))
    if page.page_url:
        act.append(link(page.page_url, "Incident page"))
    if act:
        out.append(_section("\n".join(act)))
    for heading, own in page.own_sections:
        out.append({"type": "divider"})
        out.append(_section(f"*{escape(heading)}*"))
        for sample in own:
            out.append(_section("&gt; " + escape(sample.text), verbatim=True))
            out.append(_context(escape(sample_byline(sample))))
    if page.samples:
        out.append({"type": "divider"})
        out.append(_section("*What people are saying*"))
    for sample in page.samples:
        out.append(_section("&gt; " + escape(sample.text), verbatim=True))
        byline = escape(sample_byline(sample))
        out.append(
            _context(f"{byline} · {link(sample.url, 'open post')}" if sample.url else byline)
        )
    if page.playbook:
        steps = [f"{n}. {escape(step)}" for n, step in enumerate(page.playbook, 1)]
        out.append(_section("*What to do*\n" + "\n".join(steps)))
    if page.figures:
        out.append({"type": "divider"})
        fields = [
            {"type": "mrkdwn", "text": f"*{escape(label)}*\n{escape(value)}"}
            for label, value in page.figures[:10]
        ]
        out.append({"type": "section", "fields": fields})
    out.append(_section(f"*Why:* {escape(page.description)}"))
    out.append(_context(*(f"{escape(k)}: {escape(v)}" for k, v in page.details)))
    return out


def offered(kind: Kind) -> tuple[str, ...]:
    """The buttons a message of ``kind`` carries: none once the incident is closed."""
    if kind in NEEDS_ACTION:
        return tuple(BUTTONS)
    if kind == Kind.ACKNOWLEDGED:
        return ("resolve", "statement", "silence_1h")
    return ()


def actions(incident_id: str, names: tuple[str, ...]) -> dict[str, Any] | None:
    """The block of buttons ``names``, each carrying the incident id; None for none."""
    if not names:
        return None
    elements = []
    for name in names:
        label, style = BUTTONS[name]
        button: dict[str, Any] = {
            "type": "button",
            "action_id": name,
            "text": {"type": "plain_text", "text": label},
            "value": incident_id,
        }
        if style:
            button["style"] = style
        elements.append(button)
    return {"type": "actions", "block_id": ACTIONS_BLOCK, "elements": elements}


def payload(page: Rendered, message: Notification, buttons: bool = False) -> dict[str, Any]:
    """An incoming-webhook or ``chat.postMessage`` body. ``text`` is what a phone shows in
    the notification; it is the subject, which never holds post text. With ``buttons``
    (the app's interactivity is set up), the actions people can take go first after the
    summary."""
    body = blocks(page, message)
    block = actions(message.incident_id, offered(message.kind)) if buttons else None
    if block is not None:
        body.insert(1, block)
    return {
        "text": escape(page.subject),
        "blocks": body,
        "unfurl_links": False,
        "unfurl_media": False,
    }
