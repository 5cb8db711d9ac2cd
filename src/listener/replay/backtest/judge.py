"""One row of the backtest: what a scenario expects, against what one run did for its brand.

Pure: a row is built from the brand's alerts, incident records (the ``incidents`` topic)
and notifications (the ``notifications`` topic, as the incident engine decided them), with
no I/O, so the verdicts can be tested without a broker. The definitions are those of
:mod:`listener.replay.backtest`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Final

from listener.enrich.brands import BrandMatcher, BrandTerms
from listener.incidents.lifecycle.actions import PAGE_KINDS, Notify
from listener.records import Alert, Post, SamplePost
from listener.replay.scenarios.catalog import Expected, Scenario

#: Severities that page someone; an ``info`` notice pages nobody.
PAGE_SEVERITIES: Final = frozenset({"warning", "major", "critical"})
#: How long from the first page messages are counted per person.
MESSAGE_WINDOW: Final = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Seen:
    """What one run produced about one brand."""

    alerts: tuple[Alert, ...] = ()
    #: Records of the ``incidents`` topic: {"incident": ..., "transition": ...}, in order.
    records: tuple[Mapping[str, Any], ...] = ()
    notices: tuple[Notify, ...] = ()

    @classmethod
    def of_brand(
        cls,
        brand: str,
        alerts: Iterable[Alert],
        records: Iterable[Mapping[str, Any]],
        notices: Iterable[Notify],
    ) -> Seen:
        return cls(
            alerts=tuple(a for a in alerts if a.brand == brand),
            records=tuple(r for r in records if r["incident"]["brand"] == brand),
            notices=tuple(n for n in notices if n.brand == brand),
        )


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification of an incident: who was told, when (event time), and why."""

    incident: str
    kind: str
    level: int
    people: tuple[str, ...]
    at: datetime
    severity: str  # the incident's, when it was sent
    risk: str
    rule: str  # of the alert people read in it (the incident's latest)

    @property
    def is_page(self) -> bool:
        """It asks people to act, at a severity that pages (see the module docstring)."""
        return self.kind in PAGE_KINDS and self.severity in PAGE_SEVERITIES

    @classmethod
    def of(cls, notify: Notify, zone: tzinfo) -> Notice:
        incident = notify.incident
        return cls(
            incident=incident.id,
            kind=notify.kind,
            level=notify.level,
            people=notify.people,
            at=datetime.fromtimestamp(notify.due_at, zone),
            severity=incident.severity,
            risk=incident.risk,
            rule=incident.latest.rule,
        )


@dataclass(frozen=True, slots=True)
class IncidentSeen:
    """An incident of the brand as its records tell it, with its notifications."""

    id: str
    risks: tuple[str, ...]  # every risk it was recorded under, in order: the last is final
    severity: str
    status: str
    opened_at: datetime
    acknowledged_at: datetime | None
    rules: tuple[str, ...]
    alert_ids: tuple[str, ...]
    notices: tuple[Notice, ...]

    @property
    def risk(self) -> str:
        return self.risks[-1]

    @property
    def pages(self) -> tuple[Notice, ...]:
        return tuple(n for n in self.notices if n.is_page)


@dataclass(frozen=True, slots=True)
class AlertSeen:
    """An alert as the report lists it."""

    id: str
    rule: str
    severity: str
    fired_at: datetime
    risk: str


@dataclass(frozen=True, slots=True)
class Row:
    """One scenario and seed: what was expected, what happened, and the verdict."""

    scenario: str
    seed: int
    title: str
    kind: str
    brand: str
    expected: Expected
    onset: datetime | None
    #: What minutes are counted from: the expected anchor, else the onset.
    reference: datetime | None
    first_page: Notice | None
    minutes_after: float | None
    incidents: tuple[IncidentSeen, ...]
    #: Messages each person got in the first six hours of the first incident.
    messages: Mapping[str, int]
    false_pages: tuple[Notice, ...]
    silence_escalation: bool
    #: None when the scenario does not ask for it.
    own_account_named: bool | None
    alerts: tuple[AlertSeen, ...]
    #: Why the row failed; empty when it passed.
    reasons: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.reasons

    @property
    def most_messages(self) -> int:
        return max(self.messages.values(), default=0)

    @property
    def paged_incidents(self) -> tuple[IncidentSeen, ...]:
        return tuple(i for i in self.incidents if i.pages)


