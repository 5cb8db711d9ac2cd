"""Every Prometheus metric listener exports, built against a registry passed in.

Label sets are bounded: ``source`` and ``reason`` come from closed vocabularies, ``rule``
and ``severity`` from the rules files. Per-brand figures are not labelled by brand here.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class Metrics:
    posts_received: Counter
    posts_scored: Counter
    posts_unmatched: Counter
    posts_duplicate: Counter
    dead_letters: Counter
    posts_counted: Counter
    posts_late: Counter
    posts_too_late: Counter
    window_duplicates: Counter
    alerts_fired: Counter
    batch_seconds: Histogram
    batch_size: Histogram
    recovery_replayed: Counter
    recoveries: Counter
    snapshots_written: Counter
    event_clock: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(name, doc, labels, registry=registry)

        return cls(
            posts_received=counter(
                "listener_posts_received_total", "Valid posts read from the raw topic", ("source",)
            ),
            posts_scored=counter(
                "listener_posts_scored_total", "Scored posts published (one per brand matched)"
            ),
            posts_unmatched=counter(
                "listener_posts_unmatched_total", "Posts that matched no brand"
            ),
            posts_duplicate=counter(
                "listener_posts_duplicate_total", "Posts dropped as already seen (same source, id)"
            ),
            dead_letters=counter(
                "listener_dead_letters_total", "Messages sent to the dead-letter topic", ("reason",)
            ),
            posts_counted=counter(
                "listener_window_posts_counted_total", "Posts counted into brand windows"
            ),
            posts_late=counter(
                "listener_window_posts_late_total",
                "Posts counted after a window containing them was already judged",
            ),
            posts_too_late=counter(
                "listener_window_posts_too_late_total",
                "Posts older than the longest window when they arrived (not counted)",
            ),
            window_duplicates=counter(
                "listener_window_duplicates_total", "Posts delivered again and counted once"
            ),
            alerts_fired=counter(
                "listener_alerts_fired_total", "Alerts fired", ("rule", "severity")
            ),
            batch_seconds=Histogram(
                "listener_batch_seconds",
                "Time to process one micro-batch",
                ("agent",),
                registry=registry,
                buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            ),
            batch_size=Histogram(
                "listener_batch_messages",
                "Messages per micro-batch",
                ("agent",),
                registry=registry,
                buckets=(1, 10, 50, 100, 500, 1000, 2000, 5000),
            ),
            recovery_replayed=counter(
                "listener_recovery_replayed_total",
                "Scored messages replayed to rebuild window state after an assignment",
            ),
            recoveries=counter(
                "listener_recoveries_total",
                "Partitions whose window state was rebuilt on assignment, by starting point",
                ("start",),
            ),
            snapshots_written=counter(
                "listener_snapshots_written_total", "Window state snapshots written"
            ),
            event_clock=Gauge(
                "listener_event_clock_seconds",
                "Event-time clock (last judged window end) per scored partition",
                ("partition",),
                registry=registry,
            ),
        )
