"""Playbook steps checked against the stream: a statement from an own account (or one
recorded by a person) meets the step; none in time tells the next level, once; the
brand's figures are followed from the statement on."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_incidents_fixtures import (
    HOLD,
    MINUTE,
    T0,
    feed,
    kinds,
    make_alert,
    notices,
    only,
    policies,
    risk,
)

from listener.errors import ConfigError
from listener.incidents.access.postmortem import markdown, report
from listener.incidents.access.views import incident_json
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import (
    Acknowledge,
    AlertReceived,
    Event,
    Note,
    Tick,
    decode_event,
    encode_event,
)
from listener.incidents.lifecycle.model import Book, Incident
from listener.rules.files.loader import load_rules
from listener.rules.playbooks import StepConfig

ROOT = Path(__file__).resolve().parents[2]
STATEMENT = StepConfig(step="Publish a holding statement.", expect="statement", within="30m")  # type: ignore[arg-type]


def engine() -> Engine:
    playbook = {"critical": ("Read the posts.", STATEMENT), "warning": ("Look.",)}
    return Engine(policies(risks=[risk("firestorm", playbook=playbook), risk("attention")]))


def minutes(first: int, last: int, **fields: object) -> list[Event]:
    """A tick a minute from T0 + ``first`` minutes to ``last``; the surge holds for acme."""
    return [Tick(T0 + m * MINUTE, HOLD, **fields) for m in range(first, last + 1)]  # type: ignore[arg-type]


def incident(book: Book) -> Incident:
    return book.incidents[only(book)]


def test_a_statement_from_an_own_account_meets_the_step_and_starts_the_recovery() -> None:
    alert = AlertReceived(make_alert(T0))
    spoke = Tick(T0 + 12 * MINUTE, HOLD, {"acme": T0 + 11.5 * MINUTE}, {"acme": (60, 48)})
    events = [alert, *minutes(1, 11), spoke, *minutes(13, 45), Tick(T0 + 46 * MINUTE, HOLD,
              pulse={"acme": (20, 6)})]  # fmt: skip
    book, actions = feed(engine(), events)
    found = incident(book)
    assert found.statement_at == T0 + 11.5 * MINUTE and found.statement_by == "own account"
    assert found.steps_done == (2,) and found.steps_late == ()
    assert "step_late" not in [n.kind for n in notices(actions)]
    assert kinds(actions).count("statement_seen") == 1 and kinds(actions).count("step_met") == 1
    (met,) = [t for t in found.history if t.kind == "step_met"]
    assert "11m after the first page" in met.detail or "12m after the first page" in met.detail
    statement = incident_json(found)["statement"]
    assert statement["then"]["volume"] == 60 and statement["then"]["negative_share"] == 0.8
    assert statement["since"]["volume"] == 20 and statement["since"]["negative_share"] == 0.3


def test_no_statement_in_time_tells_the_next_level_once_even_when_acknowledged() -> None:
    alert = AlertReceived(make_alert(T0))
    book, _ = feed(engine(), [alert, *minutes(1, 5)])
    ack = Acknowledge(only(book), "ann", 1_900_000_100.0)
    book, more = feed(engine(), [ack, *minutes(6, 40)], book, first=10)
    late = [n for n in notices(more) if n.kind == "step_late"]
    assert len(late) == 1
    (notice,) = late
    # ann (level 1) was paged; nobody else, being acknowledged: bob, level 2, is told.
    assert notice.level == 2 and notice.people == ("bob",)
    assert notice.due_at == T0 + 30 * MINUTE
    assert "Publish a holding statement." in notice.detail
    found = incident(book)
    assert found.steps_late == (2,) and "bob" in found.paged
    # The statement comes late: the step is met, recorded as late, nobody told again.
    spoke = Tick(T0 + 41 * MINUTE, HOLD, {"acme": T0 + 40.5 * MINUTE})
    book, after = feed(engine(), [spoke, *minutes(42, 50)], book, first=100)
    (met,) = [t for t in incident(book).history if t.kind == "step_met"]
    assert "late" in met.detail
    assert [n.kind for n in notices(after)] == []


def test_a_statement_recorded_by_a_person_counts_and_a_post_before_the_wave_does_not() -> None:
    # The brand posted an hour before its trouble: that is no answer to it.
    early = Tick(T0 - 60 * MINUTE, {}, {"acme": T0 - 61 * MINUTE})
    alert = AlertReceived(make_alert(T0))
    book, _ = feed(engine(), [early, alert, *minutes(1, 10)])
    assert incident(book).statement_at is None
    note = Note(only(book), "dan", 1_900_000_500.0, "statement published on the site", "statement")
    book, actions = feed(engine(), [note, *minutes(11, 40)], book, first=50)
    found = incident(book)
    assert found.statement_by == "dan" and found.statement_at == T0 + 10 * MINUTE
    assert found.steps_done == (2,) and "step_late" not in [n.kind for n in notices(actions)]
    text = markdown(incident_json(found, full=True))
    assert report(incident_json(found, full=True))["incident"]["statement"]["by"] == "dan"
    assert "| Statement |" in text and "dan" in text


def test_an_info_incident_pages_nobody_and_so_expects_nothing() -> None:
    alert = AlertReceived(make_alert(T0, severity="info", rule="volume-spike"))
    book, actions = feed(engine(), [alert, *minutes(1, 90)])
    assert [n for n in notices(actions)] == [] and incident(book).steps_late == ()


def test_the_tick_carries_who_spoke_and_the_figures_through_the_log() -> None:
    tick = Tick(T0, HOLD, {"acme": T0 - 30}, {"acme": (12, 9)})
    assert decode_event(encode_event(tick)) == tick
    plain = Tick(T0, HOLD)
    assert b"spoke" not in encode_event(plain) and decode_event(encode_event(plain)) == plain


def test_a_snapshot_keeps_the_statement_and_older_snapshots_still_load() -> None:
    alert = AlertReceived(make_alert(T0))
    spoke = Tick(T0 + 5 * MINUTE, HOLD, {"acme": T0 + 4 * MINUTE}, {"acme": (30, 20)})
    book, _ = feed(engine(), [alert, *minutes(1, 4), spoke])
    assert Book.loads(book.dumps()) == book
    data = incident(book).to_dict()
    for name in ("statement_at", "statement_by", "statement_pulse", "pulse", "steps_done",
                 "steps_late"):  # fmt: skip
        del data[name]
    older = Incident.from_dict(data)
    assert older.statement_at is None and older.steps_done == ()


def test_a_step_expecting_what_listener_cannot_see_is_refused_at_load(tmp_path: Path) -> None:
    for name in ("brands.yaml", "owners.yaml", "alerts.yaml"):
        (tmp_path / name).write_text((ROOT / "rules" / name).read_text())
    text = (ROOT / "rules" / "risks.yaml").read_text()
    used = "\n          expect: statement\n"
    assert used in text  # the shipped register uses it
    (tmp_path / "risks.yaml").write_text(text.replace(used, "\n          expect: apology\n", 1))
    with pytest.raises(ConfigError) as refused:
        load_rules(tmp_path)
    (issue,) = refused.value.issues
    assert (
        issue.key.startswith("risks.") and ".playbook" in issue.key and "statement" in issue.message
    )


def test_a_level_already_paged_and_reminded_gets_no_extra_message_for_a_late_step() -> None:
    # Nobody acknowledges: by the step's 30 minutes bob (10m) and cat (30m) are paged.
    book, actions = feed(engine(), [AlertReceived(make_alert(T0)), *minutes(1, 40)])
    assert "step_late" not in [n.kind for n in notices(actions)]
    (late,) = [t for t in incident(book).history if t.kind == "step_late"]
    assert late.level == 3 and "already paged and reminded" in late.detail
    assert incident(book).steps_late == (2,)
