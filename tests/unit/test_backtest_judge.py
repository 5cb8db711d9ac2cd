"""The backtest's rows from synthetic runs: the first page and how long after the onset it
came, false pages, messages per person, silence escalation, the own account, and the
reasons a row fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from listener.incidents.lifecycle.actions import Notify
from listener.incidents.lifecycle.model import ACKNOWLEDGED, NOTIFIED, Incident, Transition
from listener.records import Alert, Post, SamplePost
from listener.replay.backtest.judge import Row, Seen, judge
from listener.replay.backtest.output import table
from listener.replay.scenarios.catalog import BrandSpec, Expected, Scenario

ROME = timezone(timedelta(hours=2))
ONSET = datetime(2017, 10, 3, 16, 30, tzinfo=ROME)
MINUTE = timedelta(minutes=1)
BRAND = BrandSpec(
    id="acme", name="Acme", terms=("acme",), own_accounts=("x:acme-official", "@acme")
)
#: Messages per notification for each person: ann reads Slack and email, bob only Slack.
CHANNELS = {"ann": 2, "bob": 1}


def scenario(
    expected: Expected, posts: Sequence[Post] = (), onset: datetime | None = ONSET
) -> Scenario:
    return Scenario("wave", "Acme, a wave", 1, BRAND, onset, expected, list(posts))


def alert(
    at: datetime, rule: str = "negative-surge", severity: str = "critical", **more: Any
) -> Alert:
    fields: dict[str, Any] = {"samples": (), **more}
    return Alert(
        id=f"{rule}|acme|{at.timestamp():.0f}",
        rule=rule,
        description=f"{rule} fired",
        brand="acme",
        brand_name="Acme",
        severity=severity,
        fired_at=at,
        window="5m",
        condition="volume >= 20",
        figures={"volume": 40.0},
        baseline={"volume_baseline": 4.0},
        owners="acme-care",
        first_true_at=at - 2 * MINUTE,
        **fields,
    )


class Run:
    """Records and notifications of the incidents of one synthetic run, as the topics
    carry them (each through its JSON form)."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []
        self.records: list[dict[str, Any]] = []
        self.notices: list[Notify] = []

    def open(
        self, at: datetime, risk: str = "employee-conduct", severity: str = "critical", **more: Any
    ) -> Incident:
        first = alert(at, severity=severity, **more)
        self.alerts.append(first)
        incident = Incident(
            id=f"acme.{risk}.{len(self.records)}", brand="acme", brand_name="Acme", risk=risk,
            owners="acme-care", severity=severity, status="open", started_at=at.timestamp(),
            opened_at=at.timestamp(), rules=(first.rule,), alert_ids=(first.id,), latest=first,
            last_evidence_at=at.timestamp(),
        )  # fmt: skip
        return self.record(incident, "opened", at)

    def record(self, incident: Incident, kind: str, at: datetime, **changes: Any) -> Incident:
        step = Transition(kind, changes.pop("status", incident.status), "listener",
                          at.timestamp(), 1.9e9)  # fmt: skip
        incident = incident.with_transition(step, **changes)
        self.records.append({"incident": incident.to_dict(), "transition": step.to_dict()})
        return incident

    def page(
        self, incident: Incident, at: datetime, people: Sequence[str], kind: str = "opened"
    ) -> Incident:
        incident = self.record(incident, "paged", at, status=NOTIFIED)
        notify = Notify(f"n{len(self.notices)}", kind, incident, 1, tuple(people),
                        at.timestamp(), ())  # fmt: skip
        self.notices.append(Notify.loads(notify.dumps()))
        return incident

    def seen(self) -> Seen:
        return Seen.of_brand("acme", self.alerts, self.records, self.notices)


def row(expected: Expected, run: Run, posts: Sequence[Post] = ()) -> Row:
    return judge(scenario(expected, posts), run.seen(), CHANNELS, lambda rule: rule)


CRISIS = Expected("employee-conduct", 6)


def test_a_page_within_the_minutes_of_the_expected_risk_passes() -> None:
    run = Run()
    incident = run.open(ONSET + 4 * MINUTE)
    run.page(incident, ONSET + 4 * MINUTE, ["ann"])
    run.page(incident, ONSET + 14 * MINUTE, ["bob"], kind="escalated")
    result = row(CRISIS, run)
    assert result.passed, result.reasons
    assert result.first_page is not None
    assert result.first_page.at == ONSET + 4 * MINUTE
    assert result.first_page.at.utcoffset() == timedelta(hours=2)  # the brand's local time
    assert (result.first_page.rule, result.first_page.risk) == (
        "negative-surge",
        "employee-conduct",
    )
    assert result.first_page.severity == "critical"
    assert result.minutes_after == 4.0
    assert [i.risk for i in result.incidents] == ["employee-conduct"]
    assert result.false_pages == ()


