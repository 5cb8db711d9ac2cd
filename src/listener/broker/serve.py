"""``listener broker``: the embedded broker in the foreground, until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
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
    """Until Ctrl-C or SIGTERM; either way the context managers then stop the broker (and
    its store), which run in sessions of their own and would otherwise outlive us."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await stop.wait()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
