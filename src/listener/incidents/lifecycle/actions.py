"""What the incident engine asks the world to do: tell people (:class:`Notify`) and keep a
record of each transition (:class:`Record`). The engine itself does neither.

Every notification has a deterministic id. The engine never emits the same one twice from
one history, but a worker that crashes after sending and before its snapshot replays the
log since the snapshot and emits those notifications again, with the same ids: the
notifier's dedupe stage drops the copies, so nobody is told twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from listener.incidents.lifecycle.escalation import Page
from listener.incidents.lifecycle.model import Incident, Transition

#: Notifications that ask someone to act: each is a page.
PAGE_KINDS: Final = ("opened", "escalated", "reminder", "brand_silent", "delivery_failed")
#: Notifications that only keep the people already paged informed.
INFO_KINDS: Final = ("acknowledged", "resolved")


def notification_id(incident_id: str, kind: str, key: str | int) -> str:
    """Deterministic: the same notification emitted again after a restart keeps its id."""
    return hashlib.sha256(f"{incident_id}|{kind}|{key}".encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Notify:
    """Tell ``people`` (person ids of owners.yaml) about ``incident``.

    ``level`` counts from 1: the level paged, or for news (acknowledged, resolved) the
    highest level paged so far. ``cycle`` counts the reminder rounds (0 the first time
    through the levels). ``due_at`` is the event time at which the notification fell
    due, so a replay shows when each level would have been paged. ``next`` is who will be
    paged next, and when, unless someone acknowledges first (None: nobody more).
    ``playbook`` holds the prepared steps for the incident's risk at its severity.
    """

    id: str
    kind: str
    incident: Incident
    level: int
    people: tuple[str, ...]
    due_at: float
    playbook: tuple[str, ...]
    detail: str = ""
    cycle: int = 0
    next: Page | None = None
    #: For ``delivery_failed``: the person who could not be reached, and why.
    unreached: tuple[str, str] | None = None

    @property
    def is_page(self) -> bool:
        return self.kind in PAGE_KINDS

    @property
    def brand(self) -> str:
        return self.incident.brand

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "incident": self.incident.to_dict(),
            "level": self.level,
            "people": list(self.people),
            "due_at": self.due_at,
            "playbook": list(self.playbook),
            "detail": self.detail,
            "cycle": self.cycle,
            "next": None if self.next is None else _page_dict(self.next),
            "unreached": None if self.unreached is None else list(self.unreached),
        }

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Notify:
        following = data["next"]
        unreached = data.get("unreached")
        return cls(
            id=str(data["id"]),
            kind=str(data["kind"]),
            incident=Incident.from_dict(data["incident"]),
            level=int(data["level"]),
            people=tuple(map(str, data["people"])),
            due_at=float(data["due_at"]),
            playbook=tuple(map(str, data["playbook"])),
            detail=str(data["detail"]),
            cycle=int(data["cycle"]),
            next=None if following is None else _page(following),
            unreached=None if unreached is None else (str(unreached[0]), str(unreached[1])),
        )

    @classmethod
    def loads(cls, raw: bytes) -> Notify:
        return cls.from_dict(orjson.loads(raw))


@dataclass(frozen=True, slots=True)
class Record:
    """A transition to keep: the incident as it is after ``transition``."""

    incident: Incident
    transition: Transition

    def dumps(self) -> bytes:
        return orjson.dumps(
            {"incident": self.incident.to_dict(), "transition": self.transition.to_dict()}
        )


Action = Notify | Record


def _page(data: Mapping[str, Any]) -> Page:
    # The position in the sequence is not carried: a reader needs only who and when.
    people = tuple(map(str, data["people"]))
    return Page(-1, int(data["cycle"]), int(data["level"]), float(data["due_at"]), people)


def _page_dict(page: Page) -> dict[str, Any]:
    return {
        "level": page.level,
        "cycle": page.round,
        "due_at": page.due_at,
        "people": list(page.people),
    }
