"""A PagerDuty service, as written under ``notifiers: pagerduty: <name>:``."""

from __future__ import annotations

from pydantic import Field

from listener.notifiers.secrets import EnvName, HttpUrl
from listener.rules.files.config import Model, Seconds

#: PagerDuty's Events API v2 endpoint.
EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


class PagerDutyConfig(Model):
    """Events API v2: the service's integration key (its *routing key*) is in the
    variable ``routing_key_env``."""

    routing_key_env: EnvName
    url: HttpUrl = EVENTS_URL
    timeout: Seconds = Field(default=10, gt=0)
