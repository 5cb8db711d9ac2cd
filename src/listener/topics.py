"""Every topic listener uses, its record type and why it exists, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from listener.settings import Settings


@dataclass(frozen=True, slots=True)
class TopicNames:
    """Names of listener's topics under a deployment's prefix."""

    #: Posts as fetched (records.Post JSON, one or a bundle), keyed by ``source:id``.
    #: Connectors and replay write here.
    raw: str
    #: Posts about a brand (records.ScoredPost), keyed by brand: the brand's windows live in the
    #: partition its key hashes to.
    scored: str
    #: Fired alerts (records.Alert), keyed by brand.
    alerts: str
    #: Anything that could not be processed (records.DeadLetter), with the reason.
    dead_letter: str
    #: Window state snapshots, one partition per scored partition (see windows.recovery).
    snapshots: str
    #: Every judged window (records.StatsRecord), keyed by brand: for dashboards and replays.
    stats: str

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
        )

    def all(self) -> tuple[str, ...]:
        return (self.raw, self.scored, self.alerts, self.dead_letter, self.snapshots, self.stats)
