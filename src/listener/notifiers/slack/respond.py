"""Answering a Slack button: a POST to the ``response_url`` Slack gave with the request,
which replaces the message in place (``replace_original``) or adds a line only the person
who pressed sees (``response_type: ephemeral``).

Only URLs under the configured prefix (Slack's ``https://hooks.slack.com/``) are called:
a signed request names the URL, and listener must not be made to call anywhere else.
Retries follow the notifiers' one :class:`~listener.notifiers.delivery.RetryPolicy`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from listener.notifiers.base import DeliveryError
from listener.notifiers.delivery import RetryPolicy
from listener.notifiers.http import post

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class SlackResponder:
    """Posts answers to Slack's ``response_url``s, in the background, with retries."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        prefix: str = "https://hooks.slack.com/",
        policy: RetryPolicy | None = None,
        *,
        timeout: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._policy = policy or RetryPolicy()
        self._timeout = timeout
        self._sleep = sleep
        self._tasks: set[asyncio.Task[bool]] = set()

    def allowed(self, url: str) -> bool:
        return isinstance(url, str) and url.startswith(self._prefix)

    def answer(self, url: str, body: dict[str, Any]) -> None:
        """Post ``body`` to ``url`` in a task of its own, so Slack gets its 200 at once
        (it waits three seconds at most); a URL not under the prefix is skipped."""
        if not self.allowed(url):
            log.warning("Slack response_url outside %s: not called", self._prefix)
            return
        task = asyncio.create_task(self.send(url, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send(self, url: str, body: dict[str, Any]) -> bool:
        """Post until Slack takes it or the policy gives up; True when taken."""
        rng = random.Random()
        attempt = 0
        while True:
            attempt += 1
            try:
                await post(
                    self._client, url, body=orjson.dumps(body),
                    headers={"Content-Type": "application/json; charset=utf-8"},
                    timeout=self._timeout, what="Slack response_url",
                )  # fmt: skip
                return True
            except DeliveryError as error:
                wait = self._policy.wait_after(attempt, error, rng)
                if wait is None:
                    log.warning("Slack message not updated after %d attempts: %s", attempt, error)
                    return False
                await self._sleep(wait)

    async def drain(self) -> None:
        """Wait for every answer under way (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
