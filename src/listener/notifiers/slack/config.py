"""How listener reaches Slack, as written under ``notifiers: slack:``.

Either an incoming webhook (one fixed channel, no threads) or the Web API with a bot token
(``chat.postMessage`` to the owner group's channel, every later message of an incident in
the thread of its first one). Secrets are environment variable names.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from listener.notifiers.secrets import EnvName, HttpUrl
from listener.rules.files.config import Model, Seconds, SlackChannel

__all__ = ["SlackChannel", "SlackConfig"]


class SlackConfig(Model):
    """Slack delivery: ``webhook_url_env`` or ``bot_token_env``, not both."""

    webhook_url_env: EnvName | None = None
    bot_token_env: EnvName | None = None
    #: The channel used when an owner group names none (Web API only).
    channel: SlackChannel | None = None
    api_url: HttpUrl = "https://slack.com/api"
    timeout: Seconds = Field(default=10, gt=0)
    #: The app's signing secret: with it, messages carry buttons (acknowledge, resolve,
    #: statement published, silence 1 h) whose requests reach ``/slack/interactions``.
    signing_secret_env: EnvName | None = None
    #: Where Slack's ``response_url`` of a button may point; the message is updated there.
    response_url_prefix: HttpUrl = "https://hooks.slack.com/"

    @model_validator(mode="after")
    def _one_way(self) -> SlackConfig:
        if (self.webhook_url_env is None) == (self.bot_token_env is None):
            raise ValueError("set exactly one of webhook_url_env and bot_token_env")
        if self.bot_token_env is not None and self.channel is None:
            raise ValueError("the Web API (bot_token_env) needs a default channel")
        if self.webhook_url_env is not None and self.channel is not None:
            raise ValueError("an incoming webhook posts to its own channel: remove channel")
        return self
