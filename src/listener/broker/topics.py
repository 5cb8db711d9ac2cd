"""Every topic listener uses, its record type and why it exists, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from aiokafka.partitioner import murmur2  # type: ignore[import-untyped]

from listener.settings import Settings

#: Largest message listener's producers send to the raw topic, key and record framing
#: included, as a Kafka producer measures it against ``max_request_size``: Kafka's default
#: limit (``message.max.bytes``), so a broker left at its defaults accepts every message.
#: What is larger is split (bundles) or refused before it is sent (a single post).
MAX_MESSAGE_BYTES: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class TopicNames:
    """Names of listener's topics under a deployment's prefix."""

    #: Posts as fetched (records.Post JSON, one or a bundle), keyed by ``source:id``.
    #: Connectors and replay write here.
    raw: str
    #: Scored posts (records.ScoredBatch), each brand's in the partition its name hashes to
    #: (:func:`partition_of`): the brand's windows live there. One message holds the
    #: batches of every brand of one partition that one score batch scored.
    scored: str
    #: Fired alerts (records.Alert), keyed by brand.
    alerts: str
    #: Anything that could not be processed (records.DeadLetter), with the reason.
    dead_letter: str
    #: Window state snapshots, one partition per scored partition (see windows.recovery).
    snapshots: str
    #: Every judged window (records.StatsRecord), keyed by brand: for dashboards and replays.
    stats: str
    #: The incident log (incidents.log.Entry): alerts and the event-time clock from the
    #: window agent, and what people and notifiers say, keyed by brand; partition p holds
    #: the brands of scored partition p. The incident agent applies it in order.
    incident_events: str
    #: Every incident transition with the incident as it is after it
    #: (incidents.actions.Record), keyed by brand: what the incident API shows.
    incidents: str
    #: What to tell whom (incidents.actions.Notify), keyed by brand: the delivery agent
    #: sends each through the notifiers.
    notifications: str
    #: Incident books with the log offset they cover, one partition per log partition.
    incident_snapshots: str
    #: The delivery ledger and Slack threads with the notifications offset they cover.
    delivery_snapshots: str

    @classmethod
    def for_settings(cls, settings: Settings) -> TopicNames:
        p = settings.topic_prefix
        return cls(
            raw=f"{p}.posts.raw",
            scored=f"{p}.posts.scored",
            alerts=f"{p}.alerts",
            dead_letter=f"{p}.dead-letter",
            snapshots=f"{p}.window-snapshots",
            stats=f"{p}.window-stats",
            incident_events=f"{p}.incident-events",
            incidents=f"{p}.incidents",
            notifications=f"{p}.notifications",
            incident_snapshots=f"{p}.incident-snapshots",
            delivery_snapshots=f"{p}.delivery-snapshots",
        )

    def all(self) -> tuple[str, ...]:
        return (
            self.raw,
            self.scored,
            self.alerts,
            self.dead_letter,
            self.snapshots,
            self.stats,
            self.incident_events,
            self.incidents,
            self.notifications,
            self.incident_snapshots,
            self.delivery_snapshots,
        )


@lru_cache(maxsize=65_536)
def partition_of(key: bytes, partitions: int) -> int:
    """The partition a message keyed ``key`` goes to among ``partitions``, as Kafka's default
    partitioner (and Faust's, and the Java client's) picks it: murmur2 of the key. The score
    agent sends the brands of one scored partition together, and a brand must land where its
    alerts and incident log entries, keyed by it, land. Remembered: murmur2 is pure Python
    (3 µs a key), and the score agent asks for every brand of every batch."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions
