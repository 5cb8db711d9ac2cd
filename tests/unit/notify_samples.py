"""An Intesa Sanpaolo alert and its notifications, as the notifier tests need them.

One sample post is hostile: it tries to ping the channel, inject a link, add an email
header and break formatting. It must arrive inert in every channel.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from listener.notifiers.message import Kind, NextStep, Notification, Recipient
from listener.records import Alert, SamplePost

FIRED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
HOSTILE = (
    "<!channel> @here <@U999EVIL> look <http://evil.example|click> & "
    "*bold* `code` ```fence\r\nBcc: x@evil.example\r\n\x1b[31m"
)
MARIA = Recipient("maria.rossi", "Maria Rossi", slack="U012AB3CD", email="maria.rossi@example.com")
LUCA = Recipient("luca.bianchi", "Luca Bianchi", slack="@luca.bianchi", email="luca@example.com")
GIULIA = Recipient(
    "giulia.conti", "Giulia Conti", slack="@giulia.conti", email="giulia@example.com"
)
PLAYBOOK = (
    "Check the branch outage status page",
    "Post the holding statement from the crisis folder",
    "Call the press office if the volume keeps rising",
)


def sample(n: int, text: str, **changes: Any) -> SamplePost:
    post = SamplePost(
        key=f"twitter:{n}",
        source="twitter",
        created_at=(FIRED - timedelta(minutes=n)).isoformat(),
        author_handle=f"cliente{n}",
        author_followers=1000 * n + 300,
        text=text,
        url=f"https://twitter.example/status/{n}",
        compound=-0.7,
        label="negative",
    )
    return replace(post, **changes)


def make_alert(**changes: Any) -> Alert:
    alert = Alert(
        id="a1b2c3",
        rule="negative-surge",
        description="Many more people than usual are posting about the brand, mostly negatively.",
        brand="intesa",
        brand_name="Intesa Sanpaolo",
        severity="critical",
        fired_at=FIRED,
        window="5m",
        condition="volume_z > 4 and negative_share > 0.5",
        figures={
            "volume": 22.0,
            "negative": 14.0,
            "negative_share": 0.64,
            "mean_sentiment": -0.52,
            "unknown": 3.0,
            "unique_authors": 19.0,
            "reach": 48200.0,
            "max_author_reach": 12300.0,
            "minutes_since_brand_post": 42.0,
            "volume_ratio": 15.7,
            "volume_z": 9.3,
        },
        baseline={
            "volume_baseline": 1.4,
            "sentiment_baseline": 0.05,
            "negative_share_baseline": 0.2,
        },
        samples=(
            sample(1, "Bancomat fuori uso in tutta Torino, nessuno risponde al telefono"),
            sample(2, HOSTILE),
            sample(3, "App down da stamattina, stipendio non visibile"),
        ),
        owners="bank-crisis",
        first_true_at=FIRED - timedelta(minutes=2),
        emitted_at=FIRED,
    )
    return replace(alert, **changes)


def make_notification(kind: Kind = Kind.OPENED, **changes: Any) -> Notification:
    """The opening notification of incident inc-7f3a, with ``changes`` applied."""
    message = Notification(
        kind=kind,
        incident_id="inc-7f3a",
        alert=make_alert(),
        level=1,
        recipients=(MARIA, LUCA),
        at=FIRED + timedelta(seconds=5),
        next_step=NextStep(2, FIRED + timedelta(minutes=10, seconds=5), ("Giulia Conti",)),
        ack_url="https://listener.example.com/incidents/inc-7f3a/ack?t=abc&l=1",
        playbook=PLAYBOOK,
    )
    return replace(message, **changes)
