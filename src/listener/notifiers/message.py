"""What to tell whom: the record every notifier receives.

A :class:`Notification` is built by the incident lifecycle at each transition (an incident
opened, escalated to the next level, a reminder, acknowledged, resolved, or a delivery that
failed and is reported to the next level). It carries everything a message needs, so a
notifier never looks anything up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson

from listener.records import Alert


class Kind(StrEnum):
    """The transition a notification reports."""

    OPENED = "opened"
    ESCALATED = "escalated"
    REMINDER = "reminder"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DELIVERY_FAILED = "delivery_failed"
    BRAND_SILENT = "brand_silent"
    #: A playbook step's expectation (a statement within 30 minutes) was not met in time.
    STEP_LATE = "step_late"


#: Kinds that ask the reader to act (acknowledge); the others only inform.
NEEDS_ACTION = frozenset(
    {
        Kind.OPENED,
        Kind.ESCALATED,
        Kind.REMINDER,
        Kind.DELIVERY_FAILED,
        Kind.BRAND_SILENT,
        Kind.STEP_LATE,
    }
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person told by a notification, with the addresses from rules/owners.yaml.

    ``slack`` is a member id ("U012AB3CD", which pings) or a handle ("@maria.rossi", shown
    as text: Slack no longer pings by name). ``channels`` are the channels the person is
    told on, in the order they prefer.
    """

    id: str
    name: str
    slack: str | None = None
    email: str | None = None
    channels: tuple[str, ...] = ("slack", "email")


@dataclass(frozen=True, slots=True)
class NextStep:
    """Who is told next, and when, if nobody acknowledges before then."""

    level: int
    at: datetime
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Notification:
    """One transition of one incident, for the people of one escalation level.

    ``level`` counts from 1. ``cycle`` counts the reminder rounds after the last
    level (``reminders:`` in owners.yaml), so the reminder of the second round is a different
    transition from the first. ``at`` is when the transition happened (timezone-aware).
    ``acknowledged_by`` is set for :attr:`Kind.ACKNOWLEDGED`; ``unreached`` lists, for
    :attr:`Kind.DELIVERY_FAILED`, the people and channels that could not be reached.
    ``slack_channel`` is the owner group's Slack channel (None: the notifier's default).
    ``detail`` is one sentence of the project's own words on why (for
    :attr:`Kind.BRAND_SILENT`: "the brand has not answered for 30m or more"), never post text.
    ``source_id`` is the deterministic id the incident engine gave this notification; when
    set, it names the transition in dedupe keys instead of ``kind`` and ``cycle``.
    """

    kind: Kind
    incident_id: str
    alert: Alert
    level: int
    recipients: tuple[Recipient, ...]
    at: datetime
    next_step: NextStep | None = None
    ack_url: str | None = None
    playbook: tuple[str, ...] = ()
    cycle: int = 0
    acknowledged_by: str | None = None
    unreached: tuple[str, ...] = ()
    slack_channel: str | None = None
    detail: str = ""
    source_id: str | None = None
    #: Everyone told at this level, when this message reaches only some of them (each
    #: email goes to one person): "told now" names them all, not only the reader.
    told: tuple[str, ...] = ()
    #: The incident's risk and severity now, which may have risen past the latest
    #: alert's (None: the alert's severity, no risk named).
    risk: str | None = None
    severity: str | None = None
    #: The incident's page for the crisis team (it asks people to sign in); None when the
    #: page is not served.
    page_url: str | None = None

    def __post_init__(self) -> None:
        if self.level < 1:
            raise ValueError(f"level counts from 1, got {self.level}")
        if self.cycle < 0:
            raise ValueError(f"cycle must not be negative, got {self.cycle}")
        if self.at.utcoffset() is None:
            raise ValueError("at must carry a timezone")
        if not self.incident_id:
            raise ValueError("incident_id must not be empty")

    @property
    def transition(self) -> str:
        """The transition's name in dedupe keys: the engine's id when there is one, else
        kind and round (``"reminder.1"`` is the second round)."""
        return self.source_id or f"{self.kind.value}.{self.cycle}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "incident_id": self.incident_id,
            "alert": self.alert.to_dict(),
            "level": self.level,
            "cycle": self.cycle,
            "recipients": [_recipient_dict(r) for r in self.recipients],
            "at": self.at.isoformat(),
            "next_step": None
            if self.next_step is None
            else {
                "level": self.next_step.level,
                "at": self.next_step.at.isoformat(),
                "names": list(self.next_step.names),
            },
            "ack_url": self.ack_url,
            "playbook": list(self.playbook),
            "acknowledged_by": self.acknowledged_by,
            "unreached": list(self.unreached),
            "slack_channel": self.slack_channel,
            "detail": self.detail,
            "source_id": self.source_id,
            "told": list(self.told),
            "page_url": self.page_url,
        }

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def loads(cls, raw: bytes) -> Notification:
        data = orjson.loads(raw)
        step = data["next_step"]
        return cls(
            kind=Kind(data["kind"]),
            incident_id=data["incident_id"],
            alert=Alert.loads(orjson.dumps(data["alert"])),
            level=data["level"],
            cycle=data["cycle"],
            recipients=tuple(
                Recipient(**{**r, "channels": tuple(r["channels"])}) for r in data["recipients"]
            ),
            at=datetime.fromisoformat(data["at"]),
            next_step=None
            if step is None
            else NextStep(step["level"], datetime.fromisoformat(step["at"]), tuple(step["names"])),
            ack_url=data["ack_url"],
            playbook=tuple(data["playbook"]),
            acknowledged_by=data["acknowledged_by"],
            unreached=tuple(data["unreached"]),
            slack_channel=data["slack_channel"],
            detail=data.get("detail", ""),
            source_id=data.get("source_id"),
            told=tuple(data.get("told", ())),
            page_url=data.get("page_url"),
        )


def _recipient_dict(recipient: Recipient) -> dict[str, Any]:
    return {
        "id": recipient.id,
        "name": recipient.name,
        "slack": recipient.slack,
        "email": recipient.email,
        "channels": list(recipient.channels),
    }
