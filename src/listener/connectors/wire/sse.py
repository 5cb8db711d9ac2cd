"""Server-sent events (``text/event-stream``), parsed from a stream of lines as the HTML
standard describes: ``event:``, ``data:`` (several lines joined by newlines), ``id:``,
comments (heartbeats) starting with ``:``, and a blank line ending each event.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from listener.connectors.wire.errors import ResponseTooLarge


@dataclass(frozen=True, slots=True)
class Event:
    """One dispatched event; ``event`` is "message" when the stream did not name it."""

    event: str
    data: str
    id: str | None = None


async def events(lines: AsyncIterable[str], max_data: int | None = None) -> AsyncIterator[Event]:
    """The events in ``lines`` (line endings already removed). An event cut off by the end
    of the stream is dropped, as the standard says: it may be incomplete. An event whose
    data lines add up to more than ``max_data`` characters raises
    :class:`~listener.connectors.wire.errors.ResponseTooLarge` before it is held whole."""
    name = ""
    data: list[str] = []
    size = 0
    last_id: str | None = None
    async for line in lines:
        if not line:
            if data:
                yield Event(name or "message", "\n".join(data), last_id)
            name, data, size = "", [], 0
            continue
        if line.startswith(":"):
            continue  # a comment: servers send them as heartbeats
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            size += len(value) + 1
            if max_data is not None and size > max_data:
                raise ResponseTooLarge(f"an event of more than {max_data} characters")
            data.append(value)
        elif field == "id" and "\0" not in value:
            last_id = value
