"""The shape every listener agent has: take a micro-batch, hand it to a stage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Handler = Callable[[list[Any]], Awaitable[None]]


def batch_agent(handler: Handler, size: int, within: float) -> Callable[[Any], Awaitable[None]]:
    """A Faust agent body passing ``handler`` batches of up to ``size`` events, or what came
    within ``within`` seconds. The handler runs before the batch is acknowledged, so what
    it sends is flushed before the batch's offsets are committed."""

    async def agent(stream: Any) -> None:
        async for events in stream.take_events(size, within=within):
            await handler(events)

    return agent
