"""When each level of an owner group is paged for an incident, on the event-time clock.

An incident's paging sequence is the levels of its owner group in order, each due
``after`` seconds after the incident opened; with ``repeat``, the levels start again
``repeat`` seconds after the last one, round after round, until someone acknowledges.
The engine keeps only how many pages of the sequence it has sent, so the whole schedule
is a pure function of (policy, opening time, pages sent, clock): a replay pages each level
at the event time it would have been paged live.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Final

from listener.records import Alert
from listener.rules.escalation import EscalationPolicy

#: The alert figure that says how long the brand has said nothing (None: never seen).
SILENCE_FIGURE: Final = "minutes_since_brand_post"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of an incident's sequence."""

    index: int  # position in the sequence, from 0
    round: int  # 0 the first time through the levels, then 1, 2, ... for the reminders
    level: int  # from 1
    due_at: float  # event time
    people: tuple[str, ...]

    @property
    def kind(self) -> str:
        if self.round > 0:
            return "reminder"
        return "opened" if self.level == 1 else "escalated"


def page_at(policy: EscalationPolicy, opened_at: float, index: int) -> Page | None:
    """The ``index``-th page of the sequence; None past the last level when nothing repeats."""
    cycle = policy.cycle
    count = len(policy.levels)
    if index < 0 or (cycle is None and index >= count):
        return None
    round_, position = divmod(index, count)
    level = policy.levels[position]
    due = opened_at + round_ * (cycle or 0) + level.after
    return Page(index, round_, position + 1, due, level.notify)


def due_pages(
    policy: EscalationPolicy, opened_at: float, sent: int, clock: float
) -> tuple[list[Page], int]:
    """The pages due by ``clock`` that were not sent, and how many pages are then sent.

    At most one page per level comes out of one call: a worker catching up after hours
    down would otherwise page every level once per round it missed, all at once; the
    older rounds are counted as sent and only the latest ones go out.
    """
    index = sent
    cycle = policy.cycle
    count = len(policy.levels)
    if cycle is not None and clock - opened_at > 2 * cycle:
        # Skip whole rounds that cannot survive the trimming below, without walking them.
        index = max(sent, (int((clock - opened_at) // cycle) - 1) * count)
    pages: deque[Page] = deque(maxlen=count)
    while (page := page_at(policy, opened_at, index)) is not None and page.due_at <= clock:
        pages.append(page)
        index += 1
    return list(pages), max(index, sent)


def raise_page(policy: EscalationPolicy, opened_at: float, sent: int) -> Page | None:
    """The page to send early when the brand stays silent: the next level of the round
    under way. None when nothing was paged yet or the round has no higher level."""
    if sent == 0:
        return None
    last = page_at(policy, opened_at, sent - 1)
    following = page_at(policy, opened_at, sent)
    if last is None or following is None or following.round != last.round:
        return None
    return following


def brand_silent(alert: Alert, threshold: int) -> bool:
    """Whether ``alert`` shows the brand silent for at least ``threshold`` seconds. A brand
    never seen posting counts as silent; an alert without the figure proves nothing."""
    if SILENCE_FIGURE not in alert.figures:
        return False
    minutes = alert.figures[SILENCE_FIGURE]
    return minutes is None or minutes * 60 >= threshold
