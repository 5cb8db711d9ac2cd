"""The working copy of a book during one step of the engine: the incidents as they are
being changed, and the actions emitted so far. Every change to an incident goes through
:meth:`WorkingBook.record`, so no transition is ever made without being recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from listener.incidents.lifecycle.actions import PAGE_KINDS, Action, Notify, Record, notification_id
from listener.incidents.lifecycle.escalation import Page, page_at
from listener.incidents.lifecycle.model import (
    ACKNOWLEDGED,
    ENGINE,
    NOTIFIED,
    Book,
    Incident,
    Transition,
)
from listener.incidents.lifecycle.policy import Policies
from listener.incidents.lifecycle.silences import Silence, silencer


class WorkingBook:
    """The working copy of a book during one step of the engine, with the primitives every
    handler uses: keep a transition, tell people, page. Thrown away after the step."""

    def __init__(self, policies: Policies, book: Book, now: float) -> None:
        self.policies = policies
        self.now = now
        self.clock = book.clock
        self.offset = book.offset
        self.incidents = dict(book.incidents)
        self.silences = list(book.silences)
        self.actions: list[Action] = []

    def book(self) -> Book:
        return Book(
            clock=self.clock,
            incidents=MappingProxyType(self.incidents),
            silences=tuple(self.silences),
            offset=self.offset,
        )

    @property
    def time(self) -> float:
        """The event-time clock; only read once an incident exists, so it is set."""
        assert self.clock is not None
        return self.clock

    def record(
        self,
        incident: Incident,
        kind: str,
        status: str,
        who: str,
        detail: str = "",
        *,
        level: int | None = None,
        event_at: float | None = None,
        wall_at: float | None = None,
        **changes: Any,
    ) -> Incident:
        """Apply ``changes`` and a transition to ``incident``, keep it, and emit a Record."""
        transition = Transition(
            kind=kind,
            status=status,
            who=who,
            event_at=self.time if event_at is None else event_at,
            wall_at=self.now if wall_at is None else wall_at,
            detail=detail,
            level=level,
        )
        incident = incident.with_transition(transition, **changes)
        self.incidents[incident.id] = incident
        self.actions.append(Record(incident, transition))
        return incident

    def notify(self, incident: Incident, kind: str, key: str | int, **fields: Any) -> None:
        """Emit a notification about ``incident``; ``fields`` are those of :class:`Notify`
        (level, people, due_at, detail, cycle). For a page, the next page of the sequence
        is named, so the reader knows who is told next if nobody acknowledges."""
        policy = self.policies.escalation.get(incident.owners)
        start = incident.paging_from
        upcoming = None
        if policy and start is not None and kind in PAGE_KINDS and incident.status != ACKNOWLEDGED:
            upcoming = page_at(policy, start, incident.pages_sent)
        self.actions.append(
            Notify(
                id=notification_id(incident.id, kind, key),
                kind=kind,
                incident=incident,
                playbook=self.policies.playbook(incident.risk, incident.severity),
                next=upcoming,
                **fields,
            )
        )

    def tell(self, incident: Incident, kind: str, detail: str, who: str | None = None) -> None:
        """Let everyone already paged know, except the person who did it."""
        people = tuple(p for p in incident.paged if p != who)
        levels = [t.level for t in incident.history if t.kind == "paged" and t.level]
        if people:
            self.notify(
                incident, kind, 0,
                level=max(levels, default=1), people=people, due_at=self.time, detail=detail,
            )  # fmt: skip

    def evict(self) -> None:
        """Forget incidents resolved longer ago than the retention, and ended silences."""
        horizon = self.time - self.policies.retention
        for key in [k for k, i in self.incidents.items() if _resolved_before(i, horizon)]:
            del self.incidents[key]
        self.silences = [s for s in self.silences if not s.ended(self.time)]

    def page(
        self, incident: Incident, page: Page, kind: str, due: float, detail: str = ""
    ) -> Incident:
        """Send one page of the sequence, or record why it was not sent."""
        sent = page.index + 1
        why = silencer(self.silences, incident, due)
        if why is not None:
            note = f"level {page.level} not paged: {silence_text(why)}"
            return self.record(
                incident, "page_silenced", incident.status, ENGINE, note,
                level=page.level, event_at=due, pages_sent=sent,
            )  # fmt: skip
        people = ", ".join(page.people)
        incident = self.record(
            incident, "paged", NOTIFIED, ENGINE, f"{kind}: {people}",
            level=page.level, event_at=due, pages_sent=sent,
            paged=union(incident.paged, page.people),
        )  # fmt: skip
        self.notify(
            incident, kind, page.index,
            level=page.level, people=page.people, due_at=due, detail=detail, cycle=page.round,
        )  # fmt: skip
        return incident


def _resolved_before(incident: Incident, horizon: float) -> bool:
    return incident.resolved_at is not None and incident.resolved_at < horizon


def union(people: tuple[str, ...], more: Iterable[str]) -> tuple[str, ...]:
    return (*people, *(p for p in more if p not in people))


def silence_text(silence: Silence | None) -> str:
    if silence is None:
        return "silenced"
    return (
        f"{silence.describe()} silenced by {silence.who}"
        f" until {when_text(silence.until)}: {silence.reason}"
    )


def when_text(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")
