"""The plain-words rendering every channel shares: what a person reads first, and that
nothing a post says can change how the message reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from notify_samples import FIRED, GIULIA, HOSTILE, PLAYBOOK, make_alert, make_notification, sample

from listener.notifiers.message import Kind, Notification
from listener.notifiers.render import clean, render, safe_url, subject, to_text


def test_an_opened_incident_says_what_how_bad_and_what_to_do() -> None:
    text = to_text(render(make_notification()))
    lines = text.splitlines()
    assert lines[0] == "CRITICAL: Intesa Sanpaolo — negative surge"
    assert lines[1] == "New incident. Level 1 is told now: Maria Rossi, Luca Bianchi."
    assert (
        lines[2] == "22 posts in 5 min vs 1.4 usual (15.7× usual, z 9.3); 64% negative (usual 20%)."
    )
    for figure in ("-0.52", "usual +0.05", "People posting: 19", "48,200 followers", "12,300"):
        assert figure in text
    assert "Bancomat fuori uso in tutta Torino" in text
    assert "@cliente1 (1,300 followers, negative, twitter)" in text
    for step in PLAYBOOK:
        assert step in text
    assert "https://listener.example.com/incidents/inc-7f3a/ack?t=abc&l=1" in text
    assert "If nobody acknowledges by 09:40 UTC (in 10 min), level 2 is told: Giulia Conti." in text


def test_acting_comes_before_reading_the_posts_and_the_figures_in_full() -> None:
    text = to_text(render(make_notification()))
    ack = text.index("Acknowledge to stop the escalation")
    assert ack < text.index("If nobody acknowledges") < text.index("What people are saying")
    assert text.index("What people are saying") < text.index("What to do")
    assert text.index("What to do") < text.index("Figures against the usual")


def test_the_subject_is_enough_to_triage() -> None:
    assert subject(make_notification()) == (
        "[CRITICAL] Intesa Sanpaolo: negative surge — 22 posts vs 1.4 usual — level 1"
    )
    escalated = make_notification(Kind.ESCALATED, level=2, recipients=(GIULIA,))
    assert subject(escalated).endswith("— escalated to level 2")
    assert subject(make_notification(Kind.RESOLVED)).startswith("[RESOLVED] Intesa Sanpaolo")
    silent = make_notification(Kind.BRAND_SILENT, level=2)
    assert subject(silent).endswith("— brand silent, level 2")
    assert render(silent).ack is not None  # it asks for action like any page


def test_the_subject_never_holds_post_text_or_line_breaks() -> None:
    alert = make_alert(brand_name="Intesa\r\nBcc: x@evil.example", samples=(sample(1, HOSTILE),))
    line = subject(make_notification(alert=alert))
    assert "\r" not in line and "\n" not in line
    assert "channel" not in line and "evil.example|click" not in line


@pytest.mark.parametrize(
    ("kind", "changes", "expected"),
    [
        (Kind.ESCALATED, {"level": 2}, "Nobody has acknowledged yet, so level 2 is told now"),
        (Kind.REMINDER, {"cycle": 1}, "starting again from level 1 (round 2)"),
        (Kind.ACKNOWLEDGED, {"acknowledged_by": "Maria Rossi"}, "Acknowledged by Maria Rossi at"),
        (Kind.RESOLVED, {}, "Resolved at 09:30 UTC"),
        (
            Kind.BRAND_SILENT,
            {"level": 2, "detail": "the brand has not answered for 30m or more"},
            "Escalated early to level 2: the brand has not answered for 30m or more. Told now",
        ),
        (
            Kind.DELIVERY_FAILED,
            {"unreached": ("Maria Rossi by email",), "level": 2},
            "Could not reach Maria Rossi by email. You are told instead (level 2)",
        ),
    ],
)
def test_each_transition_says_what_happened(
    kind: Kind, changes: dict[str, object], expected: str
) -> None:
    assert expected in render(make_notification(kind, **changes)).status


@pytest.mark.parametrize("kind", [Kind.ACKNOWLEDGED, Kind.RESOLVED])
def test_informing_messages_ask_for_nothing(kind: Kind) -> None:
    page = render(make_notification(kind))
    assert page.ack is None and page.ack_url is None and page.next is None
    assert "to stop the escalation" not in to_text(page)


def test_the_last_level_says_nobody_else_will_be_told() -> None:
    page = render(make_notification(next_step=None))
    assert page.next == "This is the last level: nobody else will be told."


def test_without_an_ack_link_the_reader_is_still_told_how_to_stop_it() -> None:
    page = render(make_notification(ack_url="javascript:alert(1)"))
    assert page.ack_url is None
    assert page.ack == "Acknowledge in listener to stop the escalation."


def test_times_are_shown_in_the_configured_zone() -> None:
    page = render(make_notification(), ZoneInfo("Europe/Rome"))
    assert page.next is not None and "10:40 CET" in page.next
    assert ("Alert fired", "2025-03-01 10:30 CET") in page.details


def test_a_deadline_on_another_day_carries_its_date() -> None:
    message = make_notification()
    assert message.next_step is not None
    later = replace(message.next_step, at=FIRED + timedelta(days=1, hours=2))
    page = render(replace(message, next_step=later))
    assert page.next is not None and "02 Mar 11:30 UTC (in 26 h)" in page.next


def test_post_text_loses_control_characters_and_bidi_overrides() -> None:
    alert = make_alert(samples=(sample(1, "line one\r\nline two\x1b[2J \u202eevil\u202c end"),))
    text = to_text(render(make_notification(alert=alert)))
    assert "line one line two [2J evil end" in text
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text


def test_an_alert_without_figures_still_renders() -> None:
    page = render(make_notification(alert=make_alert(figures={}, baseline={})))
    assert page.summary == "No figures came with this alert."
    assert page.figures == ()


def test_a_brand_never_seen_posting_says_so() -> None:
    alert = make_alert(figures={"volume": 3.0, "minutes_since_brand_post": None})
    assert ("Brand's own last post", "not seen posting") in render(
        make_notification(alert=alert)
    ).figures


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://x.example/a?b=1&c=2", True),
        ("http://x.example", True),
        ("javascript:alert(1)", False),
        ("https://x.example/a\r\nb", False),
        ("https://x.example/a b", False),
        ("/relative", False),
        (None, False),
    ],
)
def test_only_absolute_http_links_are_kept(url: str | None, kept: bool) -> None:
    assert (safe_url(url) is not None) is kept


def test_clean_collapses_whitespace() -> None:
    assert clean("  a\t\tb\n\nc\u2028d ") == "a b c d"


def test_a_notification_survives_its_json_form() -> None:
    message = make_notification(Kind.DELIVERY_FAILED, unreached=("Maria Rossi by email",))
    assert Notification.loads(message.dumps()) == message


@pytest.mark.parametrize(
    "changes",
    [{"level": 0}, {"cycle": -1}, {"incident_id": ""}, {"at": FIRED.replace(tzinfo=None)}],
)
def test_a_notification_refuses_impossible_values(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_notification(**changes)


def test_what_the_wave_is_about_comes_right_after_the_headline() -> None:
    alert = make_alert(about=("video", "branch director", "vergogna"))
    lines = to_text(render(make_notification(alert=alert))).splitlines()
    assert lines[3] == "About: video, branch director, vergogna"
    plain = to_text(render(make_notification(alert=make_alert(about=()))))
    assert "About:" not in plain


@pytest.mark.parametrize(
    ("field", "heading"),
    [
        # A taken account's posts, and the offers the brand published in its wave.
        ("own_posts", "Posted from the brand's own account, not like the brand:"),
        ("published", "Posted by the brand since the wave began, answering nobody: pause"),
    ],
)
def test_the_brands_own_posts_are_quoted_before_the_public_ones(field: str, heading: str) -> None:
    own = sample(9, "Send 0.1 BTC or get a free gigabyte!", author_handle="acme_bank")
    text = to_text(render(make_notification(alert=make_alert(**{field: (own,)}))))
    head = text.index(heading)
    assert head < text.index("What people are saying:")
    assert "@acme_bank (9,300 followers, negative, twitter): Send 0.1 BTC" in text[head:]
    assert heading not in to_text(render(make_notification(alert=make_alert())))


def test_the_evidence_against_the_usual_is_in_the_figures() -> None:
    figures = {"negative": 14.0, "negative_surprise": 9.3, "topic": 6.0, "minutes_silent": 42.0}
    alert = make_alert(
        figures={**make_alert().figures, **figures},
        baseline={**make_alert().baseline, "negative_baseline": 0.3, "topic_baseline": 0.1},
    )
    rows = dict(render(make_notification(alert=alert)).figures)
    assert rows["Negative posts"] == "14 vs 0.3 usual, a count seen by chance once in 10^9 windows"
    assert rows["Posts on the risk's topic"] == "6 vs 0.1 usual"
    assert rows["Brand silent in this wave"] == "42 min"


def test_the_incident_s_risk_and_severity_lead_when_they_rose_past_the_alert() -> None:
    # The latest alert is an info spike, but the incident it joined is a critical
    # conduct crisis: that is what the reader must see first.
    alert = make_alert(rule="attention-spike", severity="info")
    message = make_notification(kind=Kind.ESCALATED, alert=alert, risk="employee-conduct",
                                severity="critical")  # fmt: skip
    page = render(message)
    assert page.title == "CRITICAL: Intesa Sanpaolo — employee conduct (attention spike)"
    assert subject(message).startswith(
        "[CRITICAL] Intesa Sanpaolo: employee conduct (attention spike) — "
    )
    same = make_notification(risk="negative-surge", severity=None)
    assert render(same).title == "CRITICAL: Intesa Sanpaolo — negative surge"
