"""One crisis, one incident: every alert about a brand joins its active incident, whose risk
rises as the evidence grows; good news is recorded but pages nobody until a warning."""

from __future__ import annotations

import orjson
from test_incidents_fixtures import (
    HOLD,
    MINUTE,
    T0,
    feed,
    group,
    kinds,
    make_alert,
    notices,
    only,
    pages,
    policies,
    risk,
    ticks,
)

from listener.incidents.access.views import incident_json
from listener.incidents.lifecycle.actions import Notify
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import Acknowledge, AlertReceived, Event, Tick
from listener.incidents.lifecycle.model import ACKNOWLEDGED, NOTIFIED, OPEN, RESOLVED, Book
from listener.incidents.lifecycle.policy import Policies
from listener.rules.risks import RuleRisk

CONDUCT_STEPS = {"warning": ("ask HR",), "critical": ("ask HR", "statement")}


def register(conduct_owners: str | None = None) -> Policies:
    """firestorm scores 15, attention 8, outage 15; conduct (12) absorbs firestorm and
    attention; leak (10) absorbs nothing."""
    groups = {
        "acme-care": group([("0m", ["ann"]), ("10m", ["bob"]), ("30m", ["cat"])], "30m"),
        "hr": group([("0m", ["hana"]), ("20m", ["ivo"])]),
    }
    risks = [
        risk("firestorm"),
        risk("attention", likelihood=4, impact=2, resolve_after=600),
        risk("outage"),
        risk("leak", likelihood=2),
        risk(
            "conduct",
            impact=4,
            owners=conduct_owners,
            absorbs=("firestorm", "attention"),
            playbook=CONDUCT_STEPS,
            resolve_after=3600,
        ),
    ]
    rules = {
        "negative-surge": RuleRisk("firestorm"),
        "volume-spike": RuleRisk("attention"),
        "outage-talk": RuleRisk("outage"),
        "leak-talk": RuleRisk("leak"),
        "conduct-talk": RuleRisk("conduct"),
    }
    return policies(groups=groups, risks=risks, rules=rules)


def alert(minute: float, rule: str, severity: str = "critical") -> AlertReceived:
    return AlertReceived(make_alert(T0 + minute * MINUTE, rule=rule, severity=severity))


def risk_after(*rules: str) -> str:
    book, _ = feed(Engine(register()), [alert(i, rule) for i, rule in enumerate(rules)])
    return book.incidents[only(book)].risk


def test_a_risk_that_absorbs_the_incidents_takes_it_over() -> None:
    engine = Engine(register())
    book, _ = feed(engine, [alert(0, "negative-surge")])
    opened = only(book)
    book, actions = feed(engine, [alert(1, "conduct-talk", "major"), *ticks(T0, 11)], book)
    incident = book.incidents[opened]
    assert only(book) == opened  # the same incident, the same id
    assert (incident.risk, incident.severity) == ("conduct", "critical")
    raised = [t for t in incident.history if t.kind == "risk_raised"]
    assert [(t.who, t.detail) for t in raised] == [
        ("listener", "risk raised from firestorm to conduct by rule conduct-talk")
    ]
    assert kinds(actions)[:2] == ["updated", "risk_raised"]
    # From then on, the new risk's playbook at the incident's severity.
    (escalated,) = [n for n in notices(actions) if n.kind == "escalated"]
    assert (escalated.incident.risk, escalated.playbook) == ("conduct", ("ask HR", "statement"))


def test_a_risk_the_incidents_absorbs_does_not_take_it_over() -> None:
    # firestorm scores more than conduct, but conduct explains it.
    assert risk_after("conduct-talk", "negative-surge") == "conduct"
    assert risk_after("conduct-talk", "volume-spike", "negative-surge") == "conduct"


def test_without_absorption_the_higher_score_wins() -> None:
    assert risk_after("volume-spike", "negative-surge") == "firestorm"
    assert risk_after("negative-surge", "volume-spike") == "firestorm"
    assert risk_after("leak-talk", "negative-surge") == "firestorm"
    # Absorption beats a higher score, then the higher score goes on rising.
    assert risk_after("volume-spike", "conduct-talk", "negative-surge") == "conduct"


def test_a_score_tie_keeps_the_current_risk() -> None:
    assert risk_after("negative-surge", "outage-talk") == "firestorm"
    assert risk_after("outage-talk", "negative-surge") == "outage"


