"""When each level of an owner group is paged for an incident, on the event-time clock.

An incident's paging sequence starts when its severity first reaches warning (an incident
of good news pages nobody): the levels of its owner group in order, each due ``after``
seconds from that start. Then, while nobody acknowledges, come the reminder rounds: each
is ONE page to everyone of every level, the first ``reminders[0]`` seconds after the last
level, the next ``reminders[1]`` after that, and so on, the last gap repeating. Reminders
thin out as the night goes on, and a person hears once per round, not once per level.

The engine keeps only how many pages of the sequence it has sent, so the whole schedule
is a pure function of (policy, start, pages sent, clock): a replay pages each level at the
event time it would have been paged live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from listener.records import Alert
from listener.rules.escalation import EscalationPolicy

#: The alert figure that says how long the brand has been silent in the wave under way:
#: minutes since the later of the wave's start and the brand's last on-brand own post.
SILENCE_FIGURE: Final = "minutes_silent"
#: Read when an alert does not carry :data:`SILENCE_FIGURE`: minutes since the brand's
#: last own post, whenever it was (None: never seen posting).
LAST_POST_FIGURE: Final = "minutes_since_brand_post"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of an incident's sequence."""

    index: int  # position in the sequence, from 0
    round: int  # 0 the first time through the levels, then 1, 2, ... for the reminders
    level: int  # from 1; a reminder round counts as level 1, told with everyone after it
    due_at: float  # event time
    people: tuple[str, ...]

    @property
    def kind(self) -> str:
        if self.round > 0:
            return "reminder"
        return "opened" if self.level == 1 else "escalated"


def reminder_after(policy: EscalationPolicy, round_: int) -> int:
    """Seconds from the start of the sequence to reminder round ``round_`` (from 1)."""
    gaps = policy.reminders
    listed = sum(gaps[:round_])
    beyond = max(0, round_ - len(gaps)) * gaps[-1]
    return policy.levels[-1].after + listed + beyond


def rounds_due(policy: EscalationPolicy, elapsed: float) -> int:
    """How many reminder rounds have fallen due ``elapsed`` seconds into the sequence."""
    gaps = policy.reminders
    if not gaps:
        return 0
    at = float(policy.levels[-1].after)
    for done, gap in enumerate(gaps):
        if at + gap > elapsed:
            return done
        at += gap
    return len(gaps) + int((elapsed - at) // gaps[-1])


def page_at(policy: EscalationPolicy, start: float, index: int) -> Page | None:
    """The ``index``-th page of the sequence; None past the last level when nobody is
    reminded."""
    count = len(policy.levels)
    if index < 0:
        return None
    if index < count:
        level = policy.levels[index]
        return Page(index, 0, index + 1, start + level.after, level.notify)
    if not policy.reminders:
        return None
    round_ = index - count + 1
    return Page(index, round_, 1, start + reminder_after(policy, round_), policy.everyone)


def due_pages(
    policy: EscalationPolicy, start: float, sent: int, clock: float
) -> tuple[list[Page], int]:
    """The pages due by ``clock`` that were not sent, and how many pages are then sent.

    At most one page per person comes out of one call: a worker catching up after hours
    down would otherwise page every round it missed, all at once. When a reminder round
    has fallen due, only the latest one goes out (it tells every level); the levels and
    rounds before it that were not sent are counted as sent.
    """
    count = len(policy.levels)
    rounds = rounds_due(policy, clock - start)
    latest = count + rounds - 1
    if rounds and latest >= sent:
        page = page_at(policy, start, latest)
        assert page is not None  # a round that fell due exists
        return [page], latest + 1
    pages: list[Page] = []
    index = sent
    while index < count and (page := page_at(policy, start, index)) and page.due_at <= clock:
        pages.append(page)
        index += 1
    return pages, index


def raise_page(policy: EscalationPolicy, start: float, sent: int) -> Page | None:
    """The page to send early when the brand stays silent: the next level of the first
    round. None when nothing was paged yet or no level is left to raise to."""
    if sent == 0:
        return None
    last = page_at(policy, start, sent - 1)
    following = page_at(policy, start, sent)
    if last is None or following is None or following.round != last.round:
        return None
    return following


def brand_silent(alert: Alert, threshold: int) -> bool:
    """Whether ``alert`` shows the brand silent for at least ``threshold`` seconds.

    The silence of the wave (:data:`SILENCE_FIGURE`) when the alert carries it: a brand
    that answered since the wave began is not silent, however long ago its post before
    that. Else the time since its last answer, a brand never seen answering counting as
    silent. An alert with neither figure proves nothing.
    """
    figures = alert.figures
    minutes = figures.get(SILENCE_FIGURE)
    if minutes is not None:
        return minutes * 60 >= threshold
    if LAST_POST_FIGURE not in figures:
        return False
    since = figures[LAST_POST_FIGURE]
    return since is None or since * 60 >= threshold
