"""The email: headers nothing in a post can reach, and two parts saying the same thing."""

from __future__ import annotations

from datetime import UTC
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import default
from typing import Any

import pytest
from notify_samples import HOSTILE, LUCA, MARIA, make_alert, make_notification, sample
from pydantic import ValidationError

from listener.notifiers.email import EmailConfig, compose
from listener.notifiers.message import Kind
from listener.notifiers.render import render

HEADERS = {
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "X-Listener-Incident",
    "Auto-Submitted",
    "Importance",
    "X-Priority",
    "MIME-Version",
    "Content-Type",
}


def build(**changes: Any) -> EmailMessage:
    message = make_notification(**changes)
    return compose(
        message,
        (MARIA,),
        sender="alerts@example.com",
        sender_name="listener",
        domain="example.com",
        tz=UTC,
    )


def parsed(mail: EmailMessage) -> Message:
    return message_from_bytes(mail.as_bytes(), policy=default)


def parts(mail: Message) -> dict[str, str]:
    return {
        p.get_content_type(): p.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for p in mail.walk()
        if not p.is_multipart()
    }


def test_a_hostile_post_never_becomes_a_header() -> None:
    mail = parsed(build())
    assert set(mail.keys()) == HEADERS
    assert mail["Bcc"] is None
    assert mail["To"] == "Maria Rossi <maria.rossi@example.com>"
    assert mail["Subject"] == (
        "[CRITICAL] Intesa Sanpaolo: negative surge — 22 posts vs 1.4 usual — level 1"
    )


def test_a_line_break_in_a_brand_name_is_cut_not_obeyed() -> None:
    alert = make_alert(brand_name="Intesa\r\nBcc: x@evil.example", samples=(sample(1, HOSTILE),))
    mail = parsed(build(alert=alert))
    assert set(mail.keys()) == HEADERS
    assert mail["Subject"].startswith("[CRITICAL] Intesa Bcc: x@evil.example: negative surge")


def test_both_parts_carry_the_same_facts() -> None:
    body = parts(parsed(build()))
    assert set(body) == {"text/plain", "text/html"}
    for part in body.values():
        for needle in (
            "22 posts in 5 min vs 1.4 usual",
            "64%",
            "Giulia Conti",
            "What to do",
            "Bancomat fuori uso in tutta Torino",
            "Check the branch outage",
        ):
            assert needle in part
    assert "https://listener.example.com/incidents/inc-7f3a/ack?t=abc&l=1" in body["text/plain"]
    assert (
        'href="https://listener.example.com/incidents/inc-7f3a/ack?t=abc&amp;l=1"'
        in (body["text/html"])
    )


def test_the_html_part_escapes_every_post() -> None:
    html = parts(parsed(build()))["text/html"]
    assert "&lt;!channel&gt; @here &lt;@U999EVIL&gt; look &lt;http://evil.example|click&gt;" in html
    assert "<!channel>" not in html and "<http://evil" not in html and "\x1b" not in html
    assert html.count("<a href=") == 4  # the ack link and the three posts


def test_messages_of_one_incident_thread_together() -> None:
    first = parsed(build())
    later = parsed(build(kind=Kind.ESCALATED, level=2))
    assert first["In-Reply-To"] == later["In-Reply-To"] == "<inc-7f3a@example.com>"
    assert first["Message-ID"] == "<inc-7f3a.opened.0.1@example.com>"
    assert later["Message-ID"] == "<inc-7f3a.escalated.0.2@example.com>"


def test_a_hostile_incident_id_cannot_break_the_message_id() -> None:
    mail = parsed(build(incident_id="x>\r\nBcc: y@evil"))
    assert set(mail.keys()) == HEADERS
    assert mail["Message-ID"] == "<x---Bcc--y-evil.opened.0.1@example.com>"


def test_several_recipients_share_one_to_header() -> None:
    mail = compose(
        make_notification(),
        (MARIA, LUCA),
        sender="alerts@example.com",
        sender_name="listener",
        domain="example.com",
        tz=UTC,
    )
    assert (
        parsed(mail)["To"]
        == "Maria Rossi <maria.rossi@example.com>, Luca Bianchi <luca@example.com>"
    )


def test_only_urgent_alerts_are_flagged_important() -> None:
    mail = parsed(build(alert=make_alert(severity="warning")))
    assert mail["Importance"] is None and mail["X-Priority"] is None


BASE = {"host": "smtp.example.com", "from_address": "alerts@example.com"}


@pytest.mark.parametrize(
    "changes",
    [
        {"security": "ssl"},
        {"username": "bot"},
        {"password_env": "LISTENER_SMTP_PASSWORD"},
        {"security": "plain", "username": "bot", "password_env": "P"},
        {"password": "hunter2"},
        {"from_address": "Alerts <alerts@example.com>"},
        {"from_name": "listener\r\nBcc: x@evil"},
        {"port": 0},
        {"timeout": 30},
    ],
)
def test_email_config_refuses_what_cannot_work_or_is_unsafe(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EmailConfig.model_validate(BASE | changes)


def test_a_plain_login_must_be_asked_for() -> None:
    config = EmailConfig.model_validate(
        BASE
        | {"security": "plain", "username": "bot", "password_env": "P", "allow_plain_login": True}
    )
    assert config.port == 587 and config.timeout == 30
    assert config.message_id_domain == "example.com"


def test_the_html_says_what_the_wave_is_about_and_quotes_own_posts_escaped() -> None:
    from listener.notifiers.email.compose import to_html

    own = sample(9, "<b>FREE</b> crypto", author_handle="acme_bank")
    alert = make_alert(about=("<script>", "video"), own_posts=(own,))
    html = to_html(render(make_notification(alert=alert)))
    assert "<p><strong>About:</strong> &lt;script&gt;, video</p>" in html
    assert "<blockquote>&lt;b&gt;FREE&lt;/b&gt; crypto</blockquote>" in html
    assert html.index("own account") < html.index("What people are saying")
    offer = sample(4, "Sale <i>now</i>", author_handle="acme")
    html = to_html(render(make_notification(alert=make_alert(published=(offer,)))))
    assert "<h3>Posted by the brand since the wave began, answering nobody" in html
    assert "<blockquote>Sale &lt;i&gt;now&lt;/i&gt;</blockquote>" in html
