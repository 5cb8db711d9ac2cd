"""Topic administration that works the same on the embedded broker and on real Kafka."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # type: ignore[import-untyped]
from aiokafka.admin.config_resource import (  # type: ignore[import-untyped]
    ConfigResource,
    ConfigResourceType,
)
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from listener.broker.kafka_client import client_kwargs
from listener.errors import BrokerError

log = logging.getLogger(__name__)

#: Kafka's error codes for a topic that exists already, and for a config the cluster
#: refuses (a value its policy forbids, ``min.insync.replicas`` above the replicas).
TOPIC_EXISTS = 36
REFUSED_CONFIG = frozenset({40, 44})
#: The config dropped, with a warning, when the cluster refuses it.
OPTIONAL_CONFIG = "min.insync.replicas"


async def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    replication_factor: int = 1,
    timeout: float = 30.0,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Create the topics that do not exist yet, each with its ``configs`` (see
    :func:`listener.broker.kafka_client.topic_configs`); existing ones are left as they are.

    A cluster that refuses ``min.insync.replicas`` (its policy, or fewer brokers than it
    asks) gets the topic without it, and the log says so.
    """
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap), request_timeout_ms=10_000)
    try:
        await asyncio.wait_for(admin.start(), timeout)
        existing = set(await admin.list_topics())
        asked = list(names)
        wanted = {
            name: dict((configs or {}).get(name, {})) for name in asked if name not in existing
        }
        if wanted:
            log.info("creating topics %s", ", ".join(wanted))
            await _create(admin, wanted, partitions, replication_factor)
        compacted = [
            name
            for name in asked
            if name in existing and (configs or {}).get(name, {}).get("cleanup.policy") == "compact"
        ]
        if compacted:
            await _warn_uncompacted(admin, compacted)
    except (KafkaError, TimeoutError, OSError) as exc:
        raise BrokerError(f"cannot reach Kafka at {bootstrap} to create topics: {exc!r}") from exc
    finally:
        await admin.close()


async def _create(
    admin: Any, wanted: dict[str, dict[str, str]], partitions: int, replication_factor: int
) -> None:
    def new(name: str) -> NewTopic:
        return NewTopic(name, partitions, replication_factor, topic_configs=wanted[name])

    refused = await _errors(admin, [new(name) for name in wanted])
    retry = [name for name, (code, _) in refused.items() if code in REFUSED_CONFIG]
    retry = [name for name in retry if wanted[name].pop(OPTIONAL_CONFIG, None) is not None]
    if retry:
        log.warning(
            "the cluster refused %s on %s (%s): created without it",
            OPTIONAL_CONFIG, ", ".join(retry), refused[retry[0]][1],
        )  # fmt: skip
        refused = {k: v for k, v in refused.items() if k not in retry}
        refused.update(await _errors(admin, [new(name) for name in retry]))
    if refused:
        raise BrokerError(
            "cannot create topics: "
            + "; ".join(
                f"{name}: error {code} {text or ''}" for name, (code, text) in refused.items()
            )
        )


async def _warn_uncompacted(admin: Any, names: list[str]) -> None:
    """Say which existing topics that should be compacted are not (created by hand, or by
    a worker of an earlier version): their snapshots would be deleted with the retention,
    and a worker would then rebuild its state from the start of the stream, if at all."""
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in sorted(names)]
    try:
        responses = await admin.describe_configs(resources)
    except (KafkaError, ValueError) as exc:  # the check is advice: never a reason to stop
        log.debug("cannot read the configs of %s: %r", ", ".join(names), exc)
        return
    for resource in (r for response in responses for r in response.resources):
        name, entries = resource[3], resource[4]
        policy = next((entry[1] for entry in entries if entry[0] == "cleanup.policy"), "delete")
        if resource[0] == 0 and "compact" not in str(policy):
            log.warning(
                "topic %s has cleanup.policy=%s, not compact: its snapshots expire with the"
                " retention. Fix: kafka-configs.sh --alter --entity-type topics --entity-name"
                " %s --add-config cleanup.policy=compact",
                name, policy, name,
            )  # fmt: skip


async def _errors(admin: Any, topics: list[NewTopic]) -> dict[str, tuple[int, str | None]]:
    """Create ``topics``; the error code and message of each the cluster refused."""
    response = await admin.create_topics(topics)
    errors: dict[str, tuple[int, str | None]] = {}
    for entry in response.topic_errors:
        name, code = entry[0], entry[1]
        text = entry[2] if len(entry) > 2 else None
        # Another process may have created one in between: that is what was wanted.
        if code not in (0, TOPIC_EXISTS):
            errors[name] = (code, text)
    return errors