def test_minutes_count_from_the_anchor_when_there_is_one() -> None:
    run = Run()
    run.page(run.open(ONSET + 4 * MINUTE), ONSET + 4 * MINUTE, ["ann"])
    anchored = Expected("employee-conduct", 6, anchor=ONSET - 5 * MINUTE)
    result = row(anchored, run)
    assert result.reference == ONSET - 5 * MINUTE
    assert result.minutes_after == 9.0
    assert result.reasons == ("paged 9 min after the anchor, want 6 at most",)


def test_every_reason_a_crisis_row_fails_is_given() -> None:
    run = Run()
    early = run.open(ONSET - 30 * MINUTE, risk="unexplained-attention", severity="major")
    run.page(early, ONSET - 30 * MINUTE, ["ann"])
    run.page(run.open(ONSET + 20 * MINUTE, risk="online-firestorm"), ONSET + 20 * MINUTE, ["ann"])
    expected = Expected("employee-conduct", 6, own_account="@acme", silence_escalation=True)
    result = row(expected, run)
    assert result.minutes_after == -30.0
    assert len(result.false_pages) == 1
    assert result.reasons == (
        "1 page before the onset",
        "2 incidents paged (unexplained-attention, online-firestorm), want one",
        "paged for unexplained-attention, want employee-conduct",
        "own account @acme not named",
        "the brand's silence raised no level",
    )
    assert not result.passed


def test_the_incident_of_the_expected_risk_is_the_one_timed() -> None:
    run = Run()
    run.page(run.open(ONSET + 2 * MINUTE, risk="online-firestorm"), ONSET + 2 * MINUTE, ["ann"])
    run.page(run.open(ONSET + 9 * MINUTE), ONSET + 9 * MINUTE, ["ann"])
    result = row(CRISIS, run)
    assert result.reasons == (
        "2 incidents paged (online-firestorm, employee-conduct), want one",
        "paged 9 min after the onset, want 6 at most",
    )


def test_nobody_paged_fails_a_crisis_and_passes_a_calm_scenario() -> None:
    assert row(CRISIS, Run()).reasons == ("nobody paged",)
    calm = row(Expected(None), Run())
    assert calm.passed
    assert (calm.first_page, calm.minutes_after, calm.most_messages) == (None, None, 0)


def test_an_info_notice_is_not_a_page() -> None:
    run = Run()
    run.page(run.open(ONSET, severity="info"), ONSET, ["ann"])
    result = judge(scenario(Expected(None), onset=None), run.seen(), CHANNELS, str)
    assert result.passed
    assert result.first_page is None
    assert len(result.incidents) == 1  # opened, and counted as such


def test_any_page_in_a_no_page_scenario_is_false() -> None:
    run = Run()
    incident = run.open(ONSET + 60 * MINUTE, risk="unexplained-attention", severity="warning")
    run.page(incident, ONSET + 60 * MINUTE, ["ann"])
    run.page(incident, ONSET + 70 * MINUTE, ["bob"], kind="escalated")
    # Without an onset, times are shown with the offset the scenario's posts are written in.
    ordinary = Post("1", "x", ONSET, "acme is fine", "fan-1")
    calm = scenario(Expected(None), [ordinary], onset=None)
    result = judge(calm, run.seen(), CHANNELS, str)
    assert len(result.false_pages) == 2
    assert result.minutes_after is None  # nothing to count from
    assert result.reasons == (
        "2 pages where none is expected: 2017-10-03 17:30 +0200 negative-surge "
        "unexplained-attention warning",
    )


def test_messages_count_each_channel_of_each_person_for_six_hours() -> None:
    run = Run()
    incident = run.open(ONSET)
    incident = run.page(incident, ONSET, ["ann"])
    incident = run.page(incident, ONSET + 10 * MINUTE, ["bob"], kind="escalated")
    incident = run.page(incident, ONSET + 70 * MINUTE, ["ann", "bob"], kind="reminder")
    incident = run.page(incident, ONSET + 6 * 60 * MINUTE, ["ann", "bob"], kind="reminder")
    result = row(CRISIS, run)
    assert dict(result.messages) == {"ann": 4, "bob": 2}
    assert result.most_messages == 4


