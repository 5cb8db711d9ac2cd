"""How every Kafka client of a process reaches its cluster: TLS and SASL, and the configs
of the topics listener creates.

A process talks to one secured cluster, ``LISTENER_KAFKA_BOOTSTRAP``; the entry point
calls :func:`use` with its settings, and each place that builds an aiokafka client takes
its keyword arguments from :func:`client_kwargs` (Faust's own clients from
:func:`faust_credentials`). Any other address (the embedded broker a replay or a test
starts on 127.0.0.1) is reached in plain text, so secured production settings in the
environment never leak onto a local broker. See docs/kafka-security.md.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiokafka.helpers import create_ssl_context  # type: ignore[import-untyped]

from listener.broker.topics import TopicNames
from listener.settings import Settings

if TYPE_CHECKING:
    from faust.auth import SASLCredentials, SSLCredentials


@dataclass(frozen=True, slots=True)
class KafkaSecurity:
    """How to reach one cluster: the validated ``LISTENER_KAFKA_*`` security settings."""

    protocol: str = "PLAINTEXT"
    mechanism: str | None = None
    username: str = ""
    password: str = ""
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    key_password: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> KafkaSecurity:
        def text(value: object) -> str | None:
            return None if value is None else str(value)

        return cls(
            protocol=settings.kafka_security_protocol,
            mechanism=settings.kafka_sasl_mechanism,
            username=settings.kafka_sasl_username,
            password=_secret(settings.kafka_sasl_password) or "",
            cafile=text(settings.kafka_ssl_cafile),
            certfile=text(settings.kafka_ssl_certfile),
            keyfile=text(settings.kafka_ssl_keyfile),
            key_password=_secret(settings.kafka_ssl_key_password),
        )

    @property
    def tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context (server certificate and host name checked), None without TLS."""
        if not self.tls:
            return None
        context: ssl.SSLContext = create_ssl_context(
            cafile=self.cafile,
            certfile=self.certfile,
            keyfile=self.keyfile,
            password=self.key_password,
        )
        return context

    def aiokafka_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
        kwargs: dict[str, Any] = {"security_protocol": self.protocol}
        if self.tls:
            kwargs["ssl_context"] = self.ssl_context()
        if self.sasl:
            kwargs["sasl_mechanism"] = self.mechanism
            kwargs["sasl_plain_username"] = self.username
            kwargs["sasl_plain_password"] = self.password
        return kwargs

    def __repr__(self) -> str:  # the password never reaches a log line
        return f"KafkaSecurity(protocol={self.protocol!r}, mechanism={self.mechanism!r})"


PLAINTEXT = KafkaSecurity()

#: The cluster of this process and how to reach it, set by :func:`use`.
_secured: dict[str, KafkaSecurity] = {}


def use(settings: Settings) -> None:
    """Reach ``settings.kafka_bootstrap`` as its security settings say, from now on."""
    _secured.clear()
    if settings.kafka_bootstrap:
        _secured[settings.kafka_bootstrap] = KafkaSecurity.from_settings(settings)


def security_for(bootstrap: str) -> KafkaSecurity:
    """How to reach ``bootstrap``: the settings given to :func:`use` if it is that
    cluster, plain text otherwise."""
    return _secured.get(bootstrap, PLAINTEXT)


def client_kwargs(bootstrap: str) -> dict[str, Any]:
    """``bootstrap_servers`` and the security arguments of an aiokafka client."""
    return {"bootstrap_servers": bootstrap, **security_for(bootstrap).aiokafka_kwargs()}


#: The variables of :class:`KafkaSecurity`, as a child process would read them.
SECURITY_VARIABLES = (
    "LISTENER_KAFKA_SECURITY_PROTOCOL",
    "LISTENER_KAFKA_SASL_",
    "LISTENER_KAFKA_SSL_",
)


def child_environment(bootstrap: str, environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` for a process this one starts against ``bootstrap``: it reaches the
    cluster as this process does, so a local broker's workers drop the security settings
    meant for the production cluster (which they would otherwise try on the local one)."""
    if bootstrap in _secured:
        return dict(environ)
    return {k: v for k, v in environ.items() if not k.startswith(SECURITY_VARIABLES)}


def faust_credentials(bootstrap: str) -> SASLCredentials | SSLCredentials | None:
    """Faust's ``broker_credentials`` for ``bootstrap``; None in plain text."""
    from faust.auth import SASLCredentials, SSLCredentials  # only workers need Faust

    security = security_for(bootstrap)
    if security.sasl:
        credentials = SASLCredentials(
            username=security.username,
            password=security.password,
            ssl_context=security.ssl_context(),
            mechanism=security.mechanism,
        )
        return credentials
    if security.tls:
        return SSLCredentials(security.ssl_context())
    return None


def topic_configs(settings: Settings, names: TopicNames) -> dict[str, dict[str, str]]:
    """The configs each of listener's topics is created with.

    Snapshot topics are compacted (only each partition's newest snapshot matters, and a
    deleted one would force a replay from the start); stream topics keep
    ``LISTENER_TOPIC_RETENTION_HOURS``. ``min.insync.replicas`` makes an acknowledged write
    survive the loss of a broker: see :func:`min_insync`.
    """
    compacted = {names.snapshots, names.incident_snapshots, names.delivery_snapshots}
    retention = str(settings.topic_retention_hours * 3600 * 1000)
    insync = min_insync(settings)
    configs: dict[str, dict[str, str]] = {}
    for name in names.all():
        config = (
            {"cleanup.policy": "compact"}
            if name in compacted
            else {"cleanup.policy": "delete", "retention.ms": retention}
        )
        if insync is not None:
            config["min.insync.replicas"] = str(insync)
        configs[name] = config
    return configs


def min_insync(settings: Settings) -> int | None:
    """``LISTENER_MIN_INSYNC_REPLICAS``, else 2 when there are 3 replicas or more (a write
    then survives a broker's loss and one broker may be down), else None: the cluster's
    own default."""
    if settings.min_insync_replicas is not None:
        return settings.min_insync_replicas
    return 2 if settings.replication_factor >= 3 else None


def _secret(value: Any) -> str | None:
    return None if value is None else str(value.get_secret_value())
