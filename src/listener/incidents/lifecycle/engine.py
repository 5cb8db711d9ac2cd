"""The incident engine: ``step(book, event, now) -> (book, actions)``, a pure function.

One crisis, one incident: while a brand has an active incident, every alert about the
brand joins it, whatever its risk, and the incident's risk rises as the evidence grows (as
Alertmanager's inhibition: a risk that absorbs another takes over, else the higher score
of the register). An incident is paged level by level on the event-time clock, from the
first alert of warning or higher (good news pages nobody), with reminder rounds that thin
out until someone acknowledges it; it resolves itself once no rule that joined it, nor any
rule of its risk, has held for the brand for the risk's ``resolve_after``, recording how
long the brand took to recover. Silences mute the paging, never the record.

Replays change nothing: an alert id already held, a tick that does not move the clock
forward, an acknowledgement of an acknowledged incident, a silence or a delivery failure
already known, all leave the book as it was and emit nothing. ``now`` is the wall-clock
time the event was recorded at (the log message's timestamp), never read from the clock
here, so replaying the log reproduces the wall times too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from listener.incidents.lifecycle.actions import Action, notification_id
from listener.incidents.lifecycle.escalation import brand_silent, due_pages, raise_page
from listener.incidents.lifecycle.events import (
    WAVE,
    Acknowledge,
    AlertReceived,
    DeliveryFailed,
    Event,
    Expire,
    Note,
    Resolve,
    Silence,
    Tick,
)
from listener.incidents.lifecycle.model import (
    ACKNOWLEDGED,
    ENGINE,
    NOTIFIED,
    OPEN,
    RESOLVED,
    Book,
    Incident,
    incident_id,
)
from listener.incidents.lifecycle.policy import Policies
from listener.incidents.lifecycle.silences import muted
from listener.incidents.lifecycle.statements import StatementSteps
from listener.incidents.lifecycle.working import silence_text, union
from listener.records import Alert
from listener.rules.files.config import SEVERITIES
from listener.rules.files.durations import format_duration

#: The lowest severity that pages anyone.
PAGING_SEVERITY: Final = "warning"


class Engine:
    """Applies events to a book under one set of policies."""

    def __init__(self, policies: Policies) -> None:
        self.policies = policies

    def step(self, book: Book, event: Event, now: float) -> tuple[Book, list[Action]]:
        """The book after ``event``, and what to do about it (in order: records, then the
        notifications they explain). ``book`` itself is never changed."""
        run = _Step(self.policies, book, now)
        if isinstance(event, AlertReceived):
            run.alert(event.alert)
        elif isinstance(event, Tick):
            run.tick(event)
        elif isinstance(event, Acknowledge):
            run.acknowledge(event)
        elif isinstance(event, Resolve):
            run.resolve(event)
        elif isinstance(event, Note):
            run.note(event)
        elif isinstance(event, Silence):
            run.silence(event)
        elif isinstance(event, Expire):
            run.expire(event.silence_id, event.who, event.at)
        else:
            run.delivery_failed(event)
        return run.book(), run.actions

    def apply(self, book: Book, event: Event, now: float, offset: int) -> tuple[Book, list[Action]]:
        """:meth:`step` for the message at ``offset`` of the log; a message at or below the
        last offset applied (a redelivery) changes nothing."""
        if offset <= book.offset:
            return book, []
        book, actions = self.step(book, event, now)
        return replace(book, offset=offset), actions


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def _worth_paging(severity: str) -> bool:
    """Whether an incident of ``severity`` pages anyone: good news (info) pages nobody."""
    return _rank(severity) >= _rank(PAGING_SEVERITY)


class _Step(StatementSteps):
    """One step of the engine: the lifecycle rules, event by event."""

    # -- alerts and the clock -----------------------------------------------------------

    def alert(self, alert: Alert) -> None:
        fired = alert.fired_at.timestamp()
        if any(alert.id in i.alert_ids for i in self.incidents.values()):
            return
        if self.clock is not None and fired < self.clock - self.policies.retention:
            return  # older than anything kept: a copy of an alert long dealt with
        self.clock = fired if self.clock is None else max(self.clock, fired)
        self.advance()  # an incident quiet long enough closes before a new one opens
        risk = self.policies.risk_name(alert.rule)
        current = self.book().active_for(alert.brand)
        if current is None:
            incident = self.open(alert, risk, fired)
        else:
            incident = self.join(self.update(current, alert, fired), alert, risk, fired)
        self.advance()
        self.raise_if_silent(self.incidents[incident.id], alert)

    def open(self, alert: Alert, risk: str, fired: float) -> Incident:
        pages = _worth_paging(alert.severity)
        incident = Incident(
            id=incident_id(alert.brand, risk, alert.id),
            brand=alert.brand,
            brand_name=alert.brand_name,
            risk=risk,
            owners=self.policies.owners(risk, alert.owners),
            severity=alert.severity,
            status=OPEN,
            started_at=min(alert.first_true_at.timestamp(), fired),
            opened_at=fired,
            rules=(alert.rule,),
            alert_ids=(alert.id,),
            latest=alert,
            last_evidence_at=fired,
            paging_from=fired if pages else None,
        )
        detail = f"raised by {alert.rule} ({alert.severity})"
        if not pages:
            detail += f"; nobody is paged until it is {PAGING_SEVERITY} or higher"
        incident = self.record(incident, "opened", OPEN, ENGINE, detail)
        if incident.owners not in self.policies.escalation:
            detail = f'owner group "{incident.owners}" is not configured: nobody can be paged'
            incident = self.record(incident, "unroutable", OPEN, ENGINE, detail)
        return incident

    def update(self, incident: Incident, alert: Alert, fired: float) -> Incident:
        """Gather ``alert`` into ``incident``: its rule, the strongest severity, the newest
        figures; paging starts with the first alert of warning or higher."""
        severity = incident.severity
        detail = f"{alert.rule} ({alert.severity})"
        if _rank(alert.severity) > _rank(severity):
            detail += f"; severity raised from {severity}"
            severity = alert.severity
        paging_from = incident.paging_from
        if paging_from is None and _worth_paging(severity):
            paging_from = fired
            detail += "; paging starts"
        newer = fired >= incident.latest.fired_at.timestamp()
        quiet = incident.quiet_since
        return self.record(
            incident,
            "updated",
            incident.status,
            ENGINE,
            detail,
            severity=severity,
            rules=incident.rules if alert.rule in incident.rules else (*incident.rules, alert.rule),
            alert_ids=(*incident.alert_ids, alert.id),
            latest=alert if newer else incident.latest,
            last_evidence_at=max(incident.last_evidence_at, fired),
            quiet_since=None if quiet is not None and fired >= quiet else quiet,
            paging_from=paging_from,
        )

    def join(self, incident: Incident, alert: Alert, risk: str, fired: float) -> Incident:
        """Raise the incident's risk when the alert's risk prevails over it (see
        :meth:`Policies.prevailing`); the id stays, the playbook and owners follow."""
        risen = self.policies.prevailing(incident.risk, risk)
        if risen == incident.risk:
            return incident
        detail = f"risk raised from {incident.risk} to {risen} by rule {alert.rule}"
        owners = self.policies.owners(risen, alert.owners)
        changes: dict[str, Any] = {"risk": risen, "owners": owners}
        handed = owners != incident.owners
        if handed:
            detail += f"; handed from owner group {incident.owners} to {owners}"
            if incident.paging_from is not None and incident.status in (OPEN, NOTIFIED):
                # Nobody of the new group has heard of it: page it from its first level.
                changes.update(paging_from=fired, pages_sent=0, raised=False)
        incident = self.record(incident, "risk_raised", incident.status, ENGINE, detail, **changes)
        if handed and owners not in self.policies.escalation:
            detail = f'owner group "{owners}" is not configured: nobody can be paged'
            incident = self.record(incident, "unroutable", incident.status, ENGINE, detail)
        return incident

    def tick(self, tick: Tick) -> None:
        if self.clock is not None and tick.at < self.clock:
            return  # the clock never goes back: an old tick says nothing new
        self.clock = tick.at
        for key in sorted(self.incidents):
            incident = self.incidents[key]
            if incident.active:
                self.incidents[key] = self.observe(incident, tick)
                self.follow(self.incidents[key], tick)
        self.advance()
        self.evict()

    def observe(self, incident: Incident, tick: Tick) -> Incident:
        """Whether the brand's figures are still out of normal for the incident: a rule of
        its risk or one that joined it holds, or the brand's wave is still under way (a
        crisis that quietens overnight is not over)."""
        rules = self.policies.rules_of(incident.risk) | set(incident.rules) | {WAVE}
        if tick.holding.get(incident.brand, frozenset()) & rules:
            return replace(incident, last_evidence_at=tick.at, quiet_since=None)
        if incident.quiet_since is None and tick.at >= incident.last_evidence_at:
            return replace(incident, quiet_since=tick.at)
        return incident

    def advance(self) -> None:
        """Close what has recovered, page what has fallen due, as of the clock."""
        for key in sorted(self.incidents):
            incident = self.incidents[key]
            if not incident.active:
                continue
            quiet = incident.quiet_since
            after = self.policies.resolve_after(incident.risk)
            if quiet is not None and self.time - quiet >= after:
                self.auto_resolve(incident, quiet)
                continue
            if incident.status in (OPEN, NOTIFIED):
                self.page_due(incident)
            self.check_steps(self.incidents[key])

    def page_due(self, incident: Incident) -> None:
        policy = self.policies.escalation.get(incident.owners)
        if policy is None or incident.paging_from is None:
            return
        pages, _ = due_pages(policy, incident.paging_from, incident.pages_sent, self.time)
        for page in pages:
            incident = self.page(incident, page, page.kind, page.due_at)

    def raise_if_silent(self, incident: Incident, alert: Alert) -> None:
        """Page the next level at once when the alert shows the brand silent too long."""
        threshold = self.policies.raise_after(alert.rule)
        if threshold is None or incident.raised or incident.status not in (OPEN, NOTIFIED):
            return
        policy = self.policies.escalation.get(incident.owners)
        start = incident.paging_from
        if policy is None or start is None or not brand_silent(alert, threshold):
            return
        page = raise_page(policy, start, incident.pages_sent)
        if page is not None:
            detail = f"the brand has not answered for {format_duration(threshold)} or more"
            self.page(replace(incident, raised=True), page, "brand_silent", self.time, detail)

    # -- what people and notifiers say ---------------------------------------------------

    def acknowledge(self, command: Acknowledge) -> None:
        incident = self.incidents.get(command.incident_id)
        if incident is None or incident.status in (ACKNOWLEDGED, RESOLVED):
            return
        incident = self.record(
            incident, "acknowledged", ACKNOWLEDGED, command.who, f"via {command.via}",
            wall_at=command.at, acknowledged_by=command.who, acknowledged_at=self.time,
        )  # fmt: skip
        self.tell(incident, "acknowledged", f"{command.who} is handling it", command.who)

    def resolve(self, command: Resolve) -> None:
        incident = self.incidents.get(command.incident_id)
        if incident is None or not incident.active:
            return
        incident = self.record(
            incident, RESOLVED, RESOLVED, command.who, command.reason,
            wall_at=command.at, resolved_by=command.who, resolved_at=self.time,
            recovered_at=incident.quiet_since,
        )  # fmt: skip
        self.tell(incident, "resolved", f"resolved by {command.who}", command.who)

    def note(self, note: Note) -> None:
        """Put the note on the timeline, once: the same note applied again is a replay."""
        incident = self.incidents.get(note.incident_id)
        if incident is None:
            return
        kind = {"statement": "statement", "assignment": "assigned"}.get(note.what, "note")
        seen = (kind, note.who, note.at, note.text)
        if any((t.kind, t.who, t.wall_at, t.detail) == seen for t in incident.history):
            return
        incident = self.record(
            incident, kind, incident.status, note.who, note.text, wall_at=note.at
        )
        if note.what == "statement" and self.clock is not None:
            self.check_steps(self.heard(incident, self.clock, note.who))

    def auto_resolve(self, incident: Incident, quiet: float) -> None:
        after = format_duration(self.policies.resolve_after(incident.risk))
        took = format_duration(max(0, round(quiet - incident.started_at)))
        detail = f"figures back to normal for {after}; the brand recovered in {took}"
        incident = self.record(
            incident, RESOLVED, RESOLVED, ENGINE, detail,
            resolved_by=ENGINE, resolved_at=self.time, recovered_at=quiet,
        )  # fmt: skip
        self.tell(incident, "resolved", detail)

    def silence(self, silence: Silence) -> None:
        """Keep a new silence (ending the one it replaces), and record it on the active
        incidents it mutes now; one already known, or already over, changes nothing."""
        known = any(s.id == silence.id for s in self.silences)
        if known or (self.clock is not None and silence.ended(self.clock)):
            return
        if silence.replaces:
            self.expire(silence.replaces, silence.who, silence.at)
        self.silences.append(silence)
        if self.clock is None or not silence.active(self.clock):
            return
        for key in sorted(self.incidents):
            incident = self.incidents[key]
            if incident.active and silence.matches(incident):
                self.record(
                    incident, "silenced", incident.status, silence.who,
                    silence_text(silence), wall_at=silence.at,
                )  # fmt: skip

    def expire(self, silence_id: str, who: str, at: float) -> None:
        """End a silence now (event time); one unknown or already over changes nothing."""
        now = self.clock if self.clock is not None else float("-inf")
        for n, silence in enumerate(self.silences):
            if silence.id == silence_id and not silence.ended(now):
                self.silences[n] = silence.ended_at(now)
                return

    def delivery_failed(self, failure: DeliveryFailed) -> None:
        """Record the failure and tell the next level (the first, after the last) that
        ``failure.person`` could not be reached, unless someone already answered.

        A notice that could not be delivered either is only recorded: telling yet another
        level of it would page level after level without end while a channel is down, and
        the page it was about has already been reported once."""
        incident = self.incidents.get(failure.incident_id)
        if incident is None or not incident.active or failure.key in incident.failures:
            return
        detail = f"{failure.person} could not be reached: {failure.reason}"
        changes: dict[str, Any] = {"failures": (*incident.failures, failure.key)}
        if _is_notice(incident, failure.notification_id):
            self.record(
                incident, "delivery_failed", incident.status, ENGINE,
                f"{detail} (a notice of a failed delivery: nobody else is told)",
                level=failure.level, wall_at=failure.at, **changes,
            )  # fmt: skip
            return
        target, people = self.fallback(incident, failure)
        if people:
            changes["paged"] = union(incident.paged, people)
        status = NOTIFIED if people and incident.status == OPEN else incident.status
        incident = self.record(
            incident, "delivery_failed", status, ENGINE, detail,
            level=failure.level, wall_at=failure.at, **changes,
        )  # fmt: skip
        if people:
            self.notify(
                incident, "delivery_failed", failure.key,
                level=target, people=people, due_at=self.time, detail=detail,
                unreached=(failure.person, failure.reason),
            )  # fmt: skip

    def fallback(self, incident: Incident, failure: DeliveryFailed) -> tuple[int, tuple[str, ...]]:
        """The level told instead of someone unreachable, and its people; nobody when the
        incident is acknowledged or silenced, or the level holds only that person."""
        policy = self.policies.escalation.get(incident.owners)
        if policy is None or incident.status == ACKNOWLEDGED:
            return 0, ()
        if muted(self.silences, incident, self.time):
            return 0, ()
        target = failure.level + 1 if failure.level < len(policy.levels) else 1
        people = tuple(p for p in policy.levels[target - 1].notify if p != failure.person)
        return target, people


def _is_notice(incident: Incident, notification: str) -> bool:
    """Whether ``notification`` was the engine's notice that someone could not be reached
    (its id derives from the key of the failure it reported)."""
    return any(
        notification == notification_id(incident.id, "delivery_failed", key)
        for key in incident.failures
    )
