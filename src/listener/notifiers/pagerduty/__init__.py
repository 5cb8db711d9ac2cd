"""PagerDuty: one alert per incident, through the Events API v2."""

from listener.notifiers.pagerduty.config import PagerDutyConfig
from listener.notifiers.pagerduty.notifier import PagerDutyNotifier, event, pagerduty_notifier

__all__ = ["PagerDutyConfig", "PagerDutyNotifier", "event", "pagerduty_notifier"]
