"""The brand's answer, checked against the stream: statements and the playbook steps that
expect one.

A statement is seen when the brand answers from one of its own accounts after its trouble
began (a reply, or a post that speaks to people about the trouble: an off-brand post from a
taken account is no answer, nor is an offer it had scheduled; windows/learning/own.py), or
when someone records on the incident that it is published. Each playbook step that names
an expectation (listener.rules.playbooks) is then either met, recorded with how long after
the first page it came, or late: once its time since the first page has passed with no
statement, the next escalation level is told, once, that the step is late, whether or not
someone has acknowledged (an acknowledged crisis with no answer is what the next level
must hear about); people of that level already paged and still being reminded are not
sent one more message. From the statement on, the incident keeps the brand's figures at
the statement and the newest while they are out of normal: its recovery.
"""

from __future__ import annotations

from dataclasses import replace

from listener.incidents.lifecycle.events import Tick
from listener.incidents.lifecycle.model import ACKNOWLEDGED, ENGINE, Incident
from listener.incidents.lifecycle.silences import silencer
from listener.incidents.lifecycle.working import WorkingBook, silence_text, union, when_text
from listener.rules.files.durations import format_duration
from listener.rules.playbooks import Expectation

#: Who a statement seen in the stream is recorded as made by.
OWN_ACCOUNT = "own account"


def first_page_at(incident: Incident) -> float | None:
    """When the incident's first page went out (event time); None before any."""
    return next((t.event_at for t in incident.history if t.kind == "paged"), None)


def paged_level(incident: Incident) -> int:
    """The highest escalation level paged so far (0: none)."""
    return max((t.level or 0 for t in incident.history if t.kind == "paged"), default=0)


def _minutes(seconds: float) -> str:
    return format_duration(max(0, round(seconds / 60) * 60)) if seconds >= 60 else "<1m"


class StatementSteps(WorkingBook):
    """The handlers of statements and expected steps, shared by the engine's step."""

    def follow(self, incident: Incident, tick: Tick) -> Incident:
        """What a tick says of the brand: its figures while out of normal, its own posts."""
        pulse = tick.pulse.get(incident.brand)
        if pulse is not None:
            incident = self.incidents[incident.id] = replace(incident, pulse=(tick.at, *pulse))
        spoke = tick.spoke.get(incident.brand)
        if spoke is not None:
            incident = self.heard(incident, spoke, OWN_ACCOUNT)
        return incident

    def heard(self, incident: Incident, at: float, by: str) -> Incident:
        """Record the brand's first statement since its trouble began."""
        if incident.statement_at is not None or at < incident.started_at or not incident.active:
            return incident
        paged = first_page_at(incident)
        after = f", {_minutes(at - paged)} after the first page" if paged is not None else ""
        source = "from its own account" if by == OWN_ACCOUNT else f"(recorded by {by})"
        detail = f"the brand made a statement {source} at {when_text(at)}{after}"
        return self.record(
            incident, "statement_seen", incident.status, by if by != OWN_ACCOUNT else ENGINE,
            detail, statement_at=at, statement_by=by, statement_pulse=self._pulse_now(incident, at),
        )  # fmt: skip

    def check_steps(self, incident: Incident) -> Incident:
        """Each expected step of the incident's playbook: met, or late by the clock."""
        expectations = self.policies.expectations(incident.risk, incident.severity)
        paged = first_page_at(incident)
        if not expectations or paged is None or not incident.active:
            return incident
        for expectation in expectations:
            if expectation.number in incident.steps_done:
                continue
            due = paged + expectation.within
            if incident.statement_at is not None:
                incident = self._met(incident, expectation, paged, due)
            elif self.time >= due and not incident.steps_late:
                # Once per incident: a statement is one thing to be late with, whatever
                # step of which risk's playbook asked for it (the risk may have risen).
                incident = self._late(incident, expectation, due)
        return incident

    def _met(self, incident: Incident, step: Expectation, paged: float, due: float) -> Incident:
        at = incident.statement_at
        assert at is not None
        late = f", {_minutes(at - due)} late" if at > due else ""
        detail = (
            f'step {step.number} met ("{step.step}"): statement {_by(incident)} '
            f"{_minutes(at - paged)} after the first page{late}"
        )
        return self.record(
            incident, "step_met", incident.status, ENGINE, detail,
            steps_done=(*incident.steps_done, step.number),
        )  # fmt: skip

    def _late(self, incident: Incident, step: Expectation, due: float) -> Incident:
        """Tell the level after the highest paged (the last level when none is left)."""
        within = format_duration(step.within)
        detail = (
            f'step {step.number} is late ("{step.step}"): no statement from the brand '
            f"within {within} of the first page"
        )
        policy = self.policies.escalation.get(incident.owners)
        if policy is None:
            return self.record(
                incident, "step_late", incident.status, ENGINE, f"{detail}; nobody to tell",
                event_at=due, steps_late=(*incident.steps_late, step.number),
            )  # fmt: skip
        level = min(paged_level(incident) + 1, len(policy.levels))
        people = policy.levels[level - 1].notify
        if incident.status != ACKNOWLEDGED:
            # Those already paged are being reminded until someone acknowledges: one more
            # message each would only add to the flood.
            people = tuple(p for p in people if p not in incident.paged)
        if not people:
            return self.record(
                incident, "step_late", incident.status, ENGINE,
                f"{detail}; level {level} already paged and reminded",
                level=level, event_at=due, steps_late=(*incident.steps_late, step.number),
            )  # fmt: skip
        why = silencer(self.silences, incident, due)
        if why is not None:
            return self.record(
                incident, "step_late", incident.status, ENGINE,
                f"{detail}; level {level} not told: {silence_text(why)}",
                level=level, event_at=due, steps_late=(*incident.steps_late, step.number),
            )  # fmt: skip
        incident = self.record(
            incident, "step_late", incident.status, ENGINE, f"{detail}; told level {level}",
            level=level, event_at=due, steps_late=(*incident.steps_late, step.number),
            paged=union(incident.paged, people),
        )  # fmt: skip
        self.notify(
            incident, "step_late", step.number,
            level=level, people=people, due_at=due, detail=detail,
        )  # fmt: skip
        return incident

    def _pulse_now(self, incident: Incident, at: float) -> tuple[float, int, int] | None:
        """The brand's figures at the statement: the newest seen, else its last alert's."""
        if incident.pulse is not None:
            return incident.pulse
        figures = incident.latest.figures
        volume, negative = figures.get("volume"), figures.get("negative")
        if volume is None or negative is None:
            return None
        return (incident.latest.fired_at.timestamp(), int(volume), int(negative))


def _by(incident: Incident) -> str:
    if incident.statement_by == OWN_ACCOUNT:
        return "from the brand's own account"
    return f"recorded by {incident.statement_by}"
