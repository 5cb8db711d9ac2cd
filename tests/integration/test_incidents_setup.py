"""What the incident integration tests share: a rules directory whose notifiers point at
the local Slack stand-in and mail server, the environment the workers get, and readers of
what those servers received.

Holds no tests itself; named like the incident test modules so it lives beside them.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any, cast

import httpx
from notify_servers import Mailbox, Receiver, running, smtp_server
from prometheus_client.parser import text_string_to_metric_families

from listener.replay.driver import Cluster

ROOT = Path(__file__).resolve().parents[2]
#: Secrets the workers get; none may ever appear in a log line or on a topic.
WEBHOOK_PATH = "/services/T0LISTEN/B0LISTEN/hookSecretValue9f3a2c"
ACK_SECRET = "ack-secret-for-tests-" + "x7Qp" * 8
API_KEY = "api-key-for-tests-" + "Zk2m" * 6
HOOK_SECRET = "hook-secret-for-tests-" + "Pq8w" * 6

NOTIFIERS = """\
notifiers:
  timezone: Europe/Rome
  slack:
    webhook_url_env: LISTENER_SLACK_WEBHOOK_URL
    timeout: 3s
  email:
    host: 127.0.0.1
    port: {port}
    security: plain
    from_address: listener@example.com
    timeout: 3s
  webhooks:
    ops-bridge:
      url_env: LISTENER_OPS_BRIDGE_URL
      secret_env: LISTENER_OPS_BRIDGE_SECRET
      timeout: 3s
  delivery:
    max_attempts: 3
    first_delay: 1s
    max_delay: 2s
    jitter: 0
"""
_NOTIFICATION = re.compile(r"Notification: ([0-9a-f]{20})")


@dataclass
class StandIns:
    """The Slack stand-in, the mail server and the webhook receiver the workers'
    notifiers point at."""

    slack: Receiver
    mail: Mailbox
    smtp_port: int
    hook: Receiver

    @property
    def env(self) -> dict[str, str]:
        return {
            "LISTENER_SLACK_WEBHOOK_URL": self.slack.url + WEBHOOK_PATH,
            "LISTENER_ACK_SECRET": ACK_SECRET,
            "LISTENER_API_KEY": API_KEY,
            "LISTENER_OPS_BRIDGE_URL": self.hook.url + "/hook",
            "LISTENER_OPS_BRIDGE_SECRET": HOOK_SECRET,
        }

    def mails(self) -> list[EmailMessage]:
        # With the default policy the parser builds EmailMessage objects.
        return [
            cast(EmailMessage, message_from_bytes(raw, policy=default))
            for *_, raw in self.mail.mails
        ]

    def slack_bodies(self) -> list[dict[str, Any]]:
        return [seen.json() for seen in self.slack.seen]


@contextmanager
def stand_ins() -> Iterator[StandIns]:
    with ExitStack() as stack:
        slack = stack.enter_context(running(Receiver()))
        hook = stack.enter_context(running(Receiver()))
        mail = Mailbox()
        port = stack.enter_context(smtp_server(mail))
        yield StandIns(slack, mail, port, hook)


def write_rules(target: Path, smtp_port: int, files: dict[str, str] | None = None) -> Path:
    """A rules directory: the shipped files, or ``files`` (name -> text), with notifiers
    pointing at the stand-ins."""
    target.mkdir(parents=True, exist_ok=True)
    if files is None:
        for name in ("brands.yaml", "owners.yaml", "alerts.yaml", "risks.yaml"):
            shutil.copy(ROOT / "rules" / name, target / name)
    else:
        for name, text in files.items():
            (target / name).write_text(text, encoding="utf-8")
    (target / "notifiers.yaml").write_text(NOTIFIERS.format(port=smtp_port), encoding="utf-8")
    return target


def notification_id(body: dict[str, Any]) -> str:
    """The notification a Slack message carries, from its details line."""
    found = _NOTIFICATION.search(str(body))
    assert found is not None, body
    return found.group(1)


def mail_text(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def mail_html(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


async def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def counted(group: Cluster, name: str, **labels: str) -> float:
    """The sum over the running workers of the metric sample ``name`` with ``labels``."""
    total = 0.0
    async with httpx.AsyncClient(timeout=5.0) as client:
        for worker in group.workers:
            if worker.process is None or worker.process.poll() is not None:
                continue
            text = (await client.get(f"{worker.url}/metrics")).text
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if sample.name == name and labels.items() <= sample.labels.items():
                        total += sample.value
    return total
