"""Reading RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 documents with the standard library.

ElementTree does not fetch external entities, and the expat it is built on refuses
entity-expansion bombs, so a hostile feed costs at most its own size.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

from listener.connectors.posts import from_iso

ATOM: Final = "{http://www.w3.org/2005/Atom}"
RSS1: Final = "{http://purl.org/rss/1.0/}"
RDF: Final = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC: Final = "{http://purl.org/dc/elements/1.1/}"
CONTENT: Final = "{http://purl.org/rss/1.0/modules/content/}"


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed's own title and link, and its item elements in document order."""

    title: str | None
    link: str | None
    items: list[ET.Element]
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


def _text(element: ET.Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def read_feed(body: bytes) -> Feed:
    """The feed in ``body``; raises ValueError when it is not RSS or Atom."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root.tag == f"{ATOM}feed":
        link = _atom_link(root)
        return Feed(_text(root.find(f"{ATOM}title")), link, root.findall(f"{ATOM}entry"), True)
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise ValueError("an rss document without a channel")
        title, link = _text(channel.find("title")), _text(channel.find("link"))
        return Feed(title, link, channel.findall("item"), False)
    if root.tag == f"{RDF}RDF":
        channel = root.find(f"{RSS1}channel")
        title = _text(channel.find(f"{RSS1}title")) if channel is not None else None
        link = _text(channel.find(f"{RSS1}link")) if channel is not None else None
        return Feed(title, link, root.findall(f"{RSS1}item"), False)
    raise ValueError(f"root element {root.tag!r} is neither rss, rdf:RDF nor an Atom feed")


def _atom_link(element: ET.Element) -> str | None:
    for link in element.findall(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def read_entry(item: ET.Element, atom: bool) -> Entry:
    """One item as an :class:`Entry`; raises ValueError when its date cannot be read."""
    if atom:
        return _atom_entry(item)
    ns = RSS1 if item.tag.startswith(RSS1) else ""
    title = _text(item.find(f"{ns}title"))
    link = _text(item.find(f"{ns}link"))
    summary = _text(item.find(f"{CONTENT}encoded")) or _text(item.find(f"{ns}description"))
    author = _text(item.find(f"{DC}creator")) or _text(item.find("author"))
    guid = _text(item.find("guid")) or item.get(f"{RDF}about")
    raw_date = _text(item.find("pubDate"))
    published = _rfc822(raw_date) if raw_date else None
    if published is None and (dc_date := _text(item.find(f"{DC}date"))):
        published = from_iso(dc_date)
    return Entry(_identity(guid, link, title, summary), title, summary, link, author, published)


def _atom_entry(item: ET.Element) -> Entry:
    title = _text(item.find(f"{ATOM}title"))
    summary = _text(item.find(f"{ATOM}summary")) or _text(item.find(f"{ATOM}content"))
    author = _text(item.find(f"{ATOM}author/{ATOM}name"))
    link = _atom_link(item)
    when = _text(item.find(f"{ATOM}published")) or _text(item.find(f"{ATOM}updated"))
    published = from_iso(when) if when else None
    entry_id = _text(item.find(f"{ATOM}id"))
    return Entry(_identity(entry_id, link, title, summary), title, summary, link, author, published)


def _rfc822(text: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise ValueError(f"pubDate {text[:40]!r} is not an RFC 822 date") from None
    # "-0000" means "UTC, offset unknown" and comes back naive.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
