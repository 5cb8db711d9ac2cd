"""``listener broker``: the embedded broker in the foreground, until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from listener.broker.tansu import EmbeddedBroker

log = logging.getLogger(__name__)


async def serve_broker(port: int, durable: Path | None) -> int:
    if durable is not None:
        from listener.broker.seaweed import durable_broker

        async with durable_broker(durable, port) as broker:
            print(f"broker on {broker.bootstrap} (durable, in {durable})", flush=True)
            await _forever()
        return 0
    async with EmbeddedBroker(port=port) as broker:
        print(f"broker on {broker.bootstrap} (in memory)", flush=True)
        await _forever()
    return 0


async def _forever() -> None:
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.Event().wait()
