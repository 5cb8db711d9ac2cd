"""A webhook receiver, as written under ``notifiers: webhooks: <name>:``."""

from __future__ import annotations

from pydantic import Field, model_validator

from listener.notifiers.secrets import EnvName, HttpUrl
from listener.rules.files.config import Model, Seconds


class WebhookConfig(Model):
    """A JSON POST to ``url`` (or to the URL in variable ``url_env`` when the URL itself
    is a secret). With ``secret_env``, every request is signed with HMAC-SHA256."""

    url: HttpUrl | None = None
    url_env: EnvName | None = None
    secret_env: EnvName | None = None
    timeout: Seconds = Field(default=10, gt=0)

    @model_validator(mode="after")
    def _one_url(self) -> WebhookConfig:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("set exactly one of url and url_env")
        return self