def zone_of(scenario: Scenario) -> tzinfo:
    """The brand's local time: the offset the scenario's own times are written with."""
    for moment in (scenario.onset, scenario.expected.anchor):
        if moment is not None and moment.tzinfo is not None:
            return moment.tzinfo
    for post in scenario.posts[:1]:
        if post.created_at.tzinfo is not None:
            return post.created_at.tzinfo
    return UTC


def judge(
    scenario: Scenario,
    seen: Seen,
    channels: Mapping[str, int],
    risk_name: Callable[[str], str],
) -> Row:
    """The row of ``scenario``: ``channels`` says how many messages a notification is for
    each person (one per channel of theirs in owners.yaml; 1 for a person not listed);
    ``risk_name`` gives the risk of a rule whose alert joined no incident."""
    zone = zone_of(scenario)
    expected = scenario.expected
    reference = expected.anchor or scenario.onset
    incidents = incidents_of(seen, zone)
    pages = sorted((p for i in incidents for p in i.pages), key=lambda p: p.at)
    first = pages[0] if pages else None
    false = tuple(false_pages(expected, reference, pages))
    silence = any(n.kind == "brand_silent" for i in incidents for n in i.notices)
    named = own_account_named(expected.own_account, scenario.posts, seen)
    row = Row(
        scenario=scenario.name,
        seed=scenario.seed,
        title=scenario.title,
        kind=scenario.kind,
        brand=scenario.brand.id,
        expected=expected,
        onset=scenario.onset,
        reference=reference,
        first_page=first,
        minutes_after=_minutes(first.at, reference) if first and reference else None,
        incidents=incidents,
        messages=messages_per_person(incidents, channels),
        false_pages=false,
        silence_escalation=silence,
        own_account_named=named,
        alerts=alerts_seen(seen.alerts, incidents, risk_name, zone),
        reasons=(),
    )
    return replace(row, reasons=reasons_for(row))


def _minutes(at: datetime, reference: datetime) -> float:
    return (at - reference).total_seconds() / 60


def incidents_of(seen: Seen, zone: tzinfo) -> tuple[IncidentSeen, ...]:
    """Every incident of the brand, in the order they opened, each with its notices."""
    states: dict[str, list[Mapping[str, Any]]] = {}
    for record in seen.records:
        states.setdefault(str(record["incident"]["id"]), []).append(record["incident"])
    notices: dict[str, list[Notice]] = {}
    for notify in seen.notices:
        notices.setdefault(notify.incident.id, []).append(Notice.of(notify, zone))
        if notify.incident.id not in states:  # its records were not read: the notice tells
            states[notify.incident.id] = [notify.incident.to_dict()]
    out = [
        _incident(found, sorted(notices.get(incident_id, ()), key=lambda n: n.at), zone)
        for incident_id, found in states.items()
    ]
    return tuple(sorted(out, key=lambda i: (i.opened_at, i.id)))


def _incident(
    states: Sequence[Mapping[str, Any]], notices: Sequence[Notice], zone: tzinfo
) -> IncidentSeen:
    # Records come in event-time order, and a page is recorded at the time it fell due,
    # which may precede a change recorded before it: the history's length orders them.
    states = sorted(states, key=lambda state: len(state["history"]))
    last = states[-1]
    risks: list[str] = []
    for state in states:
        if not risks or risks[-1] != state["risk"]:
            risks.append(str(state["risk"]))
    acknowledged = last.get("acknowledged_at")
    return IncidentSeen(
        id=str(last["id"]),
        risks=tuple(risks),
        severity=str(last["severity"]),
        status=str(last["status"]),
        opened_at=datetime.fromtimestamp(float(last["opened_at"]), zone),
        acknowledged_at=None
        if acknowledged is None
        else datetime.fromtimestamp(float(acknowledged), zone),
        rules=tuple(map(str, last["rules"])),
        alert_ids=tuple(map(str, last["alert_ids"])),
        notices=tuple(notices),
    )


def false_pages(
    expected: Expected, reference: datetime | None, pages: Iterable[Notice]
) -> Iterable[Notice]:
    """Every page where no page is expected; else every page before the onset (or anchor)."""
    if not expected.pages:
        return pages
    if reference is None:
        return ()
    return (page for page in pages if page.at < reference)


