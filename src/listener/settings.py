"""Process settings: ``LISTENER_*`` environment variables, validated once at start.

What the user edits as YAML (brands, owners, rules, connectors) is not here: see
``listener.rules.loader``. These are the knobs of the process itself.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The shortest incident API key accepted: the key alone lets its holder act on every
#: incident, so it must be too long to guess.
MIN_API_KEY = 32
#: Hosts a link may never name: they are where a server listens, not where people reach it.
_UNREACHABLE: Final = frozenset({"0.0.0.0", "::", "[::]", ""})


class Settings(BaseSettings):
    """Settings of one listener process. Every field can be set as ``LISTENER_<NAME>``."""

    # Inputs are left out of errors: a refused secret must not be printed with its refusal.
    model_config = SettingsConfigDict(
        env_prefix="LISTENER_", extra="forbid", frozen=True, hide_input_in_errors=True
    )

    #: Kafka bootstrap servers, e.g. ``kafka-1:9092,kafka-2:9092``. Empty: an embedded broker
    #: is started by the commands that need one (demo, tests); ``worker`` refuses to guess.
    kafka_bootstrap: str = ""
    #: Name of the Faust application; also the consumer group and the prefix of internal topics.
    app_id: str = "listener"
    #: Prefix of listener's own topics, so several deployments can share one cluster.
    topic_prefix: str = "listener"
    #: Partitions of listener's topics. Workers beyond this count sit idle.
    partitions: int = Field(default=4, ge=1, le=1024)
    #: Replication factor of the topics listener creates (1 on a single broker).
    replication_factor: int = Field(default=1, ge=1, le=16)
    #: The rules directory (brands, owners, alert rules).
    rules_dir: Path = Path("rules")
    #: Where the worker keeps local files.
    data_dir: Path = Path("var")
    #: The worker's web server (metrics, health). Port 0 picks a free one.
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=0, le=65535)
    #: Posts are processed in micro-batches of up to this many, or whatever arrived within
    #: ``batch_seconds``: the main lever on throughput.
    batch_size: int = Field(default=2000, ge=1)
    batch_seconds: float = Field(default=0.2, gt=0)
    #: Window state is snapshotted this often (seconds of wall clock) so a restarted worker
    #: replays only the posts since the last snapshot.
    snapshot_seconds: float = Field(default=5.0, gt=0)
    #: A duplicate (same source and id) is dropped if seen within this much event time.
    dedupe_seconds: int = Field(default=86_400, ge=0)
    #: Posts later than this behind the newest seen (event time) are counted as late.
    allowed_lateness_seconds: int = Field(default=60, ge=0)
    #: When every source is quiet, event time follows the wall clock this far behind it
    #: (sources followed live only), so escalations fall due in a lull: see
    #: docs/architecture.md, "Event time". Posts a source delivers later than this (plus the
    #: allowed lateness) after they were written are counted late.
    live_delay_seconds: float = Field(default=120.0, ge=0)
    #: Kafka session timeout; the group waits up to half of it when a member joins.
    session_timeout: float = Field(default=6.0, gt=0)
    heartbeat_interval: float = Field(default=1.0, gt=0)
    #: Per-brand metrics name at most this many brands per worker (those with an open alert
    #: first, then the busiest); the others are summed under brand="_other". This bounds the
    #: series Prometheus stores: see docs/operations.md, "Per-brand metrics".
    brand_metrics_limit: int = Field(default=200, ge=0, le=10_000)
    log_level: str = "info"
    #: The incident API's key (``Authorization: Bearer <key>``, at least ``MIN_API_KEY``
    #: characters); unset: only signed links are accepted.
    api_key: SecretStr | None = None
    #: Signs the acknowledge links in notifications (at least 32 bytes, checked when the
    #: worker starts, without ever being shown); unset: messages carry no link. Generate
    #: one with
    #: ``python -c "import secrets; print(secrets.token_urlsafe(48))"``.
    ack_secret: SecretStr | None = None
    #: Where people reach the worker's incident API (``https://listener.example.com``), the
    #: base of every link in Slack, email and webhooks. Required with ``ack_secret`` unless
    #: the web server listens on a loopback address only (a laptop, tests, replays), where
    #: the default ``http://<web_host>:<web_port>`` reaches it.
    public_url: str = ""

    @property
    def link_base(self) -> str:
        return self.public_url or f"http://{self.web_host}:{self.web_port}"

    @field_validator("public_url")
    @classmethod
    def _reachable(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "LISTENER_PUBLIC_URL must be an http(s) address people open, such as"
                " https://listener.example.com"
            )
        if parts.hostname in _UNREACHABLE or parts.query or parts.fragment:
            raise ValueError(
                f"LISTENER_PUBLIC_URL names {parts.hostname or 'no host'}: it must be the"
                " address people open, without query or fragment, not the one the server"
                " listens on"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _links_reachable(self) -> Settings:
        if self.ack_secret is None or self.public_url or _loopback(self.web_host):
            return self
        raise ValueError(
            "LISTENER_PUBLIC_URL is required when LISTENER_ACK_SECRET is set and the web"
            f" server listens on {self.web_host}: links would point at an address nobody can"
            " open; set it to where people reach the incident API, such as"
            " https://listener.example.com"
        )

    @field_validator("api_key")
    @classmethod
    def _long_key(cls, value: SecretStr | None) -> SecretStr | None:
        length = 0 if value is None else len(value.get_secret_value())
        if value is not None and length < MIN_API_KEY:
            raise ValueError(
                f"LISTENER_API_KEY is {length} characters long; it must be at least"
                f" {MIN_API_KEY}: generate one with"
                ' python -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        allowed = {"debug", "info", "warning", "error"}
        if value.lower() not in allowed:
            raise ValueError(f"must be one of {sorted(allowed)}")
        return value.lower()


def _loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (links to it work here)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
