"""The notifiers configuration, the proposed owners.yaml channels, and fan-out planning."""

from __future__ import annotations

from datetime import UTC

import httpx
import pytest
import yaml
from notify_samples import LUCA, MARIA, make_notification
from pydantic import ValidationError

from listener.errors import ConfigError
from listener.notifiers import (
    DeliveryResult,
    GroupChannels,
    Notifiers,
    NotifiersConfig,
    Recipient,
    Route,
    Target,
    build_notifiers,
    check_channels,
    plan,
    unreached,
    unreached_people,
)
from listener.notifiers.slack import SlackThreads
from listener.notifiers.webhook import sign, verify
from listener.notifiers.webhook.notifier import body

EXAMPLE = """
timezone: Europe/Rome
slack:
  bot_token_env: LISTENER_SLACK_BOT_TOKEN
  channel: "#crisis"
email:
  host: smtp.example.com
  port: 587
  security: starttls
  username: listener@example.com
  password_env: LISTENER_SMTP_PASSWORD
  from_address: listener@example.com
webhooks:
  ops-bridge:
    url_env: LISTENER_OPS_BRIDGE_URL
    secret_env: LISTENER_OPS_BRIDGE_SECRET
delivery:
  max_attempts: 4
  first_delay: 5s
  max_delay: 2m
"""


def example() -> NotifiersConfig:
    return NotifiersConfig.model_validate(yaml.safe_load(EXAMPLE))


