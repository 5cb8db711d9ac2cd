"""Every Prometheus metric listener exports, built against a registry passed in.

Label sets are bounded: ``source``, ``reason``, ``agent``, ``start``, ``channel`` and
``outcome`` come from closed vocabularies (connectors, dead-letter reasons, agents,
notifiers, attempt outcomes); ``rule`` and
``severity`` from the rules files; ``topic`` and ``partition`` from listener's own topics
(at most ``LISTENER_PARTITIONS`` each). Per-brand figures carry a ``brand`` label, but only
for a bounded number of brands: see :mod:`listener.ops.brand_metrics`.

docs/operations.md is the reference of every metric here; a unit test checks that it names
each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

#: Label value standing for every brand not exported by name.
OTHER_BRANDS = "_other"

#: Seconds from "the window's posts were all in" to "alert sent": batching, judging and the
#: wait for late posts (``LISTENER_ALLOWED_LATENESS_SECONDS``) make up most of it.
ALERT_LATENCY_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0)
#: Seconds from a message's first attempt to its acceptance: at once, after a retry or two,
#: after riding out an outage of minutes.
DELIVERY_DELAY_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0)
#: Seconds from a window's end (event time) to its alert. A replay lands in +Inf.
EVENT_LAG_BUCKETS = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 6 * 3600.0, 86_400.0)


def _counter(registry: CollectorRegistry, name: str, doc: str, *labels: str) -> Counter:
    return Counter(name, doc, labels, registry=registry)


def _gauge(registry: CollectorRegistry, name: str, doc: str, *labels: str) -> Gauge:
    return Gauge(name, doc, labels, registry=registry)


def _scoring(registry: CollectorRegistry) -> dict[str, Any]:
    c = _counter
    return {
        "posts_received": c(
            registry, "listener_posts_received_total", "Valid posts read from the raw topic",
            "source",
        ),
        "posts_matched": c(
            registry, "listener_posts_matched_total",
            "Posts that matched at least one brand and were scored, by source", "source",
        ),
        "posts_scored": c(
            registry, "listener_posts_scored_total",
            "Scored posts published (one per brand matched)",
        ),
        "posts_unmatched": c(
            registry, "listener_posts_unmatched_total", "Posts that matched no brand"
        ),
        "posts_duplicate": c(
            registry, "listener_posts_duplicate_total",
            "Posts dropped as already seen (same source, id)",
        ),
        "dead_letters": c(
            registry, "listener_dead_letters_total", "Messages sent to the dead-letter topic",
            "reason",
        ),
    }  # fmt: skip


def _windows(registry: CollectorRegistry) -> dict[str, Any]:
    c = _counter
    return {
        "posts_counted": c(
            registry, "listener_window_posts_counted_total", "Posts counted into brand windows"
        ),
        "posts_late": c(
            registry, "listener_window_posts_late_total",
            "Posts counted after a window containing them was already judged",
        ),
        "posts_too_late": c(
            registry, "listener_window_posts_too_late_total",
            "Posts older than the longest window when they arrived (not counted)",
        ),
        "window_duplicates": c(
            registry, "listener_window_duplicates_total", "Posts delivered again and counted once"
        ),
        "recovery_replayed": c(
            registry, "listener_recovery_replayed_total",
            "Scored messages replayed to rebuild window state after an assignment",
        ),
        "recoveries": c(
            registry, "listener_recoveries_total",
            "Partitions whose window state was rebuilt on assignment, by starting point",
            "start",
        ),
        "snapshots_written": c(
            registry, "listener_snapshots_written_total", "Window state snapshots written"
        ),
        "event_clock": _gauge(
            registry, "listener_event_clock_seconds",
            "Event-time clock (last judged window end) per scored partition", "partition",
        ),
        "lateness_wait": _gauge(
            registry, "listener_lateness_wait_seconds",
            "How long the event-time clock waits for late posts, per raw partition",
            "partition",
        ),
        "alerts_fired": c(
            registry, "listener_alerts_fired_total", "Alerts fired", "rule", "severity"
        ),
    }  # fmt: skip


def _batches(registry: CollectorRegistry) -> dict[str, Any]:
    return {
        "batch_seconds": Histogram(
            "listener_batch_seconds",
            "Time to process one micro-batch, per agent",
            ("agent",),
            registry=registry,
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        ),
        "batch_size": Histogram(
            "listener_batch_messages",
            "Messages per micro-batch, per agent",
            ("agent",),
            registry=registry,
            buckets=(1, 10, 50, 100, 500, 1000, 2000, 5000),
        ),
    }


@dataclass(frozen=True)
class BrandGauges:
    """Latest judged figures of the brands exported by name, and ``brand="_other"``.

    Set by :class:`listener.ops.brand_metrics.BrandBoard`, which decides which brands are
    named. ``window`` is the window size as the rules write it (``5m``, ``60m``).
    """

    volume: Gauge
    volume_baseline: Gauge
    volume_z: Gauge
    negative_share: Gauge
    negative_share_baseline: Gauge
    negative_share_z: Gauge
    mean_sentiment: Gauge
    sentiment_baseline: Gauge
    sentiment_z: Gauge
    last_alert: Gauge
    tracked: Gauge
    exported: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> BrandGauges:
        def g(name: str, doc: str, *labels: str) -> Gauge:
            return _gauge(registry, f"listener_brand{name}", doc, *labels)

        bw = ("brand", "window")
        return cls(
            volume=g("_volume", "Posts about the brand in the window", *bw),
            volume_baseline=g("_volume_baseline", "Usual volume for the window size", *bw),
            volume_z=g("_volume_z", "Standard score of volume against its baseline", *bw),
            negative_share=g("_negative_share", "Negative posts / posts of known tone", *bw),
            negative_share_baseline=g("_negative_share_baseline", "Usual negative share", *bw),
            negative_share_z=g("_negative_share_z", "Standard score of negative share", *bw),
            mean_sentiment=g("_mean_sentiment", "Mean compound sentiment, -1 to 1", *bw),
            sentiment_baseline=g("_sentiment_baseline", "Usual mean sentiment", *bw),
            sentiment_z=g("_sentiment_z", "Standard score of mean sentiment", *bw),
            last_alert=g(
                "_last_alert_timestamp_seconds",
                "Window end (event time) of the brand's last alert, per rule",
                "brand", "rule", "severity",
            ),
            tracked=g("s_tracked", "Brands with judged windows on this worker"),
            exported=g("s_exported", "Brands exported by name on this worker (the rest: _other)"),
        )  # fmt: skip


@dataclass(frozen=True)
class DeliveryMetrics:
    """Incidents, notifications and escalations: what happens after an alert fires."""

    incidents_open: Gauge
    notifications_sent: Counter
    notifications_retried: Counter
    notifications_failed: Counter
    notification_attempts: Counter
    notification_delay: Histogram
    escalations: Counter
    pages_silenced: Counter
    slack_actions: Counter
    alert_latency: Histogram
    alert_event_lag: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> DeliveryMetrics:
        c = _counter
        return cls(
            incidents_open=_gauge(
                registry, "listener_incidents_open", "Incidents open, by severity", "severity"
            ),
            notifications_sent=c(
                registry, "listener_notifications_sent_total",
                "Notifications delivered, by channel", "channel",
            ),
            notifications_retried=c(
                registry, "listener_notifications_retried_total",
                "Notification attempts that failed and were retried, by channel", "channel",
            ),
            notifications_failed=c(
                registry, "listener_notifications_failed_total",
                "Notifications given up on after their last attempt, by channel", "channel",
            ),
            notification_attempts=c(
                registry, "listener_notification_attempts_total",
                "Attempts at sending a notification as each ends, by channel and outcome"
                " (delivered, retrying, gave_up)", "channel", "outcome",
            ),
            notification_delay=Histogram(
                "listener_notification_delivery_seconds",
                "Seconds from a message's first attempt to its acceptance, by channel",
                ("channel",), registry=registry, buckets=DELIVERY_DELAY_BUCKETS,
            ),
            escalations=c(
                registry, "listener_escalations_total",
                "Incidents that reached an escalation level (1 = first step beyond the owners)",
                "level",
            ),
            pages_silenced=c(
                registry, "listener_pages_silenced_total",
                "Pages not sent because a silence matched the incident (each is recorded on it)",
            ),
            slack_actions=c(
                registry, "listener_slack_actions_total",
                "Presses of Slack's buttons, by outcome (taken, or why refused)", "outcome",
            ),
            alert_latency=Histogram(
                "listener_alert_latency_seconds",
                "Wall-clock seconds from the worker having the window's posts to the alert",
                registry=registry, buckets=ALERT_LATENCY_BUCKETS,
            ),
            alert_event_lag=Histogram(
                "listener_alert_event_lag_seconds",
                "Wall-clock time of the alert minus the end of its window (event time)",
                registry=registry, buckets=EVENT_LAG_BUCKETS,
            ),
        )  # fmt: skip


@dataclass(frozen=True)
class RulesMetrics:
    """Which configuration is live, and whether it is the one on disk."""

    generation: Gauge
    loaded_at: Gauge
    out_of_sync: Gauge
    reloads: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> RulesMetrics:
        return cls(
            generation=_gauge(
                registry, "listener_rules_generation",
                "The live rules' generation: 1 at start, one more at each reload applied",
            ),
            loaded_at=_gauge(
                registry, "listener_rules_loaded_timestamp_seconds",
                "When the live rules were loaded (Unix time)",
            ),
            out_of_sync=_gauge(
                registry, "listener_rules_out_of_sync",
                "1 when the rules files on disk differ from the live rules (a reload was"
                " refused or is still to come), else 0",
            ),
            reloads=_counter(
                registry, "listener_rules_reloads_total",
                "Reloads of the rules, by outcome (applied, unchanged, refused)", "outcome",
            ),
        )  # fmt: skip


@dataclass(frozen=True)
class HealthMetrics:
    """Is this worker connected, assigned, ready, and keeping up with its partitions."""

    broker_up: Gauge
    ready: Gauge
    partitions_assigned: Gauge
    consumer_lag: Gauge
    end_offset: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> HealthMetrics:
        tp = ("topic", "partition")
        return cls(
            broker_up=_gauge(
                registry, "listener_broker_up", "1 if the broker answered the last check, else 0"
            ),
            ready=_gauge(registry, "listener_ready", "1 if the worker is ready (/health/ready)"),
            partitions_assigned=_gauge(
                registry, "listener_partitions_assigned", "Partitions assigned, by topic", "topic"
            ),
            consumer_lag=_gauge(
                registry, "listener_consumer_lag",
                "Messages in the partition not yet processed by this worker", *tp,
            ),
            end_offset=_gauge(
                registry, "listener_partition_end_offset",
                "High watermark of an assigned partition (its rate is the produce rate)", *tp,
            ),
        )  # fmt: skip


@dataclass(frozen=True)
class Metrics:
    posts_received: Counter
    posts_matched: Counter
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
    lateness_wait: Gauge
    brands: BrandGauges
    delivery: DeliveryMetrics
    health: HealthMetrics
    rules: RulesMetrics

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        return cls(
            **_scoring(registry),
            **_windows(registry),
            **_batches(registry),
            brands=BrandGauges.create(registry),
            delivery=DeliveryMetrics.create(registry),
            health=HealthMetrics.create(registry),
            rules=RulesMetrics.create(registry),
        )


def family_names(registry: CollectorRegistry) -> set[str]:
    """Every series name the registry exports, as PromQL writes it: counters with their
    ``_total``, histograms as ``_bucket``, ``_count`` and ``_sum``, and ``_created``."""
    names: set[str] = set()
    for family in registry.collect():
        if family.type == "counter":
            names |= {f"{family.name}_total", f"{family.name}_created"}
        elif family.type == "histogram":
            names |= {f"{family.name}_{s}" for s in ("bucket", "count", "sum", "created")}
        else:
            names.add(family.name)
    return names
