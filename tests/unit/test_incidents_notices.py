"""What people are told: who is paged next and when, news of an acknowledgement, and
deliveries that failed."""

from __future__ import annotations

from test_incidents_fixtures import (
    MINUTE,
    T0,
    feed,
    group,
    kinds,
    make_alert,
    notices,
    only,
    policies,
    ticks,
)

from listener.incidents.lifecycle.actions import Notify, notification_id
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import Acknowledge, AlertReceived, DeliveryFailed, Silence


def test_a_failed_delivery_tells_the_next_level_once() -> None:
    engine = Engine(policies())
    book, actions = feed(engine, [AlertReceived(make_alert(T0))])
    first = notices(actions)[0]
    failure = DeliveryFailed(only(book), first.id, 1, "ann", "mailbox full", 9.0)
    book, told = engine.step(book, failure, 10.0)
    (notice,) = notices(told)
    assert (notice.kind, notice.level, notice.people) == ("delivery_failed", 2, ("bob",))
    assert "ann could not be reached: mailbox full" in notice.detail
    assert engine.step(book, failure, 11.0) == (book, [])


def test_a_failure_at_the_last_level_goes_back_to_the_first() -> None:
    groups = {"acme-care": group([("0m", ["ann", "eve"]), ("10m", ["bob"])])}
    engine = Engine(policies(groups=groups))
    book, actions = feed(engine, [AlertReceived(make_alert(T0)), *ticks(T0, 11)])
    last = notices(actions)[-1]
    book, told = engine.step(
        book, DeliveryFailed(only(book), last.id, 2, "bob", "bounced", 1.0), 1.0
    )
    assert [(n.level, n.people) for n in notices(told)] == [(1, ("ann", "eve"))]


def test_a_page_names_who_is_told_next_and_when() -> None:
    engine = Engine(policies())
    _, actions = feed(engine, [AlertReceived(make_alert(T0)), *ticks(T0, 61, T0 + 90 * MINUTE)])
    told = [(n.level, n.cycle, n.next) for n in notices(actions)]
    first, second, third, reminder = told
    assert first[2] is not None and (first[2].level, first[2].due_at) == (2, T0 + 10 * MINUTE)
    assert second[2] is not None and second[2].people == ("cat",)
    assert third[2] is not None and (third[2].level, third[2].round) == (1, 1)
    assert reminder[:2] == (1, 1)
    data = notices(actions)[0].to_dict()
    assert data["next"] == {"level": 2, "cycle": 0, "due_at": T0 + 600, "people": ["bob"]}


def test_news_of_an_acknowledgement_carries_the_highest_level_paged() -> None:
    engine = Engine(policies())
    book, _ = feed(engine, [AlertReceived(make_alert(T0)), *ticks(T0, 12, T0 + 90 * MINUTE)])
    _, actions = engine.step(book, Acknowledge(only(book), "cat", 0.0), 0.0)
    (news,) = notices(actions)
    assert (news.kind, news.level, news.next, news.people) == (
        "acknowledged",
        2,
        None,
        ("ann", "bob"),
    )


def test_a_failure_while_silenced_is_recorded_but_tells_nobody() -> None:
    engine = Engine(policies())
    book, actions = feed(engine, [AlertReceived(make_alert(T0))])
    first = notices(actions)[0]
    silence = Silence.of("brand", "acme", T0 + 3600, "we know", "dan", 1.0)
    failure = DeliveryFailed(only(book), first.id, 1, "ann", "bounced", 2.0)
    book, out = feed(engine, [silence, failure], book)
    assert notices(out) == []
    assert kinds(out) == ["silenced", "delivery_failed"]


def test_a_notice_nobody_receives_is_recorded_and_tells_nobody_else() -> None:
    engine = Engine(policies())
    book, actions = feed(engine, [AlertReceived(make_alert(T0))])
    first = notices(actions)[0]
    book, told = engine.step(book, DeliveryFailed(only(book), first.id, 1, "ann", "down", 9.0), 9.0)
    (notice,) = notices(told)
    # bob, told instead, cannot be reached either: recorded, and no notice about the notice.
    failure = DeliveryFailed(only(book), notice.id, 2, "bob", "down", 10.0)
    book, out = engine.step(book, failure, 10.0)
    assert notices(out) == [] and kinds(out) == ["delivery_failed"]
    last = book.incidents[only(book)].history[-1]
    assert "bob could not be reached: down" in last.detail and last.level == 2
    # A page of the schedule that fails is still reported to the next level.
    book, later = feed(engine, ticks(T0, 11), book, first=10)
    page = notices(later)[-1]
    assert (page.kind, page.level) == ("escalated", 2)
    _, out = engine.step(book, DeliveryFailed(only(book), page.id, 2, "bob", "down", 11.0), 11.0)
    assert [(n.kind, n.level, n.people) for n in notices(out)] == [("delivery_failed", 3, ("cat",))]


def test_when_every_delivery_fails_for_good_the_notices_are_bounded() -> None:
    """Every message to everyone fails, for six hours of an incident nobody acknowledges:
    each page is reported once per person it missed, and the notices end there."""
    engine = Engine(policies(groups={"acme-care": group(
        [("0m", ["ann", "bob"]), ("10m", ["cat"])], repeat="30m")}))  # fmt: skip
    events = [AlertReceived(make_alert(T0)), *ticks(T0, 360, T0 + 360 * MINUTE)]
    book, waiting = feed(engine, events)
    told: list[Notify] = []
    offset = len(events)
    while (queue := notices(waiting)) and len(told) < 10_000:
        told += queue
        waiting = []
        for notify in queue:
            for person in notify.people:
                failure = DeliveryFailed(only(book), notify.id, notify.level, person, "down", 1.0)
                book, out = engine.apply(book, failure, 1.0, offset)
                waiting += out
                offset += 1
    pages = [n for n in told if n.kind != "delivery_failed"]
    missed = sum(len(page.people) for page in pages)
    reported = [n for n in told if n.kind == "delivery_failed"]
    assert pages and 0 < len(reported) <= missed
    # Each notice reports a page of the schedule, never another notice.
    about_pages = {
        notification_id(only(book), "delivery_failed", f"{page.id}|{person}")
        for page in pages
        for person in page.people
    }
    assert {n.id for n in reported} <= about_pages
    history = book.incidents[only(book)].history
    assert sum(t.kind == "delivery_failed" for t in history) == missed + sum(
        len(n.people) for n in reported
    )
