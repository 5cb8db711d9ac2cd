"""Topic administration that works the same on the embedded broker and on real Kafka."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from listener.errors import BrokerError

log = logging.getLogger(__name__)


async def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    replication_factor: int = 1,
    timeout: float = 30.0,
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        await asyncio.wait_for(admin.start(), timeout)
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name, num_partitions=partitions, replication_factor=replication_factor)
            for name in names
            if name not in existing
        ]
        if wanted:
            log.info("creating topics %s", ", ".join(t.name for t in wanted))
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass  # another process created it in between: that is what we wanted
    except (KafkaError, TimeoutError, OSError) as exc:
        raise BrokerError(f"cannot reach Kafka at {bootstrap} to create topics: {exc!r}") from exc
    finally:
        await admin.close()
