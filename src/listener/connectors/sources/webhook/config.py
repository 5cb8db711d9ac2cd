"""connectors/<name>.yaml for ``kind: webhook``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from listener.connectors.config import EndpointConfig, EnvSecret


class WebhookConfig(EndpointConfig):
    """An HTTP endpoint that takes posts in the record format (docs/record-format.md)."""

    kind: Literal["webhook"]
    path: str = Field(default="/ingest", pattern=r"^/[\w./-]*$")
    #: Senders must present this token as "Authorization: Bearer <token>".
    token: EnvSecret = Field(alias="token_env")
