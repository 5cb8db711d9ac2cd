"""How far the raw partitions upstream have delivered their posts: the window clock's input.

The score agent tells every scored partition, after each batch, how far event time got in
each raw partition it owns (the time two distinct posts there reach, see listener.eventtime),
which of them are idle, their newest post times, and how long the clock should wait for
late posts of each one followed live. The window clock is the slowest busy raw partition,
less the lateness it is allowed: what its late posts needed lately when it is followed
live, never more than the allowed lateness; the allowed lateness otherwise. Idle partitions
do not hold it back; when all are idle, everything the partitions' posts agree on together
is complete (a post ahead of every other is not), less the allowed lateness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from listener.eventtime import agreed_newest, keep_newest
from listener.records import ScoredBatch


def waited(allowed: float, learn: bool, wait: float | None) -> float:
    """How long the clock waits for late posts of a raw partition whose posts taught
    ``wait`` (None: not followed live, or still learning): never more than ``allowed``, and
    ``allowed`` always when the deployment does not ``learn``."""
    if wait is None or not learn:
        return allowed
    return min(allowed, wait)


@dataclass(slots=True)
class Upstream:
    """What one scored partition has heard of the raw partitions."""

    raw_partitions: int
    #: The allowed lateness (seconds), and whether a live partition may wait less.
    allowed: float
    learn: bool = True
    #: Per raw partition: the event time reported (None: nothing yet) and idleness.
    marks: dict[int, tuple[float | None, bool]] = field(default_factory=dict)
    #: Per raw partition: its newest distinct post times, for when every one is idle.
    newest: dict[int, tuple[float, ...]] = field(default_factory=dict)
    #: Per raw partition followed live: how long its late posts need the clock to wait.
    waits: dict[int, float] = field(default_factory=dict)

    @property
    def watermark(self) -> float | None:
        """The event-time clock (None until every raw partition has reported)."""
        return self._through(self.lateness, self.allowed)

    @property
    def received(self) -> float | None:
        """How far every raw partition has delivered its posts: the clock's input, before
        any lateness is taken off."""
        return self._through(lambda partition: 0.0, 0.0)

    def lateness(self, partition: int) -> float:
        """How long the clock waits for late posts of raw ``partition``."""
        return waited(self.allowed, self.learn, self.waits.get(partition))

    def _through(self, lateness: Callable[[int], float], allowed: float) -> float | None:
        if len(self.marks) < self.raw_partitions:
            return None
        busy = [(p, mark) for p, (mark, idle) in self.marks.items() if not idle]
        if busy:
            marks = [mark - lateness(p) for p, mark in busy if mark is not None]
            return min(marks) if len(marks) == len(busy) else None
        seen = [mark for mark, _ in self.marks.values() if mark is not None]
        together = agreed_newest(t for times in self.newest.values() for t in times)
        if together is not None:
            seen.append(together)
        return max(seen) - allowed if seen else None

    def report(self, batch: ScoredBatch) -> None:
        """What ``batch`` says of the raw partitions."""
        for partition, mark in batch.watermarks.items():
            old = self.marks.get(partition, (None, False))[0]
            if old is not None and (mark is None or mark < old):
                mark = old  # a new owner re-reading old posts does not turn the clock back
            self.marks[partition] = (mark, partition in batch.idle)
            wait = batch.waits.get(partition)
            if wait is None:
                self.waits.pop(partition, None)
            else:
                self.waits[partition] = wait
        for partition, times in batch.newest.items():
            # Distinct times, so a post re-read by a new owner does not agree with itself.
            kept = self.newest.get(partition, ())
            for ts in times:
                kept = keep_newest(kept, ts)
            self.newest[partition] = kept

    def view(self) -> dict[str, dict[str, Any]]:
        """Per raw partition, what the clock holds of it (for /health/windows): its mark,
        whether it is idle, and how long the clock waits for its late posts."""
        return {
            str(partition): {"mark": mark, "idle": idle, "wait": self.lateness(partition)}
            for partition, (mark, idle) in sorted(self.marks.items())
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "upstream": {str(k): list(v) for k, v in self.marks.items()},
            "newest": {str(k): list(v) for k, v in self.newest.items()},
            "waits": {str(k): v for k, v in self.waits.items()},
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.marks = {int(k): (v[0], bool(v[1])) for k, v in data["upstream"].items()}
        self.newest = {int(k): tuple(v) for k, v in data.get("newest", {}).items()}
        self.waits = {int(k): float(v) for k, v in data.get("waits", {}).items()}
