"""What a fresh registry exports: the names others rely on, bounded labels, documentation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

from listener.ops.metrics import Metrics, family_names
from listener.ops.promql import metric_names

ROOT = Path(__file__).resolve().parents[2]

#: Labels allowed on listener's metrics, each from a bounded vocabulary (see ops/metrics.py).
BOUNDED_LABELS = {
    "source", "reason", "rule", "severity", "agent", "start", "partition", "topic", "channel",
    "level", "brand", "window", "outcome",
}  # fmt: skip


def families() -> dict[str, tuple[str, ...]]:
    """Family name -> label names of every metric of a fresh :class:`Metrics`."""
    found: dict[str, tuple[str, ...]] = {}

    def walk(group: object) -> None:
        for field in dataclasses.fields(group):  # type: ignore[arg-type]
            value = getattr(group, field.name)
            if dataclasses.is_dataclass(value):
                walk(value)
            else:
                assert isinstance(value, MetricWrapperBase), field.name
                found[value._name] = tuple(value._labelnames)

    walk(Metrics.create(CollectorRegistry()))
    return found


def test_names_read_by_the_replay_driver_tests_and_benchmarks_are_kept() -> None:
    registry = CollectorRegistry()
    Metrics.create(registry)
    names = family_names(registry)
    for name in (
        "listener_event_clock_seconds",
        "listener_window_posts_counted_total",
        "listener_recoveries_total",
        "listener_posts_received_total",
        "listener_dead_letters_total",
        "listener_alerts_fired_total",
        "listener_batch_seconds_bucket",
    ):
        assert name in names


def test_series_names_are_listed_as_promql_writes_them() -> None:
    registry = CollectorRegistry()
    Metrics.create(registry)
    names = family_names(registry)
    assert {"listener_posts_matched_total", "listener_posts_matched_created"} <= names
    assert {f"listener_alert_latency_seconds_{s}" for s in ("bucket", "sum", "count")} <= names
    assert "listener_consumer_lag" in names and "listener_consumer_lag_total" not in names


def test_every_label_comes_from_a_bounded_vocabulary() -> None:
    for name, labels in families().items():
        assert set(labels) <= BOUNDED_LABELS, name
        if "brand" in labels:
            assert name.startswith("listener_brand_"), name


def test_only_the_brand_gauges_carry_a_brand_label() -> None:
    branded = {name for name, labels in families().items() if "brand" in labels}
    assert branded == {
        "listener_brand_volume", "listener_brand_volume_baseline", "listener_brand_volume_z",
        "listener_brand_negative_share", "listener_brand_negative_share_baseline",
        "listener_brand_negative_share_z", "listener_brand_mean_sentiment",
        "listener_brand_sentiment_baseline", "listener_brand_sentiment_z",
        "listener_brand_last_alert_timestamp_seconds",
    }  # fmt: skip


def test_the_operations_guide_documents_every_metric() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [name for name in families() if f"`{name}" not in guide]
    assert missing == []


def test_metrics_can_be_built_twice_on_separate_registries() -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    Metrics.create(first).posts_counted.inc(3)
    Metrics.create(second)
    assert first.get_sample_value("listener_window_posts_counted_total") == 3
    assert second.get_sample_value("listener_window_posts_counted_total") == 0


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (topic) (listener_consumer_lag{topic=~"$topic"})', {"listener_consumer_lag"}),
        (
            "histogram_quantile(0.99, sum by (le, agent) "
            "(rate(listener_batch_seconds_bucket[$__rate_interval])))",
            {"listener_batch_seconds_bucket"},
        ),
        ("time() - max by (partition) (listener_event_clock_seconds) > 1e3", {
            "listener_event_clock_seconds"
        }),
        ("sum(rate(a_total[5m] offset 1h)) / on () group_left sum(b) unless c == bool 1", {
            "a_total", "b", "c"
        }),
        ('up{job="listener"} == 0', {"up"}),
        ('{__name__="x_total", job="y"}', {"x_total"}),
        ('label_replace(foo, "dst", "$1", "src", "(.*)")', {"foo"}),
        ('sum without (instance) (bar) and on () count(baz{a="sum(qux)"}) > 0', {"bar", "baz"}),
        ('changes(x{brand="${brand}"}[2m]) > 0 or x unless x offset 2m', {"x"}),
    ],
)  # fmt: skip
def test_metric_names_are_found_in_promql(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names
