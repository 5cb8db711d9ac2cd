"""Slack: Block Kit messages through an incoming webhook or the Web API."""

from listener.notifiers.slack.config import SlackChannel, SlackConfig
from listener.notifiers.slack.format import escape, payload
from listener.notifiers.slack.notifier import (
    SlackApiNotifier,
    SlackThreads,
    SlackWebhookNotifier,
    Thread,
    slack_notifier,
)

__all__ = [
    "SlackApiNotifier",
    "SlackChannel",
    "SlackConfig",
    "SlackThreads",
    "SlackWebhookNotifier",
    "Thread",
    "escape",
    "payload",
    "slack_notifier",
]
