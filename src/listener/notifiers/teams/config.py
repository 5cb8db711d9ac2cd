"""A Microsoft Teams channel, as written under ``notifiers: teams: <name>:``."""

from __future__ import annotations

from pydantic import Field

from listener.notifiers.secrets import EnvName
from listener.rules.files.config import Model, Seconds


class TeamsConfig(Model):
    """An incoming webhook of a Teams channel (or a Workflows webhook that posts the card
    it is sent); its URL is a secret, in the variable ``url_env``."""

    url_env: EnvName
    timeout: Seconds = Field(default=10, gt=0)
