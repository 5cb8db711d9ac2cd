"""Webhooks: the notification as signed JSON."""

from listener.notifiers.webhook.config import WebhookConfig
from listener.notifiers.webhook.notifier import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookNotifier,
    sign,
    verify,
    webhook_notifier,
)

__all__ = [
    "DELIVERY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookConfig",
    "WebhookNotifier",
    "sign",
    "verify",
    "webhook_notifier",
]
