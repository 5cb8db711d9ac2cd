"""The progress line of a long replay step, on stderr.

Shown only when stderr is a terminal (rewritten in place) or when asked (``--progress``:
one line every few seconds, for logs). It says how many posts have gone out, the event
time reached, the rate and the time left; while the pipeline drains, how far event time
has been judged.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, tzinfo
from typing import Final, TextIO

#: Seconds between two lines written to a log; a terminal's line is redrawn more often.
LOG_EVERY: Final = 5.0
TERMINAL_EVERY: Final = 0.5


class Progress:
    """Says how a replay is getting on; every method is cheap when nothing is shown."""

    def __init__(
        self, shown: bool, total: int, zone: tzinfo = UTC, stream: TextIO | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.shown = shown
        self.terminal = shown and self.stream.isatty()
        self.total = total
        self.zone = zone
        self.every = TERMINAL_EVERY if self.terminal else LOG_EVERY
        self.started = time.perf_counter()
        #: The first line comes after one interval: a rate needs some time to mean anything.
        self._last = self.started
        self._said = False
        self.sent = 0
        self._judged: float | None = None
        #: When judging was first seen, and how far it had got: the pace it keeps.
        self._first_judged: tuple[float, float] | None = None

    @property
    def publishing(self) -> bool:
        """Whether posts are still going out (else the pipeline is draining)."""
        return self.sent < self.total

    @classmethod
    def wanted(
        cls, asked: bool, total: int, zone: tzinfo, stream: TextIO | None = None
    ) -> Progress:
        """Shown when ``asked`` or when the stream is a terminal."""
        out = stream or sys.stderr
        return cls(asked or out.isatty(), total, zone, out)

    def checking(self, lines: int) -> None:
        """Called every so many lines while the file is checked."""
        if self._due(False):
            elapsed = time.perf_counter() - self.started
            self._say(f"checked {lines:,} lines, {lines / max(elapsed, 1e-9):,.0f} lines/s")

    def published(self, posts: int, ts: float) -> None:
        """Called after each message: ``posts`` handed over so far, the last event time."""
        if self.sent == 0:  # the rate counts from the first message, not from start-up
            self.started = self._last = time.perf_counter()
        self.sent = posts
        if not self._due(posts >= self.total):
            return
        elapsed = time.perf_counter() - self.started
        rate = posts / elapsed if elapsed > 0 else 0.0
        left = (self.total - posts) / rate if rate > 0 else 0.0
        self._say(
            f"published {posts:,} of {self.total:,} posts, event time {self._time(ts)}, "
            f"{rate:,.0f} posts/s, {_duration(left)} left"
        )

    def judging(self, clock: float | None, last: float | None) -> None:
        """Called while the pipeline drains: the event time judged so far, and the last."""
        if not self._due(False):
            return
        if clock is not None:  # partitions report one by one: never say it went back
            self._judged = clock if self._judged is None else max(self._judged, clock)
        if self._judged is None or last is None:
            self._say("waiting for the pipeline to judge the first windows")
            return
        now = time.perf_counter()
        if self._first_judged is None:
            self._first_judged = (now, self._judged)
        since, first = self._first_judged
        pace = (self._judged - first) / (now - since) if now > since else 0.0
        left = f", {_duration((last - self._judged) / pace)} left" if pace > 0 else ""
        self._say(f"windows judged up to {self._time(self._judged)} of {self._time(last)}{left}")

    def done(self) -> None:
        """Ends a line redrawn in place, so what follows starts on a line of its own."""
        if self.terminal and self._said:
            self.stream.write("\n")
            self.stream.flush()
            self._said = False

    def _due(self, last: bool) -> bool:
        if not self.shown:
            return False
        now = time.perf_counter()
        if not last and now - self._last < self.every:
            return False
        self._last = now
        return True

    def _say(self, text: str) -> None:
        self._said = True
        if self.terminal:
            self.stream.write(f"\r\x1b[K{text}")
        else:
            self.stream.write(f"{text}\n")
        self.stream.flush()

    def _time(self, ts: float) -> str:
        try:
            return f"{datetime.fromtimestamp(ts, self.zone):%Y-%m-%d %H:%M}"
        except (OverflowError, ValueError, OSError):
            return "?"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"
