"""The ``notifiers:`` configuration of rules/notifiers.yaml (how listener reaches people),
and the checks of the ``channels:`` keys of rules/owners.yaml (which people and groups are
reached how) against it. The ``channels:`` models themselves live with the owners models in
:mod:`listener.rules.files.config`, and are re-exported here.

Every model refuses unknown keys and is frozen, like the rest of rules/. Credentials are
environment variable names; :func:`listener.notifiers.fanout.build_notifiers` reads them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, model_validator

from listener.errors import ConfigIssue
from listener.notifiers.delivery import RetryPolicy
from listener.notifiers.email.config import EmailConfig
from listener.notifiers.pagerduty.config import PagerDutyConfig
from listener.notifiers.slack.config import SlackConfig
from listener.notifiers.teams.config import TeamsConfig
from listener.notifiers.webhook.config import WebhookConfig
from listener.rules.files.config import (
    DEFAULT_PERSON_CHANNELS,
    ChannelName,
    GroupChannels,
    Model,
    PersonChannels,
    Seconds,
    WebhookName,
)

__all__ = [
    "DEFAULT_PERSON_CHANNELS",
    "ChannelName",
    "DeliveryConfig",
    "GroupChannels",
    "NotifiersConfig",
    "PersonChannels",
    "WebhookName",
    "check_channels",
    "check_people",
]


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'{value!r} is not a time zone such as "Europe/Rome"') from None
    return value


#: The shipped retry policy: the defaults of ``delivery:`` are its values.
DEFAULT_POLICY = RetryPolicy()


class DeliveryConfig(Model):
    """How hard each message is tried before it is given up and the next level is told.
    The defaults ride out an outage of a channel of ten minutes (docs/notifications.md)."""

    max_attempts: int = Field(default=DEFAULT_POLICY.max_attempts, ge=1, le=30)
    first_delay: Seconds = Field(default=int(DEFAULT_POLICY.first_delay), ge=0)
    max_delay: Seconds = Field(default=int(DEFAULT_POLICY.max_delay), gt=0)
    jitter: float = Field(default=DEFAULT_POLICY.jitter, ge=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> DeliveryConfig:
        if self.max_delay < self.first_delay:
            raise ValueError("max_delay must not be shorter than first_delay")
        return self

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            first_delay=float(self.first_delay),
            max_delay=float(self.max_delay),
            jitter=self.jitter,
        )


class NotifiersConfig(Model):
    """Everything under ``notifiers:``. At least one channel must be configured."""

    #: Times in messages are shown in this zone.
    timezone: Annotated[str, AfterValidator(_zone)] = "UTC"
    slack: SlackConfig | None = None
    email: EmailConfig | None = None
    webhooks: dict[WebhookName, WebhookConfig] = Field(default_factory=dict)
    pagerduty: dict[WebhookName, PagerDutyConfig] = Field(default_factory=dict)
    teams: dict[WebhookName, TeamsConfig] = Field(default_factory=dict)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)

    @model_validator(mode="after")
    def _some_channel(self) -> NotifiersConfig:
        if not any((self.slack, self.email, self.webhooks, self.pagerduty, self.teams)):
            raise ValueError(
                "configure at least one of slack, email, webhooks, pagerduty and teams"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def check_channels(
    config: NotifiersConfig, groups: Mapping[str, GroupChannels | None], file: str
) -> list[ConfigIssue]:
    """Every reference from owner groups' ``channels:`` to ``notifiers:`` that does not
    resolve, with a "did you mean" when a name is close to a configured one."""
    issues: list[ConfigIssue] = []
    for group, channels in groups.items():
        if channels is None:
            continue
        named = (
            ("webhooks", "webhook", channels.webhooks, config.webhooks),
            ("pagerduty", "PagerDuty service", channels.pagerduty, config.pagerduty),
            ("teams", "Teams channel", channels.teams, config.teams),
        )
        for field, what, names, known in named:
            issues += _undefined(names, known, f"groups.{group}.channels.{field}", what, file)
        if channels.slack is not None and (config.slack is None or config.slack.channel is None):
            issues.append(
                ConfigIssue(
                    file,
                    f"groups.{group}.channels.slack",
                    "a group's Slack channel needs notifiers.slack.bot_token_env (the Web API)",
                )
            )
    return issues


def _undefined(
    names: tuple[str, ...], known: Mapping[str, object], key: str, what: str, file: str
) -> list[ConfigIssue]:
    issues = []
    for index, name in enumerate(names):
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            issues.append(ConfigIssue(file, f"{key}[{index}]", f'undefined {what} "{name}"{hint}'))
    return issues


def check_people(
    config: NotifiersConfig, people: Mapping[str, tuple[str, ...]], file: str
) -> list[ConfigIssue]:
    """Every person none of whose ``channels:`` is configured under ``notifiers:``: they
    would be paged and never told."""
    configured = {"slack": config.slack is not None, "email": config.email is not None}
    issues: list[ConfigIssue] = []
    for person, channels in people.items():
        if not any(configured.get(channel, False) for channel in channels):
            told = ", ".join(channels)
            issues.append(
                ConfigIssue(
                    file,
                    f"people.{person}.channels",
                    f"told by {told} only, and notifiers.yaml configures none of them",
                )
            )
    return issues
