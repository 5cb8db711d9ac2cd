"""The shape every listener agent has: take a micro-batch, hand it to a stage.

A stage that raises has met something it was not written for. The worker then ends at
once, as a SIGKILL would end it, rather than carry on without that batch: left to Faust,
the agent is started again and the worker runs on, but the failed batch is never
processed, its offsets never committed, and the event clock stops at it. Nothing is lost
by ending: a batch's offsets are committed only after what it sent was flushed, so a new
worker, started by the orchestrator, resumes from the last commit (docs/reliability.md).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, Final

log = logging.getLogger(__name__)

Handler = Callable[[list[Any]], Awaitable[None]]

#: The exit status of a worker ended by a stage's error (EX_SOFTWARE: an internal error).
STAGE_FAILED: Final = 70


def batch_agent(handler: Handler, size: int, within: float) -> Callable[[Any], Awaitable[None]]:
    """A Faust agent body passing ``handler`` batches of up to ``size`` events, or what came
    within ``within`` seconds. The handler runs before the batch is acknowledged, so what
    it sends is flushed before the batch's offsets are committed. An error the handler
    lets through ends the process (:func:`stage_failed`)."""

    async def agent(stream: Any) -> None:
        async for events in stream.take_events(size, within=within):
            try:
                await handler(events)
            except Exception as exc:  # cancellation is no error: it is let through
                stage_failed(handler, exc)

    return agent


def stage_failed(handler: Handler, exc: Exception) -> None:
    """End the process on ``handler``'s error, its batch unacknowledged (see the module's
    docstring), after logging why."""
    name = getattr(handler, "__qualname__", repr(handler))
    log.critical(
        "%s failed on a batch of events: ending the worker (exit %d) so that a new one "
        "resumes from the last commit; nothing acknowledged is lost",
        name, STAGE_FAILED, exc_info=exc,
    )  # fmt: skip
    logging.shutdown()
    os._exit(STAGE_FAILED)
