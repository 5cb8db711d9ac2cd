"""Reading RSS 0.9x/1.0/2.0 and Atom documents with feedparser.

Real feeds are often not well-formed XML: an unescaped ``&`` in a title, an HTML entity
such as ``&egrave;`` that XML does not define, a date in the publisher's language.
feedparser reads such a feed with its lenient parser instead of refusing it whole, and
resolves no external entity; a document cut short is still refused. The body is handed
over as a stream, so feedparser never opens a URL or a file of its own; the connectors'
byte limits have bounded it already.
Dates feedparser cannot read are tried as Italian RFC 822 dates (``Mar, 03 Ott 2017``);
an item whose date still cannot be read is refused, since dating it now could count an
old story as news.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final
from xml.sax import SAXParseException

import feedparser  # type: ignore[import-untyped]

from listener.connectors.posts import from_iso

#: What the XML parser says of a document that stops before its root element is closed.
_CUT_SHORT: Final = frozenset({"no element found", "unclosed token"})


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed's own title and link, and its items in document order."""

    title: str | None
    link: str | None
    items: list[Any]
    atom: bool


@dataclass(frozen=True, slots=True)
class Entry:
    """What an item says, whatever the feed format."""

    id: str
    title: str | None
    summary: str | None
    link: str | None
    author: str | None
    published: datetime | None


def read_feed(body: bytes, content_type: str | None = None) -> Feed:
    """The feed in ``body`` (``content_type`` helps find its encoding); raises ValueError
    when it is not RSS or Atom, even read leniently."""
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    version = parsed.get("version")
    if not version:
        problem = parsed.get("bozo_exception")
        reason = f": {problem}" if problem else ""
        raise ValueError(f"neither RSS nor Atom{reason}")
    problem = parsed.get("bozo_exception")
    if isinstance(problem, SAXParseException) and problem.getMessage() in _CUT_SHORT:
        # Lenient reading would take a truncated answer for the whole feed.
        raise ValueError(f"the document ends before its feed does ({problem.getMessage()})")
    channel = parsed.get("feed", {})
    return Feed(
        _clean(channel.get("title")),
        _clean(channel.get("link")),
        list(parsed.entries),
        version.startswith("atom"),
    )


def read_entry(item: Any, atom: bool) -> Entry:
    """One item as an :class:`Entry`; raises ValueError when its date cannot be read."""
    content = [_clean(part.get("value")) for part in item.get("content", ())]
    body = next((text for text in content if text), None)
    summary = _clean(item.get("summary"))
    # RSS: content:encoded is the whole text, description often a teaser; Atom: the
    # summary is what the author chose to show, the content may be the whole page.
    text = (summary or body) if atom else (body or summary)
    title, link = _clean(item.get("title")), _clean(item.get("link"))
    return Entry(
        _identity(_clean(item.get("id")), link, title, text),
        title,
        text,
        link,
        _clean(item.get("author")),
        _published(item),
    )


def _published(item: Any) -> datetime | None:
    """When the item was published (else last updated), with the publisher's own offset
    where the date is RFC 822 or ISO 8601; then as feedparser read it (in UTC); then as an
    Italian date."""
    for name in ("published", "updated"):
        written = _clean(item.get(name))
        if written is None:
            continue
        for read in (_rfc822, from_iso):
            try:
                return read(written)
            except (TypeError, ValueError):
                pass
        parsed = item.get(f"{name}_parsed")
        if parsed is not None:  # a time.struct_time, in UTC
            year, month, day, hour, minute, second = parsed[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        return _italian_date(written)
    return None


def _rfc822(text: str) -> datetime:
    parsed = parsedate_to_datetime(text)
    # "-0000" means "UTC, offset unknown" and comes back naive.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


#: Italian month names, by their first three letters (the day's name is left out).
_MONTHS: Final = dict(zip(
    ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"),
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    strict=True,
))  # fmt: skip
_ITALIAN: Final = re.compile(
    r"(?:(?P<day>[^\W\d]+)\.?,\s*)?(?P<date>\d{1,2})\s+(?P<month>[^\W\d]+)\.?\s+(?P<rest>\d{4}.*)"
)


def _italian_date(text: str) -> datetime:
    """``Mar, 03 Ott 2017 16:30:00 +0200`` (or with whole names: ``martedì, 3 ottobre``)."""
    match = _ITALIAN.fullmatch(text.strip())
    month = _MONTHS.get(match["month"][:3].lower()) if match else None
    if match is None or month is None:
        raise ValueError(f"date {text[:40]!r} is neither RFC 822, ISO 8601 nor Italian")
    try:
        return _rfc822(f"{match['date']} {month} {match['rest']}")
    except (TypeError, ValueError):
        raise ValueError(f"date {text[:40]!r} is not a date") from None


def _clean(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _identity(given: str | None, link: str | None, title: str | None, summary: str | None) -> str:
    """The item's id: its guid or Atom id, else its link, else a digest of its content
    (the same item fetched again gets the same id, so it is not published twice)."""
    if given:
        return given
    if link:
        return link
    if not title and not summary:
        raise ValueError("an item with neither id, link, title nor summary")
    digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"
