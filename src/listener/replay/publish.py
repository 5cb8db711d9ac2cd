"""Publishing a replay file (JSONL, one post per line) into the raw topic.

Lines go out in event-time order, as fast as possible or paced at ``speed`` times real
time. A line that cannot be read is published as it is: the scoring agent sends it to
the dead-letter topic with the reason, exactly as it would a bad post from a connector.

Messages obey the limits the pipeline does: none is larger than
:data:`~listener.broker.topics.MAX_MESSAGE_BYTES` as the producer measures it, and no bundle holds
more than :data:`~listener.records.MAX_BUNDLE_POSTS` posts, so bundles are split to fit.
A line too large to travel even alone is skipped and reported with its number and size;
the rest of the file is still published.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from aiokafka.record.default_records import (  # type: ignore[import-untyped]
    DefaultRecordBatchBuilder,
)

from listener.broker.kafka_client import client_kwargs
from listener.broker.topics import MAX_MESSAGE_BYTES
from listener.errors import BrokerError, ScenarioError
from listener.records import MAX_BUNDLE_POSTS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a replay file with the event time it sorts by and its message key."""

    ts: float
    number: int
    key: bytes | None
    value: bytes


def read_lines(path: Path) -> list[Line]:
    """The file's non-blank lines in event-time order (stable for equal times).

    A line whose time cannot be read keeps the time of the line before it, so it stays
    where it was in the file.
    """
    try:
        raw_lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise ScenarioError(f"cannot read replay file {path}: {exc.strerror}") from exc
    lines: list[Line] = []
    last_ts = float("-inf")
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        ts, key = _peek(raw)
        if ts is None:
            ts = last_ts
        last_ts = ts
        lines.append(Line(ts, number, key, raw))
    lines.sort(key=lambda line: (line.ts, line.number))
    return lines


def _peek(raw: bytes) -> tuple[float | None, bytes | None]:
    try:
        data = orjson.loads(raw)
        when = datetime.fromisoformat(data["created_at"])
        if when.tzinfo is None:
            return None, None  # refused downstream; it must not sort by this machine's zone
        ts = when.timestamp()
        key = f"{data['source']}:{data['id']}".encode()
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None, None
    return ts, key


@dataclass(frozen=True, slots=True)
class Message:
    """One raw-topic message: a line alone (keyed ``source:id``) or a bundle of lines."""

    ts: float  # event time of its first line, for pacing
    key: bytes | None
    value: bytes
    posts: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line that was not published: its number in the file and why."""

    number: int
    reason: str


def message_size(key: bytes | None, value: bytes) -> int:
    """The size of a message as the producer measures it against its ``max_request_size``."""
    return int(DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, []))


def plan(
    lines: Sequence[Line], bundle: int = 1, max_bytes: int = MAX_MESSAGE_BYTES
) -> tuple[list[Message], list[Skipped]]:
    """The messages that carry ``lines``, in order, and the lines too large to carry.

    With ``bundle`` above 1, readable lines travel as JSON arrays of at most ``bundle``
    and :data:`MAX_BUNDLE_POSTS` posts, each a message of at most ``max_bytes``; a line
    that could not be read travels alone, so it cannot spoil a bundle.
    """
    per_message = max(1, min(bundle, MAX_BUNDLE_POSTS))
    room = _bundle_room(max_bytes)
    messages: list[Message] = []
    skipped: list[Skipped] = []
    group: list[Line] = []
    size = 0  # of the group's array: brackets and commas included
    for line in lines:
        alone = message_size(line.key, line.value)
        if alone > max_bytes:
            reason = f"{alone} bytes as a message, over the limit of {max_bytes}"
            skipped.append(Skipped(line.number, reason))
        elif per_message == 1 or line.key is None or len(line.value) + 2 > room:
            messages.append(Message(line.ts, line.key, line.value, 1))
        else:
            if group and (len(group) == per_message or size + len(line.value) + 1 > room):
                messages.append(_bundle(group))
                group, size = [], 0
            size += len(line.value) + (1 if group else 2)
            group.append(line)
    if group:
        messages.append(_bundle(group))
    return messages, skipped


def _bundle_room(max_bytes: int) -> int:
    """The longest array a keyless message of ``max_bytes`` can carry: the record's framing
    grows with the value's length, so it is taken at its largest."""
    framing = message_size(None, bytes(max_bytes)) - max_bytes
    return max_bytes - framing


def _bundle(group: Sequence[Line]) -> Message:
    value = b"[" + b",".join(line.value for line in group) + b"]"
    return Message(group[0].ts, None, value, len(group))


@dataclass(frozen=True, slots=True)
class ReplayReport:
    messages: int
    #: Posts published: every line but the skipped ones.
    posts: int
    seconds: float
    first_ts: float | None
    last_ts: float | None
    skipped: tuple[Skipped, ...] = ()


async def publish(
    bootstrap: str,
    topic: str,
    lines: Sequence[Line],
    speed: float | None = None,
    bundle: int = 1,
    on_sent: Callable[[int, float], None] | None = None,
) -> ReplayReport:
    """Send ``lines`` to ``topic``: one message per post, or arrays of up to ``bundle`` posts
    (see :func:`plan`); a line too large for any message is logged, counted and skipped.
    ``on_sent(posts, ts)`` is called after each message is handed to the producer, with the
    posts handed over so far and the message's event time (for a progress line)."""
    messages, skipped = plan(lines, bundle)
    for line in skipped:
        log.warning("replay line %d skipped: %s", line.number, line.reason)
    producer = AIOKafkaProducer(
        **client_kwargs(bootstrap),
        linger_ms=5,
        acks="all",
        max_batch_size=256 * 1024,
        max_request_size=MAX_MESSAGE_BYTES,
    )
    started = time.perf_counter()
    try:
        await producer.start()
        first = next((line.ts for line in lines if math.isfinite(line.ts)), 0.0)
        sent = 0
        for message in messages:
            if speed and math.isfinite(message.ts):
                await _pace(started, (message.ts - first) / speed)
            await producer.send(topic, message.value, key=message.key)
            sent += message.posts
            if on_sent is not None:
                on_sent(sent, message.ts)
        await producer.flush()
    except KafkaError as exc:
        raise BrokerError(f"cannot publish to {topic} at {bootstrap}: {exc!r}") from exc
    finally:
        await producer.stop()
    return ReplayReport(
        messages=len(messages),
        posts=sum(message.posts for message in messages),
        seconds=time.perf_counter() - started,
        first_ts=lines[0].ts if lines else None,
        last_ts=lines[-1].ts if lines else None,
        skipped=tuple(skipped),
    )


async def _pace(started: float, due: float) -> None:
    delay = started + due - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)