def test_a_risk_outside_the_register_never_takes_over_by_score() -> None:
    assert risk_after("negative-surge", "unknown-rule") == "firestorm"
    assert risk_after("unknown-rule", "negative-surge") == "firestorm"


def test_each_change_of_risk_is_recorded() -> None:
    book, actions = feed(
        Engine(register()),
        [alert(0, "volume-spike", "major"), alert(1, "negative-surge"), alert(2, "conduct-talk")],
    )
    details = [t.detail for t in book.incidents[only(book)].history if t.kind == "risk_raised"]
    assert details == [
        "risk raised from attention to firestorm by rule negative-surge",
        "risk raised from firestorm to conduct by rule conduct-talk",
    ]
    assert kinds(actions).count("opened") == 1


def test_auto_resolve_waits_for_every_rule_that_joined() -> None:
    engine = Engine(register())
    # The surge holds for an hour; conduct, raised by another rule, took over at once.
    events: list[Event] = [
        alert(0, "negative-surge"),
        alert(1, "conduct-talk"),
        *ticks(T0 + MINUTE, 180, T0 + 60 * MINUTE),
    ]
    book, _ = feed(engine, events)
    incident = book.incidents[only(book)]
    assert incident.risk == "conduct"
    assert incident.recovered_at == T0 + 60 * MINUTE  # not the conduct rule's quiet
    assert incident.resolved_at == T0 + 120 * MINUTE  # conduct's resolve_after: 1h


def test_a_handed_over_incident_pages_the_new_group_from_its_first_level() -> None:
    engine = Engine(register(conduct_owners="hr"))
    events: list[Event] = [
        alert(0, "negative-surge"),
        *ticks(T0, 15, T0 + 200 * MINUTE),
        alert(15, "conduct-talk", "major"),
        *ticks(T0 + 15 * MINUTE, 30, T0 + 200 * MINUTE),
    ]
    book, actions = feed(engine, events)
    incident = book.incidents[only(book)]
    assert (incident.risk, incident.owners, incident.paging_from) == (
        "conduct",
        "hr",
        T0 + 15 * MINUTE,
    )
    assert [((due - T0) / MINUTE, people) for due, _, people, _ in pages(actions)] == [
        (0, ("ann",)),
        (10, ("bob",)),
        (15, ("hana",)),
        (35, ("ivo",)),
    ]
    (raised,) = [t for t in incident.history if t.kind == "risk_raised"]
    assert raised.detail.endswith("; handed from owner group acme-care to hr")
    # The people paged before the hand-over still hear how it ends.
    assert incident.paged == ("ann", "bob", "hana", "ivo")


def test_an_acknowledged_incident_handed_over_pages_nobody() -> None:
    engine = Engine(register(conduct_owners="hr"))
    book, _ = feed(engine, [alert(0, "negative-surge")])
    book, _ = engine.step(book, Acknowledge(only(book), "ann", 1.0), 2.0)
    book, actions = feed(engine, [alert(5, "conduct-talk"), *ticks(T0 + 5 * MINUTE, 60)], book)
    incident = book.incidents[only(book)]
    assert (incident.status, incident.owners) == (ACKNOWLEDGED, "hr")
    assert pages(actions) == []


def test_good_news_is_recorded_but_pages_nobody() -> None:
    engine = Engine(policies())
    events = [alert(0, "volume-spike", "info"), *ticks(T0, 5, T0 + 5 * MINUTE)]
    book, actions = feed(engine, events)
    incident = book.incidents[only(book)]
    assert (incident.status, incident.severity, incident.paging_from) == (OPEN, "info", None)
    assert notices(actions) == []
    assert incident.history[0].detail == (
        "raised by volume-spike (info); nobody is paged until it is warning or higher"
    )
    more = [alert(5, "volume-spike", "info"), *ticks(T0 + 5 * MINUTE, 60)]
    shown = incident_json(incident, full=True)
    assert (shown["status"], shown["severity"], shown["paging_from"]) == ("open", "info", None)
    book, later = feed(engine, more, book)
    assert book.incidents[only(book)].status == RESOLVED  # and nobody is told that either
    assert notices(later) == []


