"""When a post says it was written, and how far the event-time clock believes it.

A post's time is written by whoever posts it (Bluesky's ``createdAt``, an RSS ``pubDate``,
the ingest endpoint's caller), so one wrong clock, a year typed as 9999 or a date that
defaulted to 1970, must neither move the windows' clock nor stop it. Two rules, shared by
the ingest endpoint, the scoring stage, the window clock and the replay driver:

- **plausible**: a post dated before :data:`EARLIEST_TS` (no social post is that old) or
  more than :data:`MAX_FUTURE_SECONDS` ahead of the wall clock is refused at the door
  (:func:`door_problem`); a post more than :data:`MAX_BEHIND_SECONDS` behind the time its
  stream agreed on is refused at scoring (:func:`stream_problem`). What is plausible for a
  replay of 2017 is judged against the replay's own progress, never against today, except
  for the future: nobody can have written a post after now.
- **agreed**: event time moves only as far as :data:`AGREEING` distinct post times go
  (:func:`agreed`), never to a post alone, however plausible its date; a newest post that
  stands :data:`APART_SECONDS` ahead of the next is not counted at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Final

from listener.errors import InvalidPost

#: 2000-01-01T00:00:00Z: no post listener can read is older. Dates before it are defaults
#: (1970, year 1) or typing errors, and would start the windows' clock decades back.
EARLIEST_TS: Final = 946_684_800.0
#: A post dated further ahead of the wall clock than this was not written yet: the
#: source's clock or time zone is wrong. A few minutes cover clocks that run fast.
MAX_FUTURE_SECONDS: Final = 300.0
#: A post more than this behind the time its stream agreed on is refused: its windows are
#: long judged, and the duplicate filter (a day, by default) no longer tells a copy from it.
MAX_BEHIND_SECONDS: Final = 86_400.0
#: How many distinct post times must agree before event time moves to them.
AGREEING: Final = 2
#: A newest post further than this ahead of the next one stands apart: it is not counted
#: until another comes near it. A date wrong by an hour or a day stands apart; a stream
#: whose posts are further apart than this waits for one more post before its clock moves.
APART_SECONDS: Final = 900.0
#: Distinct times kept per stream: the agreeing ones and one that may stand apart.
KEPT: Final = AGREEING + 1
#: How long (event time) a stream remembers how late its posts arrived: a source read every
#: few minutes, whose posts come in minutes behind the others, keeps the wait it needs
#: between two reads.
LATENESS_MEMORY_SECONDS: Final = 3600.0
#: Event time a live stream is followed, by default, before what it taught replaces the
#: allowed lateness: after a start, a source read every few minutes has delivered once.
LATENESS_LEARNING_SECONDS: Final = 600.0
#: The memory is kept in spans of this much event time, the two latest posts of each.
_LATENESS_SPAN: Final = 300.0

PAST: Final = "past_timestamp"
FUTURE: Final = "future_timestamp"


def _iso(ts: float) -> str:
    try:
        return datetime.fromtimestamp(ts, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return repr(ts)


def door_problem(ts: float, wall: float) -> InvalidPost | None:
    """Why a post dated ``ts`` cannot have been written by ``wall`` (the wall clock), or
    None when it can. Used wherever posts come in: the ingest endpoint, scoring, replays."""
    if ts < EARLIEST_TS:
        return InvalidPost(PAST, f"created_at {_iso(ts)} is before {_iso(EARLIEST_TS)}")
    if ts > wall + MAX_FUTURE_SECONDS:
        ahead = ts - wall
        return InvalidPost(
            FUTURE, f"created_at {_iso(ts)} is {ahead:.0f} s ahead of the clock ({_iso(wall)})"
        )
    return None


def stream_problem(ts: float, agreed_ts: float | None) -> InvalidPost | None:
    """Why a post dated ``ts`` does not belong to a stream whose posts agreed on
    ``agreed_ts`` (None: no agreement yet, so nothing to compare with)."""
    if agreed_ts is not None and ts < agreed_ts - MAX_BEHIND_SECONDS:
        behind = (agreed_ts - ts) / 3600
        return InvalidPost(
            PAST, f"created_at {_iso(ts)} is {behind:.1f} h behind its stream ({_iso(agreed_ts)})"
        )
    return None


def keep_newest(newest: tuple[float, ...], ts: float) -> tuple[float, ...]:
    """``newest`` (distinct times, newest first, at most :data:`KEPT`) with ``ts``."""
    if ts in newest or (len(newest) >= KEPT and ts < newest[-1]):
        return newest
    return tuple(sorted((*newest, ts), reverse=True)[:KEPT])


def keep_oldest(oldest: tuple[float, ...], ts: float) -> tuple[float, ...]:
    """``oldest`` (distinct times, oldest first, at most :data:`KEPT`) with ``ts``."""
    if ts in oldest or (len(oldest) >= KEPT and ts > oldest[-1]):
        return oldest
    return tuple(sorted((*oldest, ts))[:KEPT])


def agreed(newest: tuple[float, ...]) -> float | None:
    """The newest time :data:`AGREEING` distinct posts reach, from ``newest`` as
    :func:`keep_newest` keeps it, leaving out a newest post that stands apart. None until
    that many agree."""
    if len(newest) >= 2 and newest[0] - newest[1] > APART_SECONDS:
        newest = newest[1:]
    return newest[AGREEING - 1] if len(newest) >= AGREEING else None


def agreed_newest(times: Iterable[float]) -> float | None:
    """The newest time :data:`AGREEING` distinct ``times`` reach (see :func:`agreed`)."""
    newest: tuple[float, ...] = ()
    for ts in times:
        newest = keep_newest(newest, ts)
    return agreed(newest)


def first_judged(oldest: tuple[float, ...], clock: float) -> float:
    """Where judging begins once the first clock reaches ``clock``, from the ``oldest``
    times held before (as :func:`keep_oldest` keeps them): at the oldest post, unless it
    stands apart, more than :data:`MAX_BEHIND_SECONDS` before the next post or the clock
    (a stray date, which would start the windows years back)."""
    times = sorted((*oldest, clock))
    for ts, following in pairwise(times):
        if following - ts <= MAX_BEHIND_SECONDS:
            return min(ts, clock)
    return clock


@dataclass(slots=True)
class Lateness:
    """How late a stream's posts have lately arrived: how far behind the time its posts
    agreed on (its mark, see :func:`agreed`) when they came. The window clock waits this
    long after a minute before judging it, where it would wait the allowed lateness: a
    stream whose posts arrive in order needs no wait at all, one mixing a source read every
    five minutes needs minutes.

    As for the clock, no post is believed alone: the wait is the lateness
    :data:`AGREEING` posts of the last :data:`LATENESS_MEMORY_SECONDS` reached, so one post
    arriving an hour behind the rest is counted late, not waited for.
    """

    #: The stream's first mark: it has been followed since.
    since: float
    #: Per span of event time (its start), the latest posts' lateness, largest first.
    spans: dict[float, tuple[float, ...]] = field(default_factory=dict)

    def note(self, mark: float, ts: float) -> None:
        """A post dated ``ts``, before ``mark``, arrived when the stream's mark was that."""
        late = mark - ts
        span = mark - mark % _LATENESS_SPAN
        kept = self.spans.get(span, ())
        if len(kept) < AGREEING or late > kept[-1]:
            self.spans[span] = tuple(sorted((*kept, late), reverse=True)[:AGREEING])

    def wait(self, mark: float, learning: float = LATENESS_LEARNING_SECONDS) -> float | None:
        """The lateness to wait for, now that the stream's mark is ``mark``; None while it
        has been followed for less than ``learning`` seconds."""
        if mark - self.since < learning:
            return None
        horizon = mark - LATENESS_MEMORY_SECONDS - _LATENESS_SPAN
        for span in [span for span in self.spans if span <= horizon]:
            del self.spans[span]
        latest = sorted((late for kept in self.spans.values() for late in kept), reverse=True)
        return latest[AGREEING - 1] if len(latest) >= AGREEING else 0.0
