"""Turning a source's items into valid posts, and skipping (loudly) the ones that cannot be.

Every connector builds its posts with :func:`make_post`, which checks them with the same
:func:`~listener.records.post_from_dict` the scoring agent uses, so nothing a connector
publishes is dead-lettered downstream for a reason the connector could have seen. Text
longer than a post may hold is cut, and counts a source reports as negative are clamped.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, Final, TypeVar

import orjson

from listener.connectors.runtime.metrics import Report
from listener.errors import InvalidPost
from listener.records import MAX_TEXT_CHARS, Post, post_from_dict

log = logging.getLogger(__name__)

T = TypeVar("T")

#: What a parser of one item may raise when the item is not in the documented shape.
ITEM_ERRORS: Final = (KeyError, TypeError, ValueError, AttributeError, IndexError, InvalidPost)

_BLOCKS: Final = frozenset(
    {"p", "div", "li", "blockquote", "pre", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(markup: str) -> str:
    """The readable text of an HTML fragment (Mastodon content, HN comments, feed summaries)."""
    if "<" not in markup:
        return html.unescape(markup).strip()
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def join_text(*parts: str | None) -> str:
    """Title and body as one text, as docs/record-format.md says a news item's is."""
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def from_epoch(seconds: object) -> datetime:
    """A UTC time from POSIX seconds (an int or a float); ValueError for anything else."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        raise ValueError(f"not a time in seconds: {seconds!r}")
    return datetime.fromtimestamp(seconds, UTC)


def from_iso(text: object) -> datetime:
    """A time from RFC 3339 text; one without an offset is taken as UTC, as APIs mean it."""
    if not isinstance(text, str):
        raise ValueError(f"not a timestamp: {text!r}")
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def count(value: object) -> int | None:
    """A count as a post holds it: an int not below zero, or None when unknown."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return max(value, 0)


def make_post(**fields: Any) -> Post:
    """A post from a source's fields, checked as the scoring agent will check it."""
    text = fields.get("text") or ""
    if len(text) > MAX_TEXT_CHARS:
        fields["text"] = text[: MAX_TEXT_CHARS - 1] + "…"
    for name in ("author_followers", "likes", "shares"):
        fields[name] = count(fields.get(name))
    created = fields.get("created_at")
    if isinstance(created, datetime):
        fields["created_at"] = created.isoformat()
    return post_from_dict(fields)


def parse_items(
    items: Iterable[Any], parse: Callable[[Any], T | None], report: Report, where: str
) -> list[T]:
    """``parse`` applied to each item; an item it cannot read is logged, counted as
    ``malformed_item`` and skipped, so one odd item never costs the page. ``parse`` returns
    None for an item it skips on purpose (a deleted post)."""
    out: list[T] = []
    for index, item in enumerate(items):
        try:
            parsed = parse(item)
        except ITEM_ERRORS as exc:
            log.warning(
                "%s: item %d of %s skipped: %s: %s: %s",
                report.connector,
                index,
                where,
                type(exc).__name__,
                exc,
                _excerpt(item),
            )
            report.error("malformed_item")
            continue
        if parsed is not None:
            out.append(parsed)
    return out


def _excerpt(item: object) -> str:
    """The start of an item, for the log line that says it was skipped."""
    try:
        text = orjson.dumps(item).decode()
    except TypeError:
        text = repr(item)
    return text if len(text) <= 300 else text[:299] + "…"
