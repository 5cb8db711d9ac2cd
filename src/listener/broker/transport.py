"""Faust's Kafka transport with one knob it does not expose: how long a fetch may wait.

Faust builds its consumer with ``fetch_max_wait_ms=1500``. A broker that answers a
waiting fetch only when that time is up (the embedded one does; real Kafka answers as
soon as data arrives) then adds up to 1.5 s per hop. Measured on the embedded broker
with one message every 100 ms: 372 ms median delivery at 1500, 3 ms at 100. A short
wait costs a few more empty fetches on an idle cluster, nothing else.

The consumer also says when it last heard a partition's high watermark: a watermark
heard before a pause (a rebalance, a stalled process) says nothing about now.

And Faust's table manager sleeps a second at start, for tables to be declared before the
consumer subscribes; listener declares none (its state is in its own snapshot topics), so
:class:`TablelessManager` subscribes at once: a worker is ready a second sooner.
"""

from __future__ import annotations

from typing import Any, ClassVar

from faust.tables import TableManager
from faust.transport import drivers
from faust.transport.drivers import aiokafka as faust_aiokafka

#: Longest a fetch waits for data, in milliseconds.
FETCH_MAX_WAIT_MS = 100
#: The URL scheme that selects this transport: ``listener://host:port``.
SCHEME = "listener"


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # Read by AIOKafkaConsumer.start() when it builds its fetcher.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> Any:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def highwater_seen(self, tp: Any) -> tuple[int | None, float | None]:
        """The partition's high watermark as of the last fetch answer for it, and when
        that answer came (Unix time; None for either when there has been none)."""
        consumer = self._thread._ensure_consumer()
        end = consumer.highwater(tp)
        at = consumer.last_poll_timestamp(tp)
        return end, None if at is None else at / 1000.0


class TablelessManager(TableManager):
    """Faust's table manager without the second it waits at start for tables to be
    declared. A table declared later still fails loudly ("Too late to add tables")."""

    async def on_start(self) -> None:
        if not self.should_stop:
            await self._update_channels()
            await self.recovery.start()


class Transport(faust_aiokafka.Transport):
    Consumer: ClassVar[Any] = _Consumer


def register() -> None:
    """Make ``listener://`` broker URLs resolve to this transport."""
    drivers.TRANSPORTS.aliases[SCHEME] = f"{__name__}:Transport"
