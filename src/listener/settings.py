"""Process settings: ``LISTENER_*`` environment variables, validated once at start.

What the user edits as YAML (brands, owners, rules, connectors) is not here: see
``listener.rules.files.loader``. These are the knobs of the process itself.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
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
    #: ``min.insync.replicas`` of the topics listener creates; unset: 2 when the
    #: replication factor is 3 or more, else the cluster's default.
    min_insync_replicas: int | None = Field(default=None, ge=1, le=16)
    #: How long the stream topics keep messages (the compacted snapshot and checkpoint
    #: topics keep each key's latest instead): replays and recovery read back this far.
    topic_retention_hours: int = Field(default=168, ge=1)
    #: How clients reach Kafka: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
    #: (docs/kafka-security.md).
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    #: SASL mechanism (the SASL protocols only) and its user and password.
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr | None = None
    #: CA bundle (PEM) that signs the brokers' certificates; unset: the system's CAs.
    kafka_ssl_cafile: Path | None = None
    #: Client certificate and key (PEM) for clusters that authenticate clients by TLS.
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_key_password: SecretStr | None = None
    #: The rules directory (brands, owners, alert rules).
    rules_dir: Path = Path("rules")
    #: Where the worker keeps local files.
    data_dir: Path = Path("var")
    #: The worker's web server (metrics, health). Port 0 picks a free one.
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=0, le=65535)
    #: Liveness is answered on this port by a thread of its own, in milliseconds however
    #: busy the worker is (docs/operations.md, "Health"); 0 picks a free one (logged).
    health_port: int = Field(default=0, ge=0, le=65535)
    #: The worker is live while its event loop has run within this many seconds.
    liveness_seconds: float = Field(default=60.0, gt=0)
    #: Posts are processed in micro-batches of up to this many, or whatever arrived within
    #: ``batch_seconds``: the main lever on throughput.
    batch_size: int = Field(default=2000, ge=1)
    batch_seconds: float = Field(default=0.2, gt=0)
    #: Window state is snapshotted at most this often (seconds of wall clock) so a restarted
    #: worker replays only the posts since the last snapshot (listener.windows.stage says
    #: when a partition waits longer).
    snapshot_seconds: float = Field(default=5.0, gt=0)
    #: A duplicate (same source and id) is dropped if seen within this much event time.
    dedupe_seconds: int = Field(default=86_400, ge=0)
    #: Posts later than this behind the newest seen (event time) are counted as late. A
    #: source followed live waits only as long as its late posts have needed lately (see
    #: docs/architecture.md, "Event time"), never longer than this.
    allowed_lateness_seconds: int = Field(default=60, ge=0)
    #: False: always wait the allowed lateness, even for sources whose posts come in order.
    learn_lateness: bool = True
    #: Event time a source is followed live, after a start, before what its posts taught
    #: replaces the allowed lateness: long enough for every source polled to deliver once.
    lateness_learning_seconds: float = Field(default=600.0, ge=0)
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
    #: How often (seconds) the worker looks for changed files in the rules directory and
    #: reloads them (validated as ``listener check`` does; see docs/operations.md, "Changing
    #: rules live"). 0: only on SIGHUP and ``POST /rules/reload``.
    rules_watch_seconds: float = Field(default=5.0, ge=0)
    log_level: str = "info"
    #: ``text`` (one line per event) or ``json`` (one object per line, for a log pipeline).
    log_format: Literal["text", "json"] = "text"
    #: After SIGTERM a worker stops cleanly within this many seconds, or exits anyway (its
    #: state is in Kafka, so nothing is lost): keep it below the orchestrator's grace period.
    shutdown_seconds: float = Field(default=20.0, gt=0, le=600)
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

    @field_validator("log_format", mode="before")
    @classmethod
    def _format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _kafka_security(self) -> Settings:
        problems = _kafka_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def describe(error: ValidationError) -> str:
    """A settings error in one line, each problem naming its ``LISTENER_`` variable (the
    refused value is never shown: it may be a secret)."""
    problems = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["loc"]:
            name = f"LISTENER_{str(item['loc'][0]).upper()}"
            problems.append(message if name in message else f"{name}: {message}")
        else:  # a check of several settings together names them itself
            problems.append(message)
    return "; ".join(problems)


def _loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (links to it work here)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _kafka_problems(settings: Settings) -> list[str]:
    """What is wrong with the Kafka settings taken together, each naming its variable (a
    secret's value is never shown)."""
    problems = _sasl_problems(settings) + _tls_problems(settings)
    insync = settings.min_insync_replicas
    if insync is not None and insync > settings.replication_factor:
        problems.append(
            f"LISTENER_MIN_INSYNC_REPLICAS={insync} exceeds LISTENER_REPLICATION_FACTOR="
            f"{settings.replication_factor}: no write could ever succeed"
        )
    return problems


def _sasl_problems(settings: Settings) -> list[str]:
    protocol = settings.kafka_security_protocol
    if protocol.startswith("SASL_"):
        wanted = {
            "LISTENER_KAFKA_SASL_MECHANISM": settings.kafka_sasl_mechanism,
            "LISTENER_KAFKA_SASL_USERNAME": settings.kafka_sasl_username,
            "LISTENER_KAFKA_SASL_PASSWORD": settings.kafka_sasl_password,
        }
        return [
            f"{name} is required with LISTENER_KAFKA_SECURITY_PROTOCOL={protocol}"
            for name, value in wanted.items()
            if not value
        ]
    if settings.kafka_sasl_mechanism or settings.kafka_sasl_username:
        return [
            f"LISTENER_KAFKA_SASL_* are set but LISTENER_KAFKA_SECURITY_PROTOCOL={protocol}"
            " does not use SASL: choose SASL_SSL (or SASL_PLAINTEXT)"
        ]
    return []


def _tls_problems(settings: Settings) -> list[str]:
    protocol = settings.kafka_security_protocol
    files = {
        "LISTENER_KAFKA_SSL_CAFILE": settings.kafka_ssl_cafile,
        "LISTENER_KAFKA_SSL_CERTFILE": settings.kafka_ssl_certfile,
        "LISTENER_KAFKA_SSL_KEYFILE": settings.kafka_ssl_keyfile,
    }
    given = {name: path for name, path in files.items() if path is not None}
    problems = [
        f"{name}: no such file: {path}" for name, path in given.items() if not path.is_file()
    ]
    if given and not protocol.endswith("SSL"):
        problems.append(
            f"{', '.join(given)} set but LISTENER_KAFKA_SECURITY_PROTOCOL={protocol}"
            " does not use TLS: choose SSL or SASL_SSL"
        )
    if (settings.kafka_ssl_certfile is None) != (settings.kafka_ssl_keyfile is None):
        problems.append("LISTENER_KAFKA_SSL_CERTFILE and LISTENER_KAFKA_SSL_KEYFILE go together")
    return problems
