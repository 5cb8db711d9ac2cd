"""Publishing a replay file (JSONL, one post per line) into the raw topic.

Lines go out in event-time order, as fast as possible or paced at ``speed`` times real
time. A line that cannot be read is published as it is: the scoring agent sends it to
the dead-letter topic with the reason, exactly as it would a bad post from a connector.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from listener.errors import BrokerError, ScenarioError

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
class ReplayReport:
    messages: int
    posts: int
    seconds: float
    first_ts: float | None
    last_ts: float | None


async def publish(
    bootstrap: str,
    topic: str,
    lines: Sequence[Line],
    speed: float | None = None,
    bundle: int = 1,
) -> ReplayReport:
    """Send ``lines`` to ``topic``: one message per post, or arrays of ``bundle`` posts."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=5, acks="all", max_batch_size=256 * 1024
    )
    started = time.perf_counter()
    messages = 0
    try:
        await producer.start()
        first = lines[0].ts if lines else 0.0
        for i in range(0, len(lines), bundle):
            group = lines[i : i + bundle]
            if speed:
                await _pace(started, (group[0].ts - first) / speed)
            # Lines that could not be read travel alone, so they cannot spoil a bundle.
            alone = [line for line in group if bundle == 1 or line.key is None]
            for line in alone:
                await producer.send(topic, line.value, key=line.key)
            together = [line for line in group if bundle > 1 and line.key is not None]
            if together:
                await producer.send(topic, b"[" + b",".join(line.value for line in together) + b"]")
            messages += len(alone) + bool(together)
        await producer.flush()
    except KafkaError as exc:
        raise BrokerError(f"cannot publish to {topic} at {bootstrap}: {exc!r}") from exc
    finally:
        await producer.stop()
    return ReplayReport(
        messages=messages,
        posts=len(lines),
        seconds=time.perf_counter() - started,
        first_ts=lines[0].ts if lines else None,
        last_ts=lines[-1].ts if lines else None,
    )


async def _pace(started: float, due: float) -> None:
    delay = started + due - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)