def test_messages_stop_counting_at_the_acknowledgement() -> None:
    run = Run()
    incident = run.page(run.open(ONSET), ONSET, ["ann", "bob"])
    later = ONSET + 30 * MINUTE
    incident = run.record(incident, "acknowledged", later, status=ACKNOWLEDGED,
                          acknowledged_by="bob", acknowledged_at=later.timestamp())  # fmt: skip
    run.page(incident, ONSET + 40 * MINUTE, ["ann"], kind="acknowledged")
    assert dict(row(CRISIS, run).messages) == {"ann": 2, "bob": 1}


def test_a_page_for_the_brands_silence_is_a_silence_escalation() -> None:
    run = Run()
    incident = run.page(run.open(ONSET), ONSET, ["ann"])
    run.page(incident, ONSET + 3 * MINUTE, ["bob"], kind="brand_silent")
    assert row(replace(CRISIS, silence_escalation=True), run).passed
    refused = row(replace(CRISIS, silence_escalation=False), run)
    assert refused.silence_escalation
    assert refused.reasons == ("the brand's silence raised a level, want not",)


def test_the_risk_history_follows_the_records() -> None:
    run = Run()
    incident = run.page(run.open(ONSET, risk="online-firestorm"), ONSET, ["ann"])
    run.record(incident, "risk_raised", ONSET + 3 * MINUTE, risk="employee-conduct")
    result = row(CRISIS, run)
    (seen,) = result.incidents
    assert seen.risks == ("online-firestorm", "employee-conduct")
    assert result.passed  # the final risk is the one judged


def _sample(post: Post) -> SamplePost:
    return SamplePost(post.key, post.source, post.created_at.isoformat(), post.author_handle,
                      10, post.text, None, -0.8, "negative")  # fmt: skip


@pytest.mark.parametrize(
    ("account", "author_id", "handle"),
    [("x:acme-official", "acme-official", None), ("@acme", "someone", "ACME")],
)
def test_the_own_account_is_named_when_an_alert_quotes_its_post(
    account: str, author_id: str, handle: str | None
) -> None:
    hacked = Post("9", "x", ONSET, "free crypto for all", author_id, author_handle=handle)
    run = Run()
    run.page(run.open(ONSET, own_posts=(_sample(hacked),)), ONSET, ["ann"])
    result = row(replace(CRISIS, own_account=account), run, [hacked])
    assert result.own_account_named is True
    assert result.passed


def test_a_post_merely_mentioning_the_account_does_not_name_it() -> None:
    fan = Post("10", "x", ONSET, "@acme what happened to your account?", "fan-1")
    run = Run()
    run.page(run.open(ONSET, samples=(_sample(fan),)), ONSET, ["ann"])
    result = row(replace(CRISIS, own_account="@acme"), run, [fan])
    assert result.own_account_named is False
    assert result.reasons == ("own account @acme not named",)
    assert row(CRISIS, run).own_account_named is None  # not asked


def test_alerts_carry_the_risk_of_the_incident_they_joined() -> None:
    run = Run()
    run.page(run.open(ONSET), ONSET, ["ann"])
    run.alerts.append(alert(ONSET + 50 * MINUTE, rule="volume-spike", severity="major"))
    result = judge(scenario(CRISIS), run.seen(), CHANNELS, lambda rule: f"risk-of-{rule}")
    assert [(a.rule, a.risk) for a in result.alerts] == [
        ("negative-surge", "employee-conduct"),
        ("volume-spike", "risk-of-volume-spike"),
    ]


def test_only_the_brands_own_output_is_judged() -> None:
    run = Run()
    run.page(run.open(ONSET), ONSET, ["ann"])
    other = replace(run.alerts[0], brand="other")
    seen = Seen.of_brand("other", [*run.alerts, other], run.records, run.notices)
    assert (seen.alerts, seen.records, seen.notices) == ((other,), (), ())


def test_the_table_names_each_risk_once_with_how_many_incidents_had_it() -> None:
    run = Run()
    for hour in (0, 2, 4):
        run.page(run.open(ONSET + hour * 60 * MINUTE, risk="online-firestorm"), ONSET, ["ann"])
    run.open(ONSET + 5 * 60 * MINUTE, risk="unexplained-attention", severity="info")
    (line,) = [x for x in table([row(CRISIS, run)]).splitlines() if x.startswith("wave")]
    assert "4: online-firestorm ×3, unexplained-attention" in line
