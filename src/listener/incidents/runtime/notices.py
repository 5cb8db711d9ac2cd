"""From what the engine asks (:class:`~listener.incidents.lifecycle.actions.Notify`) to what the
notifiers send (:class:`~listener.notifiers.message.Notification`): the people of
owners.yaml with their addresses and channels, the owner group's Slack channel and
webhooks, who is told next, and a signed acknowledge link for the people each message
goes to.

Times in the message are event time, the clock the escalation runs on, so a replay says
"if nobody acknowledges by 16:54" as the live run would have. A link's expiry is wall-clock
time, from the moment the message is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import quote

from listener.incidents.access.tokens import LinkSigner, action_link
from listener.incidents.lifecycle.actions import Notify
from listener.notifiers.fanout import SYSTEMS, Notifiers, Route, plan
from listener.notifiers.message import NEEDS_ACTION, Kind, NextStep, Notification, Recipient
from listener.rules.files.config import GroupChannels
from listener.rules.ruleset import Owners


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@dataclass(frozen=True, slots=True)
class Composer:
    """Builds the messages of a notification from the owners' configuration."""

    owners: Owners
    signer: LinkSigner | None = None
    #: Where the incident API is reached from people's screens (the ack links' base).
    base_url: str = ""
    #: Whether the worker serves the incident page (it needs the API key), to link to it.
    page: bool = False

    def recipient(self, person_id: str) -> Recipient:
        person = self.owners.people.get(person_id)
        if person is None:  # removed from owners.yaml since it was paged: nobody to reach
            return Recipient(person_id, person_id, channels=())
        return Recipient(person_id, person.name, person.slack, person.email, person.channels)

    def names(self, people: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.recipient(person).name for person in people)

    def notification(self, notify: Notify) -> Notification:
        """The notification as every channel renders it, before links are signed."""
        incident = notify.incident
        group = self.owners.groups.get(incident.owners)
        channels = group.channels if group is not None else None
        following = notify.next
        unreached: tuple[str, ...] = ()
        if notify.unreached is not None:
            person, reason = notify.unreached
            unreached = (f"{self.recipient(person).name} ({reason})",)
        return Notification(
            kind=Kind(notify.kind),
            incident_id=incident.id,
            alert=incident.latest,
            level=notify.level,
            recipients=tuple(self.recipient(person) for person in notify.people),
            at=_at(notify.due_at),
            next_step=None
            if following is None
            else NextStep(following.level, _at(following.due_at), self.names(following.people)),
            playbook=notify.playbook,
            cycle=notify.cycle,
            acknowledged_by=incident.acknowledged_by,
            unreached=unreached,
            slack_channel=channels.slack if channels is not None else None,
            detail=notify.detail,
            source_id=notify.id,
            risk=incident.risk,
            severity=incident.severity,
            page_url=f"{self.base_url}/board/incidents/{quote(incident.id)}"
            if self.page and self.base_url
            else None,
        )

    def routes(self, notify: Notify, notifiers: Notifiers, now: float) -> list[Route]:
        """Every delivery ``notify`` needs, each with a link for the people it reaches."""
        group = self.owners.groups.get(notify.incident.owners)
        channels = group.channels if group and group.channels else GroupChannels()
        routes = plan(
            self.notification(notify), notifiers,
            webhooks=channels.webhooks, pagerduty=channels.pagerduty, teams=channels.teams,
        )  # fmt: skip
        return [self.linked(route, now) for route in routes]

    def linked(self, route: Route, now: float) -> Route:
        """``route`` with an acknowledge link signed for the people it goes to (a Slack
        message to a level of two people acknowledges as either of them). A webhook,
        PagerDuty or a Teams channel reaches a system or a room, not those people: it gets
        no link to act as them."""
        message = route.message
        if self.signer is None or message.kind not in NEEDS_ACTION or not message.recipients:
            return route
        if route.where.channel in SYSTEMS:
            return route
        person = " or ".join(r.id for r in message.recipients)
        token = self.signer.sign(message.incident_id, "ack", person, now)
        url = action_link(self.base_url, message.incident_id, "ack", token)
        return replace(route, message=replace(message, ack_url=url))
