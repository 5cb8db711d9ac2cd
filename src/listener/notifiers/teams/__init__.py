"""Microsoft Teams: an Adaptive Card per notification, on a channel's incoming webhook."""

from listener.notifiers.teams.config import TeamsConfig
from listener.notifiers.teams.notifier import TeamsNotifier, card, message_body, teams_notifier

__all__ = ["TeamsConfig", "TeamsNotifier", "card", "message_body", "teams_notifier"]
