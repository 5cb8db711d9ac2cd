"""Telling people: Slack, email, webhooks, PagerDuty and Microsoft Teams, with reliable
delivery.

Independent of Faust: the incident lifecycle builds a :class:`Notification` per transition,
:func:`plan` turns it into deliveries, :func:`deliver_all` sends them with retries and
dedupe, and a failed result is dead-lettered and reported to the next level.
"""

from listener.notifiers.base import DeliveryError, Notifier
from listener.notifiers.config import (
    DeliveryConfig,
    GroupChannels,
    NotifiersConfig,
    PersonChannels,
    check_channels,
)
from listener.notifiers.delivery import (
    DeliveryAttempt,
    DeliveryLedger,
    DeliveryResult,
    RetryPolicy,
    Target,
    dedupe_key,
    deliver,
)
from listener.notifiers.fanout import (
    Notifiers,
    Route,
    build_notifiers,
    deliver_all,
    plan,
    unreached,
    unreached_people,
)
from listener.notifiers.message import Kind, NextStep, Notification, Recipient
from listener.notifiers.render import Rendered, render, to_text

__all__ = [
    "DeliveryAttempt",
    "DeliveryConfig",
    "DeliveryError",
    "DeliveryLedger",
    "DeliveryResult",
    "GroupChannels",
    "Kind",
    "NextStep",
    "Notification",
    "Notifier",
    "Notifiers",
    "NotifiersConfig",
    "PersonChannels",
    "Recipient",
    "Rendered",
    "RetryPolicy",
    "Route",
    "Target",
    "build_notifiers",
    "check_channels",
    "dedupe_key",
    "deliver",
    "deliver_all",
    "plan",
    "render",
    "to_text",
    "unreached",
    "unreached_people",
]
