"""A replay's own namespace: topics, consumer group and notifiers nobody else uses.

A replay run against a cluster where live workers run must never join their consumer
group (it would take partitions from them, and its posts would be judged among live
traffic) nor page real people. So every run gets a topic prefix and a Faust application
id (the consumer group) of its own, derived from the time and a random token, and a copy
of the rules directory whose ``notifiers.yaml`` points at local stand-ins (a Slack
webhook and a mail sink started for the run), unless live notifiers are asked for.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from listener.broker.kafka_client import client_kwargs
from listener.broker.topics import TopicNames
from listener.errors import BrokerError
from listener.notifiers.sinks import MailSink, SlackSink
from listener.rules.files.loader import FILES
from listener.settings import Settings

log = logging.getLogger(__name__)

#: Kafka's error code for a topic that does not exist.
UNKNOWN: Final = 3
#: The notifiers of a replay: every message goes to local stand-ins started for the run.
STAND_IN_NOTIFIERS: Final = """\
# Written by listener for a replay: every message goes to local stand-ins it started.
notifiers:
  timezone: {zone}
  slack:
    webhook_url_env: LISTENER_SLACK_WEBHOOK_URL
    timeout: 5s
  email:
    host: 127.0.0.1
    port: {port}
    security: plain
    from_address: listener@example.com
    timeout: 5s
  delivery:
    max_attempts: 3
    first_delay: 1s
    max_delay: 5s
"""


def run_name(now: datetime | None = None) -> str:
    """``replay-20261206t1230-1a2b3c4d``: unique per run, sortable, a valid topic and group
    name."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dt%H%M%S")
    return f"replay-{stamp}-{secrets.token_hex(4)}"


def isolated(settings: Settings, name: str, rules_dir: Path, bundle: int = 1) -> Settings:
    """``settings`` with the run's own topic prefix, consumer group and rules copy; with
    posts sent ``bundle`` to a message, micro-batches of as many posts as before (the
    batch size counts messages)."""
    return settings.model_copy(
        update={
            "app_id": name,
            "topic_prefix": name,
            "rules_dir": rules_dir,
            "batch_size": max(1, settings.batch_size // max(1, bundle)),
        }
    )


def run_topics(settings: Settings) -> tuple[str, ...]:
    """Every topic a run in ``settings``'s namespace creates: listener's, and the one Faust
    makes for electing its consumer group's leader."""
    return (*TopicNames.for_settings(settings).all(), f"{settings.app_id}-__assignor-__leader")


async def drop_topics(bootstrap: str, topics: Sequence[str], timeout: float = 30.0) -> list[str]:
    """Delete ``topics`` (a run's, named one by one, never found by a pattern) from the
    cluster; returns those deleted (one that does not exist is not an error)."""
    admin = AIOKafkaAdminClient(**client_kwargs(bootstrap), request_timeout_ms=10_000)
    try:
        await asyncio.wait_for(admin.start(), timeout)
        log.info("deleting the replay's topics %s", ", ".join(topics))
        answer = await admin.delete_topics(list(topics))
    except (KafkaError, TimeoutError, OSError) as exc:
        raise BrokerError(f"cannot delete the replay's topics at {bootstrap}: {exc!r}") from exc
    finally:
        await admin.close()
    refused = [(t, code) for t, code in answer.topic_error_codes if code not in (0, UNKNOWN)]
    if refused:
        raise BrokerError(f"the cluster at {bootstrap} kept the replay's topics: {refused}")
    return [t for t, code in answer.topic_error_codes if code == 0]


def copy_rules(source: Path, target: Path, notifiers: str | None) -> Path:
    """The rules of ``source`` at ``target`` with ``notifiers`` as notifiers.yaml (None:
    the source's own, the live notifiers)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        (target / name).unlink(missing_ok=True)  # left by an earlier run
        if (source / name).is_file():
            shutil.copyfile(source / name, target / name)
    if notifiers is not None:
        (target / "notifiers.yaml").write_text(notifiers, encoding="utf-8")
    return target


@dataclass
class StandIns:
    """The local Slack webhook and mail sink a replay's messages go to."""

    slack: SlackSink
    mail: MailSink

    def notifiers(self, zone: str) -> str:
        return STAND_IN_NOTIFIERS.format(zone=zone, port=self.mail.port)

    @property
    def env(self) -> dict[str, str]:
        """What a worker needs to reach the stand-ins and sign its links."""
        return {
            "LISTENER_SLACK_WEBHOOK_URL": self.slack.url,
            "LISTENER_ACK_SECRET": secrets.token_urlsafe(48),
        }

    @property
    def received(self) -> int:
        return len(self.slack.posted) + len(self.mail.mails)


@asynccontextmanager
async def stand_ins() -> AsyncIterator[StandIns]:
    slack, mail = SlackSink(), MailSink()
    await slack.start()
    await mail.start()
    try:
        yield StandIns(slack, mail)
    finally:
        await slack.stop()
        await mail.stop()