def test_paging_starts_with_the_first_warning_and_counts_from_it() -> None:
    engine = Engine(policies())
    events: list[Event] = [
        alert(0, "negative-surge", "info"),
        *ticks(T0, 20, T0 + 200 * MINUTE),
        alert(20, "silent-brand", "warning"),
        *ticks(T0 + 20 * MINUTE, 41, T0 + 200 * MINUTE),
    ]
    book, actions = feed(engine, events)
    incident = book.incidents[only(book)]
    assert (incident.severity, incident.paging_from, incident.status) == (
        "warning",
        T0 + 20 * MINUTE,
        NOTIFIED,
    )
    assert [((due - T0) / MINUTE, level, kind) for due, level, _, kind in pages(actions)] == [
        (20, 1, "opened"),
        (30, 2, "escalated"),
        (50, 3, "escalated"),
    ]
    assert "paging starts" in incident.history[1].detail


def test_acknowledging_good_news_tells_nobody() -> None:
    engine = Engine(policies())
    book, _ = feed(engine, [alert(0, "volume-spike", "info")])
    book, actions = engine.step(book, Acknowledge(only(book), "ann", 1.0), 2.0)
    assert book.incidents[only(book)].status == ACKNOWLEDGED
    assert notices(actions) == []


def test_a_snapshot_carries_the_risk_and_the_start_of_paging() -> None:
    engine = Engine(register())
    events: list[Event] = [
        alert(0, "volume-spike", "info"),
        alert(1, "negative-surge", "info"),
        *ticks(T0 + MINUTE, 5, T0 + 60 * MINUTE),
    ]
    book, _ = feed(engine, events)
    restored = Book.loads(book.dumps())
    assert restored == book
    incident = restored.incidents[only(restored)]
    assert (incident.risk, incident.paging_from) == ("firestorm", None)
    more: list[Event] = [alert(6, "conduct-talk", "major"), *ticks(T0 + 6 * MINUTE, 30)]
    assert feed(engine, more, restored) == feed(engine, more, book)
    after, _ = feed(engine, more, restored)
    again = Book.loads(after.dumps())
    assert again == after and again.incidents[only(again)].paging_from == T0 + 6 * MINUTE


def test_a_snapshot_written_before_paging_could_wait_still_loads() -> None:
    engine = Engine(policies())
    book, _ = feed(engine, [alert(0, "negative-surge"), *ticks(T0, 3, T0 + 60 * MINUTE)])
    data = orjson.loads(book.dumps())
    for item in data["incidents"]:
        del item["paging_from"]
    old = Book.loads(orjson.dumps(data))
    incident = old.incidents[only(old)]
    assert incident.paging_from == incident.opened_at == T0
    assert old == book  # here paging started at the opening anyway
    rest = ticks(T0 + 3 * MINUTE, 30, T0 + 60 * MINUTE)
    assert pages(feed(engine, rest, old)[1]) == pages(feed(engine, rest, book)[1])


def test_a_notification_carries_the_incident_as_it_is_now() -> None:
    engine = Engine(register())
    book, _ = feed(engine, [alert(0, "negative-surge")])
    book, actions = feed(engine, [alert(1, "conduct-talk", "major"), *ticks(T0, 11)], book)
    (escalated,) = [n for n in notices(actions) if n.kind == "escalated"]
    back = Notify.loads(escalated.dumps())
    assert back.incident.risk == "conduct"
    assert back.incident.latest.rule == "conduct-talk"  # the newest alert, for its posts
    assert back.incident.paging_from == T0


def test_an_old_incident_per_risk_takes_the_new_alerts_until_it_closes() -> None:
    # A book written when each risk had an incident of its own: the oldest takes the
    # alerts from now on, the other closes on its own.
    engine = Engine(register())
    first, _ = feed(engine, [alert(0, "negative-surge")])
    second, _ = feed(engine, [alert(1, "volume-spike", "major")])
    book = first.with_incidents(second.incidents.values())
    book, _ = feed(engine, [alert(2, "negative-surge"), Tick(T0 + 2 * MINUTE, HOLD)], book)
    counts = sorted((len(i.alert_ids), i.risk) for i in book.incidents.values())
    assert counts == [(1, "attention"), (2, "firestorm")]
    book, _ = feed(engine, ticks(T0 + 3 * MINUTE, 15, T0 + 60 * MINUTE), book)
    statuses = {i.risk: i.status for i in book.incidents.values()}
    assert statuses == {"attention": RESOLVED, "firestorm": NOTIFIED}
