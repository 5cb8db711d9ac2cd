"""The incident engine: grouping, dedupe, the lifecycle, paging on the event-time clock,
auto-resolve with recovery time, silences, and replays that change nothing."""

from __future__ import annotations

from dataclasses import replace

from test_incidents_fixtures import (
    HOLD,
    MINUTE,
    RULES,
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

from listener.incidents.lifecycle.actions import Record
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import (
    WAVE,
    Acknowledge,
    AlertReceived,
    Event,
    Resolve,
    Silence,
    Tick,
)
from listener.incidents.lifecycle.model import ACKNOWLEDGED, NOTIFIED, OPEN, RESOLVED, Book
from listener.incidents.lifecycle.policy import Policies
from listener.rules.files.loader import load_rules
from listener.rules.risks import RuleRisk


def test_alerts_about_one_brand_gather_into_one_incident_whatever_their_risk() -> None:
    engine = Engine(policies())
    book, actions = feed(
        engine,
        [
            AlertReceived(make_alert(T0)),
            AlertReceived(make_alert(T0 + MINUTE, rule="silent-brand", severity="major")),
            AlertReceived(make_alert(T0 + MINUTE, rule="volume-spike", severity="major")),
            AlertReceived(make_alert(T0 + 2 * MINUTE, brand="other")),
        ],
    )
    by_brand = {i.brand: i for i in book.incidents.values()}
    assert sorted(by_brand) == ["acme", "other"]
    acme = by_brand["acme"]
    # "attention" scores as "firestorm" in this register: the incident keeps its risk.
    assert acme.risk == "firestorm"
    assert acme.rules == ("negative-surge", "silent-brand", "volume-spike")
    assert len(acme.alert_ids) == 3
    assert acme.id.startswith("acme.firestorm.")
    # One first page per incident, not one per alert.
    opened = [n.incident.id for n in notices(actions) if n.kind == "opened"]
    assert sorted(opened) == sorted(i.id for i in book.incidents.values())
    assert kinds(actions).count("opened") == 2
    assert kinds(actions).count("updated") == 2


def test_the_same_events_give_the_same_ids() -> None:
    events: list[Event] = [AlertReceived(make_alert(T0)), *ticks(T0, 12)]
    first, _ = feed(Engine(policies()), events)
    second, _ = feed(Engine(policies()), events)
    assert list(first.incidents) == list(second.incidents)
    assert first == second


def test_an_alert_seen_twice_changes_nothing() -> None:
    engine = Engine(policies())
    alert = AlertReceived(make_alert(T0))
    book, _ = feed(engine, [alert, *ticks(T0, 5)])
    again, actions = engine.step(book, alert, 2_000_000_000.0)
    assert actions == []
    assert again == book
    # A re-emitted copy (same id, later emission time) is the same firing.
    copy = AlertReceived(replace(alert.alert, emitted_at=alert.alert.emitted_at.replace(year=2030)))
    assert engine.step(book, copy, 2_000_000_000.0) == (book, [])


def test_a_copy_older_than_the_retention_is_ignored() -> None:
    engine = Engine(policies(retention=3600))
    old = AlertReceived(make_alert(T0))
    book, _ = feed(engine, [old])
    book, _ = feed(engine, [Resolve(only(book), "ann", T0)], book)
    assert engine.step(book, old, 0.0) == (book, [])  # still held: a known copy
    book, _ = feed(engine, [Tick(T0 + 3 * 3600)], book)
    assert book.incidents == {}  # resolved and forgotten
    assert engine.step(book, old, 0.0) == (book, [])


def test_the_lifecycle_records_who_and_when() -> None:
    engine = Engine(policies())
    book, _ = feed(engine, [AlertReceived(make_alert(T0)), *ticks(T0, 4, T0 + 10 * MINUTE)])
    incident_id = only(book)
    assert book.incidents[incident_id].status == NOTIFIED
    book, _ = engine.step(book, Acknowledge(incident_id, "ann", 1_900_000_100.0), 1_900_000_101.0)
    assert book.incidents[incident_id].status == ACKNOWLEDGED
    book, actions = engine.step(book, Resolve(incident_id, "bob", 1_900_000_200.0, "fixed"), 0.0)
    incident = book.incidents[incident_id]
    assert incident.status == RESOLVED
    assert [(t.kind, t.status) for t in incident.history] == [
        ("opened", OPEN),
        ("paged", NOTIFIED),
        ("acknowledged", ACKNOWLEDGED),
        ("resolved", RESOLVED),
    ]
    ack, done = incident.history[2], incident.history[3]
    assert (ack.who, ack.event_at, ack.wall_at) == ("ann", T0 + 3 * MINUTE, 1_900_000_100.0)
    assert (done.who, done.detail, done.wall_at) == ("bob", "fixed", 1_900_000_200.0)
    assert (incident.acknowledged_by, incident.resolved_by) == ("ann", "bob")
    # Everyone paged hears of the resolution, except whoever resolved it.
    assert [(n.kind, n.people) for n in notices(actions)] == [("resolved", ("ann",))]


def test_acknowledging_stops_the_paging_and_tells_the_others() -> None:
    engine = Engine(policies())
    book, before = feed(engine, [AlertReceived(make_alert(T0)), *ticks(T0, 15)])
    assert [p[1] for p in pages(before)] == [1, 2]
    book, acked = engine.step(book, Acknowledge(only(book), "bob", 0.0), 0.0)
    assert [(n.kind, n.people) for n in notices(acked)] == [("acknowledged", ("ann",))]
    book, after = feed(engine, ticks(T0 + 15 * MINUTE, 240), book)
    assert pages(after) == []
    assert engine.step(book, Acknowledge(only(book), "cat", 0.0), 0.0) == (book, [])


def test_paging_follows_the_levels_then_reminds_everyone() -> None:
    engine = Engine(policies())
    _, actions = feed(engine, [AlertReceived(make_alert(T0)), *ticks(T0, 121, T0 + 200 * MINUTE)])
    assert [((due - T0) / MINUTE, level, kind) for due, level, _, kind in pages(actions)] == [
        (0, 1, "opened"),
        (10, 2, "escalated"),
        (30, 3, "escalated"),
        (60, 1, "reminder"),
        (90, 1, "reminder"),
        (120, 1, "reminder"),
    ]
    assert {people for *_, people, kind in pages(actions) if kind == "reminder"} == {
        ("ann", "bob", "cat")
    }


def test_an_incident_resolves_itself_once_the_figures_recover() -> None:
    engine = Engine(policies())
    started = T0 - 3 * MINUTE
    events = [AlertReceived(make_alert(T0, since=started)), *ticks(T0, 80, T0 + 20 * MINUTE)]
    book, actions = feed(engine, events)
    incident = book.incidents[only(book)]
    assert incident.status == RESOLVED
    assert incident.resolved_by == "listener"
    assert incident.recovered_at == T0 + 20 * MINUTE
    assert incident.resolved_at == T0 + 50 * MINUTE  # 30 minutes of quiet
    assert incident.recovery_seconds == 23 * MINUTE
    assert "recovered in 23m" in incident.history[-1].detail
    told = [n for n in notices(actions) if n.kind == "resolved"]
    assert [n.people for n in told] == [("ann", "bob", "cat")]


def test_a_wave_under_way_keeps_the_incident_open_through_a_lull() -> None:
    # Overnight no rule holds, but the brand's figures are still far from its usual: the
    # crisis is not over, and the morning's alerts must not open a second incident.
    engine = Engine(policies())
    lull = [Tick(T0 + m * MINUTE, {"acme": frozenset({WAVE})}) for m in range(1, 120)]
    book, _ = feed(engine, [AlertReceived(make_alert(T0)), *lull])
    incident = book.incidents[only(book)]
    assert incident.active and incident.quiet_since is None
    book, _ = feed(engine, ticks(T0 + 120 * MINUTE, 31), book)  # the wave is over
    assert book.incidents[only(book)].status == RESOLVED
    assert book.incidents[only(book)].recovered_at == T0 + 120 * MINUTE


def test_a_condition_still_holding_keeps_the_incident_open() -> None:
    engine = Engine(policies())
    book, _ = feed(engine, [AlertReceived(make_alert(T0)), *ticks(T0, 90, T0 + 90 * MINUTE)])
    assert book.incidents[only(book)].active


def test_without_holding_news_quiet_counts_from_the_last_alert() -> None:
    engine = Engine(policies())
    events = [
        AlertReceived(make_alert(T0)),
        *ticks(T0, 20),
        AlertReceived(make_alert(T0 + 20 * MINUTE)),
        *ticks(T0 + 20 * MINUTE, 40),
    ]
    book, _ = feed(engine, events)
    incident = book.incidents[only(book)]
    assert incident.recovered_at == T0 + 20 * MINUTE
    assert incident.resolved_at == T0 + 50 * MINUTE


def test_an_alert_after_resolution_opens_a_new_incident() -> None:
    engine = Engine(policies())
    book, _ = feed(engine, [AlertReceived(make_alert(T0)), *ticks(T0, 40)])
    book, actions = feed(engine, [AlertReceived(make_alert(T0 + 45 * MINUTE))], book)
    assert sorted(i.status for i in book.incidents.values()) == [NOTIFIED, RESOLVED]
    assert pages(actions) == [(T0 + 45 * MINUTE, 1, ("ann",), "opened")]


def test_a_stronger_alert_raises_the_severity_and_the_playbook() -> None:
    engine = Engine(policies())
    book, first = feed(engine, [AlertReceived(make_alert(T0, severity="warning"))])
    assert notices(first)[0].playbook == ("look",)
    book, _ = feed(engine, [AlertReceived(make_alert(T0 + MINUTE, severity="critical"))], book)
    book, later = feed(engine, ticks(T0 + MINUTE, 10), book)
    assert book.incidents[only(book)].severity == "critical"
    assert notices(later)[0].playbook == ("call", "post")


def test_a_silent_brand_raises_the_level_once() -> None:
    engine = Engine(policies())
    quiet = make_alert(T0, silent_minutes=20)
    silent = make_alert(T0 + 2 * MINUTE, silent_minutes=61)
    events = [
        AlertReceived(quiet),
        *ticks(T0, 2),
        AlertReceived(silent),
        *ticks(T0 + 2 * MINUTE, 40),
    ]
    _, actions = feed(engine, events)
    assert [((p[0] - T0) / MINUTE, p[1], p[3]) for p in pages(actions)] == [
        (0, 1, "opened"),
        (2, 2, "brand_silent"),  # not at 10: raised
        (30, 3, "escalated"),
    ]


def test_a_brand_never_seen_posting_counts_as_silent() -> None:
    _, actions = feed(Engine(policies()), [AlertReceived(make_alert(T0, silent_minutes=None))])
    assert [p[3] for p in pages(actions)] == ["opened", "brand_silent"]


def test_a_brand_silence_mutes_paging_but_not_the_record() -> None:
    engine = Engine(policies())
    silence = Silence.of("brand", "acme", T0 + 20 * MINUTE, "planned launch", "dan", 1.0)
    events = [silence, AlertReceived(make_alert(T0)), *ticks(T0, 35, T0 + 35 * MINUTE)]
    book, actions = feed(engine, events)
    incident = book.incidents[only(book)]
    assert [p[1] for p in pages(actions)] == [3]  # level 3 falls due after the silence
    assert kinds(actions).count("page_silenced") == 2
    assert "planned launch" in incident.history[1].detail
    assert incident.status == NOTIFIED


def test_a_rule_silence_mutes_only_when_every_rule_of_the_incident_is_silenced() -> None:
    engine = Engine(policies())
    silence = Silence.of("rule", "negative-surge", T0 + 3600, "known noise", "dan", 1.0)
    book, muted = feed(engine, [silence, AlertReceived(make_alert(T0))])
    assert pages(muted) == [] and book.incidents[only(book)].status == OPEN
    other = AlertReceived(make_alert(T0 + MINUTE, rule="silent-brand", severity="major"))
    book, actions = feed(engine, [other, *ticks(T0 + MINUTE, 10)], book)
    assert [p[1] for p in pages(actions)] == [2]  # the incident is no longer only noise


def test_a_silence_sent_while_an_incident_is_open_is_recorded_on_it() -> None:
    engine = Engine(policies())
    book, _ = feed(engine, [AlertReceived(make_alert(T0))])
    silence = Silence.of("brand", "acme", T0 + 3600, "we know", "dan", 5.0)
    book, actions = engine.step(book, silence, 6.0)
    assert kinds(actions) == ["silenced"]
    assert engine.step(book, silence, 7.0) == (book, [])
    book, later = feed(engine, ticks(T0, 40), book)
    assert pages(later) == []


def test_an_unknown_owner_group_is_recorded_not_paged() -> None:
    book, actions = feed(Engine(policies()), [AlertReceived(make_alert(T0, owners="nobody"))])
    assert kinds(actions) == ["opened", "unroutable"]
    assert pages(actions) == [] and book.incidents[only(book)].status == OPEN


def wave_policies() -> Policies:
    """The default policies, and a conduct risk owned by HR that absorbs the firestorm."""
    groups = {
        "acme-care": group([("0m", ["ann"]), ("10m", ["bob"]), ("30m", ["cat"])], "30m"),
        "hr": group([("0m", ["hana"]), ("20m", ["ivo"])]),
    }
    risks = [
        risk("firestorm"),
        risk("attention", resolve_after=600),
        risk("conduct", owners="hr", impact=4, absorbs=("firestorm", "attention")),
    ]
    rules = {
        "negative-surge": RuleRisk("firestorm", raise_when_brand_silent=3600),
        "volume-spike": RuleRisk("attention"),
        "conduct-talk": RuleRisk("conduct"),
    }
    return policies(groups=groups, risks=risks, rules=rules)


def wave() -> list[Event]:
    """Two hours of a wave: the surge holds 40 minutes and is re-announced every 10 (as
    with a short cooldown), a second risk joins at minute 15, and at minute 35 a third
    that hands the incident to HR. Another brand opens with good news at minute 5, pages
    from its first warning at minute 25 and is over ten minutes later."""
    events: list[Event] = []
    for minute in range(120):
        now = T0 + minute * MINUTE
        if minute in (0, 10, 20, 30):
            events.append(AlertReceived(make_alert(now, silent_minutes=30 + minute)))
        if minute == 15:
            events.append(AlertReceived(make_alert(now, rule="volume-spike", severity="major")))
        if minute == 35:
            events.append(AlertReceived(make_alert(now, rule="conduct-talk", severity="major")))
        if minute in (5, 25):
            severity = "info" if minute == 5 else "warning"
            alert = make_alert(now, rule="volume-spike", brand="beta", severity=severity)
            events.append(AlertReceived(alert))
        events.append(Tick(now, HOLD if minute < 40 else {}))
    return events


def test_replaying_the_same_events_emits_nothing_more() -> None:
    engine = Engine(wave_policies())
    events = wave()
    book, actions = feed(engine, events)
    assert [(n.incident.brand, (n.due_at - T0) / MINUTE, n.people) for n in notices(actions)
            if n.is_page] == [
        ("acme", 0, ("ann",)), ("acme", 10, ("bob",)), ("beta", 25, ("ann",)),
        ("acme", 30, ("cat",)), ("acme", 35, ("hana",)), ("acme", 55, ("ivo",)),
    ]  # fmt: skip
    again, repeated = feed(engine, events, book)
    assert repeated == []
    assert again == book


def test_a_snapshot_restored_midway_gives_exactly_the_same_actions() -> None:
    engine = Engine(wave_policies())
    events = wave()
    _, whole = feed(engine, events)
    for cut in range(0, len(events), 17):
        book, head = feed(engine, events[:cut])
        restored = Book.loads(book.dumps())
        assert restored == book
        _, tail = feed(engine, events[cut:], restored, first=cut)
        assert [a.dumps() for a in head + tail] == [a.dumps() for a in whole]


def test_redelivered_offsets_are_skipped() -> None:
    engine = Engine(wave_policies())
    book = Book()
    events = wave()
    for offset, event in enumerate(events):
        book, _ = engine.apply(book, event, float(offset), offset)
    assert book.offset == len(events) - 1
    assert engine.apply(book, events[3], 0.0, 3) == (book, [])


def test_records_carry_the_incident_as_it_is_after_each_transition() -> None:
    _, actions = feed(Engine(wave_policies()), wave())
    records = [a for a in actions if isinstance(a, Record)]
    assert records
    for record in records:
        assert record.incident.history[-1] == record.transition
        assert record.incident.status == record.transition.status


def test_the_clock_never_goes_back() -> None:
    engine = Engine(policies())
    book, _ = feed(engine, [AlertReceived(make_alert(T0)), *ticks(T0, 5, T0 + 90 * MINUTE)])
    assert engine.step(book, Tick(T0 - 3600), 0.0) == (book, [])


def test_without_a_register_each_rule_is_its_own_risk() -> None:
    engine = Engine(Policies.build(load_rules(RULES), None))
    alert = make_alert(T0, brand="intesa_sanpaolo", owners="bank-crisis")
    book, actions = feed(engine, [AlertReceived(alert), *ticks(T0, 31)])
    incident = book.incidents[only(book)]
    assert (incident.risk, incident.owners) == ("negative-surge", "bank-crisis")
    assert incident.resolved_at == T0 + 30 * MINUTE  # the default resolve_after
    assert notices(actions)[0].playbook == ()
