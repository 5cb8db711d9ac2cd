"""The incident log as the window agent writes it and the incident stage reads it: sparse
ticks restored boundary by boundary, so paging and recovery do not depend on batching."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from factories import unreadable_snapshots
from test_incidents_fixtures import HOLD, MINUTE, T0, make_alert, policies

from listener.incidents.lifecycle.actions import Notify, Record
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import (
    WAVE,
    Acknowledge,
    AlertReceived,
    InvalidEvent,
    Silence,
    Tick,
)
from listener.incidents.lifecycle.log import (
    Entry,
    boundary_ticks,
    expand,
    outcome_events,
)
from listener.incidents.lifecycle.model import Book
from listener.incidents.runtime import stage as stage_module
from listener.incidents.runtime.stage import IncidentStage
from listener.records import DeadLetter
from listener.rules.files.loader import load_rules
from listener.windows import recovery as recovery_module
from listener.windows.judging import Outcome
from listener.windows.stats import WindowStats

RULES = load_rules(Path(__file__).resolve().parents[2] / "rules")


def stage() -> IncidentStage:
    return IncidentStage(Engine(policies()), 60, "unused:9092", ("log", "snapshots"), 5.0)


def run(entries: list[Entry]) -> tuple[Book, list[str], list[tuple[str, float, int]]]:
    """Apply ``entries`` as offsets 0, 1, ... of one partition: the book, the kinds of the
    transitions recorded, and (id, due time, level) of each notification."""
    desk = stage()
    desk.books[0] = Book()
    kinds: list[str] = []
    told: list[tuple[str, float, int]] = []
    for offset, entry in enumerate(entries):
        actions = desk.apply(0, offset, entry.dumps())
        assert not isinstance(actions, DeadLetter)
        kinds += [a.transition.kind for a in actions if isinstance(a, Record)]
        told += [(a.id, a.due_at, a.level) for a in actions if isinstance(a, Notify)]
    return desk.books[0], kinds, told


def test_an_entry_round_trips_every_kind_of_event() -> None:
    events = (
        AlertReceived(make_alert(T0)),
        Tick(T0 + MINUTE, HOLD),
        Acknowledge("acme.firestorm.x", "ann", 1.5, "link"),
        Silence.of("rule", "negative-surge", T0 + 3600, "launch", "bob", 2.0),
    )
    entry = Entry(events, 123.5, T0 + 2 * MINUTE)
    assert Entry.loads(entry.dumps()) == entry


@pytest.mark.parametrize("raw", [b"{", b"[]", b'{"events": [{"kind": "nope"}], "written_at": 1}'])
def test_an_unreadable_entry_is_refused(raw: bytes) -> None:
    with pytest.raises(InvalidEvent):
        Entry.loads(raw)


def test_expand_gives_the_boundaries_between() -> None:
    assert [t.at for t in expand(T0, T0 + 3 * MINUTE, 60, False)] == [T0 + 60, T0 + 120]
    assert [t.at for t in expand(T0, T0 + 3 * MINUTE, 60, True)] == [T0 + 60, T0 + 120, T0 + 180]
    assert list(expand(None, T0, 60, True)) == []
    assert all(not t.holding for t in expand(T0, T0 + 600, 60, True))


def sparse(until: float, holding_until: float) -> list[Entry]:
    """One entry, as a batch covering everything would send it: the alert, a tick only
    where a rule held, and the clock."""
    ticks = [Tick(T0 + m * MINUTE, HOLD) for m in range(1, 120) if T0 + m * MINUTE < holding_until]
    return [Entry((AlertReceived(make_alert(T0)), *ticks), 1.0, until)]


def dense(until: float, holding_until: float) -> list[Entry]:
    """The same, one boundary per entry, as a paced replay would send it."""
    entries = [Entry((AlertReceived(make_alert(T0)),), 1.0, T0)]
    at = T0 + MINUTE
    while at <= until:
        tick = (Tick(at, HOLD),) if at < holding_until else ()
        entries.append(Entry(tick, 1.0, at))
        at += MINUTE
    return entries


def test_one_big_batch_pages_and_resolves_exactly_as_many_small_ones() -> None:
    until, holding_until = T0 + 150 * MINUTE, T0 + 20 * MINUTE
    big, big_kinds, big_told = run(sparse(until, holding_until))
    small, small_kinds, small_told = run(dense(until, holding_until))
    assert big_told == small_told
    assert big_kinds == small_kinds
    assert replace(big, offset=0) == replace(small, offset=0)
    (incident,) = big.incidents.values()
    # Quiet from the first boundary without the rule holding; closed 30 minutes later.
    assert incident.recovered_at == holding_until
    assert incident.resolved_at == holding_until + 30 * MINUTE
    assert [level for _, _, level in big_told[:3]] == [1, 2, 3]
    assert [due for _, due, _ in big_told[:3]] == [T0, T0 + 10 * MINUTE, T0 + 30 * MINUTE]


def test_a_redelivered_entry_changes_nothing_and_a_bad_one_is_dead_lettered() -> None:
    desk = stage()
    desk.books[0] = Book()
    first = desk.apply(0, 0, sparse(T0 + 5 * MINUTE, T0)[0].dumps())
    assert first and not isinstance(first, DeadLetter)
    book = desk.books[0]
    assert desk.apply(0, 0, sparse(T0 + 50 * MINUTE, T0)[0].dumps()) == []
    assert desk.books[0] == book
    letter = desk.apply(0, 1, b"not json")
    assert isinstance(letter, DeadLetter) and letter.reason == "bad_incident_event"
    assert desk.books[0].offset == 1


def windows(brand: str, end: float, volume: int, negative: int) -> dict[int, WindowStats]:
    """One brand's windows at one boundary: ``volume`` posts, ``negative`` of them negative,
    against a usual of one post."""
    figures = {
        "brand": brand, "end": end, "volume": volume, "negative": negative, "positive": 0,
        "unknown": 0, "sentiment_sum": -0.5 * negative, "unique_authors": volume,
        "reach": 100 * volume, "max_author_reach": 100, "brand_last_post": None,
        "volume_baseline": 1.0, "volume_std": 1.0, "sentiment_baseline": 0.1,
        "sentiment_std": 0.1, "negative_share_baseline": 0.2, "negative_share_std": 0.05,
    }  # fmt: skip
    return {size: WindowStats(size=size, **figures) for size in (300, 900, 3600)}  # type: ignore[arg-type]


def test_a_wave_under_way_is_held_whatever_rule_holds() -> None:
    calm = windows("intesa_sanpaolo", T0, 2, 0)
    waving = {size: replace(stats, wave_since=T0 - 3600) for size, stats in calm.items()}
    (tick,) = boundary_ticks(RULES, [waving], {})
    assert tick.holding == {"intesa_sanpaolo": {WAVE}}
    assert tick.pulse == {"intesa_sanpaolo": (2, 0)}
    assert boundary_ticks(RULES, [calm], {}) == []
    # A brand no longer in the rules holds nothing, its wave included.
    gone = {size: replace(stats, brand="not_a_brand") for size, stats in waving.items()}
    assert boundary_ticks(RULES, [gone], {}) == []


def test_what_the_judge_found_holding_is_ticked_with_the_pulse() -> None:
    surge = windows("intesa_sanpaolo", T0, 40, 30)
    held = {("intesa_sanpaolo", T0): frozenset({"negative-surge", "attention-spike"})}
    (tick,) = boundary_ticks(RULES, [surge], held)
    assert tick.holding == {"intesa_sanpaolo": {"negative-surge", "attention-spike"}}
    assert tick.pulse == {"intesa_sanpaolo": (40, 30)}
    # What held at another boundary is not this one's.
    elsewhere = {("intesa_sanpaolo", T0 + MINUTE): held["intesa_sanpaolo", T0]}
    assert boundary_ticks(RULES, [surge], elsewhere) == []


def test_only_boundaries_where_something_held_are_ticked() -> None:
    judged = [
        windows("intesa_sanpaolo", T0, 2, 0),
        windows("ita_airways", T0, 1, 0),
        windows("intesa_sanpaolo", T0 + MINUTE, 40, 30),
        windows("ita_airways", T0 + MINUTE, 1, 0),
    ]
    held = {("intesa_sanpaolo", T0 + MINUTE): frozenset({"negative-surge"})}
    (tick,) = boundary_ticks(RULES, judged, held)
    assert tick.at == T0 + MINUTE
    assert tick.holding == {"intesa_sanpaolo": {"negative-surge"}}


def test_alerts_come_before_the_tick_of_their_boundary() -> None:
    alert = replace(make_alert(T0 + MINUTE), brand="intesa_sanpaolo")
    outcome = Outcome(
        alerts=[alert],
        judged=[
            windows("intesa_sanpaolo", T0, 40, 30),
            windows("intesa_sanpaolo", T0 + MINUTE, 40, 30),
        ],
        held={
            ("intesa_sanpaolo", T0): frozenset({"negative-surge"}),
            ("intesa_sanpaolo", T0 + MINUTE): frozenset({"negative-surge"}),
        },
    )
    events = outcome_events(RULES, [outcome])
    assert [type(e).__name__ for e in events] == ["Tick", "AlertReceived", "Tick"]
    assert [getattr(e, "at", None) for e in events] == [T0, None, T0 + MINUTE]


async def test_a_book_the_broker_cannot_give_yet_is_read_again_until_it_can(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recovery_module, "RECOVERY_RETRY_SECONDS", (0.001, 0.004))
    asked, latest_snapshot = unreadable_snapshots(2)
    monkeypatch.setattr(stage_module, "latest_snapshot", latest_snapshot)
    desk = stage()
    recovered = await desk.ensure(1, 0)
    assert asked == [1, 1, 1]
    assert recovered is not None and recovered.partition == 1
    assert desk.books[1].offset == -1
