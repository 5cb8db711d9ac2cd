"""Topic administration that works the same on the embedded broker and on real Kafka."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from listener.errors import BrokerError
from listener.kafka_client import client_kwargs

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
    :func:`listener.kafka_client.topic_configs`); existing ones are left as they are.

    A cluster that refuses ``min.insync.replicas`` (its policy, or fewer brokers than it
    asks) gets the topic without it, and the log says so.
    """
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap), request_timeout_ms=10_000)
    try:
        await asyncio.wait_for(admin.start(), timeout)
        existing = set(await admin.list_topics())
        wanted = {
            name: dict((configs or {}).get(name, {})) for name in names if name not in existing
        }
        if wanted:
            log.info("creating topics %s", ", ".join(wanted))
            await _create(admin, wanted, partitions, replication_factor)
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