def messages_per_person(
    incidents: Sequence[IncidentSeen], channels: Mapping[str, int]
) -> dict[str, int]:
    """Messages each person got from the brand's incidents in the six hours from the first
    page of its first incident that paged (else from the first notification), while that
    incident was not acknowledged: one per notification and channel of the person."""
    told = [i for i in incidents if i.notices]
    first = next((i for i in told if i.pages), told[0] if told else None)
    if first is None:
        return {}
    start = (first.pages or first.notices)[0].at
    end = start + MESSAGE_WINDOW
    if first.acknowledged_at is not None:
        end = min(end, first.acknowledged_at)
    counts: dict[str, int] = {}
    for incident in told:
        for notice in incident.notices:
            if start <= notice.at < end:
                for person in notice.people:
                    counts[person] = counts.get(person, 0) + channels.get(person, 1)
    return dict(sorted(counts.items()))


def own_account_named(account: str | None, posts: Sequence[Post], seen: Seen) -> bool | None:
    """Whether an alert quotes a post of ``account`` (among its own posts or samples) or an
    incident record names it; None when the scenario asks nothing about it."""
    if account is None:
        return None
    matcher = BrandMatcher([BrandTerms("own", own_accounts=(account,))])
    by_key = {post.key: post for post in posts}

    def written_by_account(sample: SamplePost) -> bool:
        post = by_key.get(sample.key)
        if post is not None:
            return any(match.own for match in matcher.match(post))
        handle = (sample.author_handle or "").lstrip("@").casefold()
        return bool(handle) and handle == account.lstrip("@").casefold()

    quoted = (s for a in seen.alerts for s in (*a.own_posts, *a.samples))
    if any(written_by_account(sample) for sample in quoted):
        return True
    needle = account.casefold()
    return any(needle in str(r["transition"].get("detail", "")).casefold() for r in seen.records)


def alerts_seen(
    alerts: Iterable[Alert],
    incidents: Iterable[IncidentSeen],
    risk_name: Callable[[str], str],
    zone: tzinfo,
) -> tuple[AlertSeen, ...]:
    """The brand's alerts, each with the risk of the incident it joined."""
    joined = {alert_id: i.risk for i in incidents for alert_id in i.alert_ids}
    return tuple(
        AlertSeen(
            id=a.id,
            rule=a.rule,
            severity=a.severity,
            fired_at=a.fired_at.astimezone(zone),
            risk=joined.get(a.id) or risk_name(a.rule),
        )
        for a in alerts
    )


def reasons_for(row: Row) -> tuple[str, ...]:
    """Why ``row`` fails (empty: it passes), by the definitions of the module docstring."""
    expected = row.expected
    if not expected.pages:
        pages = row.false_pages
        if not pages:
            return ()
        return (f"{_plural(len(pages), 'page')} where none is expected: {describe(pages[0])}",)
    out: list[str] = []
    since = "anchor" if expected.anchor is not None else "onset"
    if row.false_pages:
        out.append(f"{_plural(len(row.false_pages), 'page')} before the {since}")
    paged = row.paged_incidents
    if not paged:
        out.append("nobody paged")
    else:
        if len(paged) > 1:
            risks = ", ".join(i.risk for i in paged)
            out.append(f"{len(paged)} incidents paged ({risks}), want one")
        graded = next((i for i in paged if i.risk == expected.risk), paged[0])
        if graded.risk != expected.risk:
            out.append(f"paged for {graded.risk}, want {expected.risk}")
        within = expected.within_minutes
        if row.reference is not None and within is not None:
            late = _minutes(graded.pages[0].at, row.reference)
            if late > within:
                out.append(f"paged {late:.0f} min after the {since}, want {within:g} at most")
    if expected.own_account is not None and not row.own_account_named:
        out.append(f"own account {expected.own_account} not named")
    if expected.silence_escalation is True and not row.silence_escalation:
        out.append("the brand's silence raised no level")
    elif expected.silence_escalation is False and row.silence_escalation:
        out.append("the brand's silence raised a level, want not")
    return tuple(out)


def describe(notice: Notice) -> str:
    """A page in a few words: when (brand's local time), rule, risk, severity."""
    return f"{notice.at:%Y-%m-%d %H:%M %z} {notice.rule} {notice.risk} {notice.severity}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