def test_the_documented_example_loads() -> None:
    config = example()
    assert config.zone.key == "Europe/Rome"
    policy = config.delivery.policy()
    assert (policy.max_attempts, policy.first_delay, policy.max_delay) == (4, 5.0, 120.0)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"webhooks": {"Bad Name": {"url": "https://x.example"}}},
        {"webhooks": {"a": {"url": "https://x.example", "url_env": "A"}}},
        {"webhooks": {"a": {"url": "file:///etc/passwd"}}},
        {"webhooks": {"a": {"url": "https://x.example"}}, "timezone": "Mars/Olympus"},
        {"webhooks": {"a": {"url": "https://x.example"}}, "delivery": {"first_delay": 5}},
        {"webhooks": {"a": {"url": "https://x.example", "secret": "s3cret"}}},
        {
            "webhooks": {"a": {"url": "https://x.example"}},
            "delivery": {"max_delay": "1s", "first_delay": "5s"},
        },
    ],
)
def test_notifiers_config_refuses_what_cannot_work(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        NotifiersConfig.model_validate(data)


async def test_every_missing_variable_is_reported_together() -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(ConfigError) as caught:
            build_notifiers(
                example(), {"LISTENER_OPS_BRIDGE_URL": "not a url"}, client, SlackThreads()
            )
    keys = [issue.key for issue in caught.value.issues]
    assert keys == [
        "LISTENER_SLACK_BOT_TOKEN",
        "LISTENER_SMTP_PASSWORD",
        "LISTENER_OPS_BRIDGE_URL",
    ]
    assert "not a url" not in str(caught.value)  # a value is never echoed


async def test_secrets_never_show_in_a_repr() -> None:
    environ = {
        "LISTENER_SLACK_BOT_TOKEN": "xoxb-secret-token",
        "LISTENER_SMTP_PASSWORD": "hunter2",
        "LISTENER_OPS_BRIDGE_URL": "https://bridge.example/hook",
        "LISTENER_OPS_BRIDGE_SECRET": "shh",
    }
    async with httpx.AsyncClient() as client:
        built = build_notifiers(example(), environ, client, SlackThreads())
    shown = (
        repr(vars(built.slack)) + repr(vars(built.email)) + repr(vars(built.webhooks["ops-bridge"]))
    )
    for secret in environ.values():
        if secret.startswith("https"):
            continue
        assert secret not in shown


def test_group_channels_name_configured_webhooks_with_a_hint() -> None:
    groups = {
        "bank-crisis": GroupChannels.model_validate(
            {"slack": "#crisis-intesa", "webhooks": ["ops-bridg"]}
        ),
        "telco-care": None,
    }
    issues = check_channels(example(), groups, "rules/owners.yaml")
    assert [str(i) for i in issues] == [
        "rules/owners.yaml: groups.bank-crisis.channels.webhooks[0]: "
        'undefined webhook "ops-bridg"; did you mean "ops-bridge"?'
    ]


class Quiet:
    async def send(self, message: object) -> None:
        return None


def test_plan_one_slack_message_one_email_per_person_one_request_per_webhook() -> None:
    giulia = Recipient(
        "giulia", "Giulia", slack="@giulia", email="g@example.com", channels=("slack",)
    )
    message = make_notification(recipients=(MARIA, LUCA, giulia), slack_channel="#crisis-intesa")
    routes = plan(message, Notifiers(slack=Quiet(), email=Quiet()), webhooks=["ops-bridge"])
    assert [r.where for r in routes] == [
        Target("slack", "#crisis-intesa"),
        Target("email", "maria.rossi@example.com"),
        Target("email", "luca@example.com"),
        Target("webhook", "ops-bridge"),
    ]
    assert routes[0].message.recipients == (MARIA, LUCA, giulia)
    assert routes[1].message.recipients == (MARIA,)


def test_plan_skips_channels_not_configured() -> None:
    routes = plan(make_notification(), Notifiers(email=Quiet()))
    assert [r.where.channel for r in routes] == ["email", "email"]


def test_unreached_names_people_and_channels() -> None:
    message = make_notification()
    routes = [
        Route(Target("email", "maria.rossi@example.com"), make_notification(recipients=(MARIA,))),
        Route(Target("slack", "default"), message),
        Route(Target("webhook", "ops-bridge"), message),
        Route(Target("email", "luca@example.com"), make_notification(recipients=(LUCA,))),
    ]
    results = [
        DeliveryResult("k1", "email", "maria.rossi@example.com", "failed"),
        DeliveryResult("k2", "slack", "default", "failed"),
        DeliveryResult("k3", "webhook", "ops-bridge", "failed"),
        DeliveryResult("k4", "email", "luca@example.com", "delivered"),
    ]
    assert unreached(routes, results) == (
        "Maria Rossi by email",
        "Slack (Maria Rossi, Luca Bianchi)",
        "webhook ops-bridge",
    )


def test_a_person_is_unreached_only_when_every_channel_to_them_failed() -> None:
    both = make_notification()
    routes = [
        Route(Target("slack", "default"), both),
        Route(Target("email", "maria.rossi@example.com"), make_notification(recipients=(MARIA,))),
        Route(Target("email", "luca@example.com"), make_notification(recipients=(LUCA,))),
        Route(Target("webhook", "ops-bridge"), both),
    ]
    results = [
        DeliveryResult("k1", "slack", "default", "failed"),
        DeliveryResult("k2", "email", "maria.rossi@example.com", "delivered"),
        DeliveryResult("k3", "email", "luca@example.com", "failed"),
        DeliveryResult("k4", "webhook", "ops-bridge", "delivered"),
    ]
    assert unreached_people(routes, results) == ("luca.bianchi",)


def test_a_signature_verifies_only_the_body_it_was_made_for() -> None:
    raw = b'{"sent_at": 1740821405}'
    signature = sign(b"shh", raw)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify(b"shh", raw, signature)
    assert not verify(b"shh", raw.replace(b"05", b"06"), signature)
    assert not verify(b"other", raw, signature)


def test_the_webhook_body_carries_the_time_it_is_signed_with() -> None:
    data = body(make_notification(), "ops-bridge", 1740821405, tz=UTC)
    assert data["sent_at"] == 1740821405 and data["version"] == 1
    assert data["notification"]["alert"]["samples"][1]["text"].startswith("<!channel>")
    assert data["text"].startswith("CRITICAL: Intesa Sanpaolo")
