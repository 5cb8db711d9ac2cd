"""Window statistics: the metrics rules can name, and the record the stats topic carries."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import orjson
import pytest
from factories import T0

from listener.windows.stats import (
    METRICS,
    STATS_PER_MESSAGE,
    TOPIC_METRICS,
    WindowStats,
    stats_messages,
    stats_record,
)


def stats(**changes: Any) -> WindowStats:
    base = WindowStats(
        brand="acme",
        size=900,
        end=T0 + 3600,
        volume=40,
        negative=12,
        positive=8,
        unknown=10,
        sentiment_sum=-6.0,
        unique_authors=31,
        reach=120_000,
        max_author_reach=90_000,
        brand_last_post=T0 + 3600 - 1800,
        volume_baseline=10.0,
        volume_std=3.0,
        sentiment_baseline=0.1,
        sentiment_std=0.2,
        negative_share_baseline=0.15,
        negative_share_std=0.05,
    )
    return replace(base, **changes)


def test_every_documented_metric_is_computed_and_nothing_else() -> None:
    # The topic figures depend on the rule's risk: they come apart, for a risk.
    assert set(stats().metrics()) | set(stats().topic_metrics("outage")) == set(METRICS)
    assert set(stats().topic_metrics(None)) == TOPIC_METRICS


def test_shares_and_mean_sentiment_are_over_posts_of_known_sentiment() -> None:
    m = stats().metrics()  # 40 posts, 10 unknown: 30 known
    assert m["negative_share"] == pytest.approx(12 / 30)
    assert m["positive_share"] == pytest.approx(8 / 30)
    assert m["mean_sentiment"] == pytest.approx(-6.0 / 30)
    assert stats().known == 30


def test_plain_counts_are_reported_as_floats() -> None:
    m = stats().metrics()
    expected = {
        "volume": 40.0,
        "negative": 12.0,
        "unknown": 10.0,
        "unique_authors": 31.0,
        "reach": 120_000.0,
        "max_author_reach": 90_000.0,
        "volume_baseline": 10.0,
        "sentiment_baseline": 0.1,
        "negative_share_baseline": 0.15,
    }
    assert {k: m[k] for k in expected} == expected
    assert all(isinstance(v, float) for v in m.values())


def test_a_window_with_no_known_sentiment_has_zero_shares_and_sentiment() -> None:
    m = stats(volume=5, negative=0, positive=0, unknown=5, sentiment_sum=0.0).metrics()
    assert (m["negative_share"], m["positive_share"], m["mean_sentiment"]) == (0.0, 0.0, 0.0)
    empty = stats(volume=0, negative=0, positive=0, unknown=0, sentiment_sum=0.0).metrics()
    assert (empty["negative_share"], empty["mean_sentiment"], empty["volume"]) == (0.0, 0.0, 0.0)


def test_z_scores_against_the_baseline() -> None:
    m = stats().metrics()
    assert m["volume_z"] == pytest.approx((40 - 10.0) / 3.0)
    assert m["sentiment_z"] == pytest.approx((-0.2 - 0.1) / 0.2)
    assert m["negative_share_z"] == pytest.approx((12 / 30 - 0.15) / 0.05)


def test_z_scores_use_a_floor_under_a_flat_history() -> None:
    m = stats(volume_std=0.0, sentiment_std=0.001, negative_share_std=0.0).metrics()
    assert m["volume_z"] == pytest.approx((40 - 10.0) / 1.0)
    assert m["sentiment_z"] == pytest.approx((-0.2 - 0.1) / 0.05)
    assert m["negative_share_z"] == pytest.approx((12 / 30 - 0.15) / 0.05)
    assert all(math.isfinite(v) for k, v in m.items() if k.endswith("_z"))


def test_a_spread_above_the_floor_is_used_as_is() -> None:
    m = stats(volume_std=1.5, sentiment_std=0.06, negative_share_std=0.051).metrics()
    assert m["volume_z"] == pytest.approx(30 / 1.5)
    assert m["sentiment_z"] == pytest.approx(-0.3 / 0.06)
    assert m["negative_share_z"] == pytest.approx(0.25 / 0.051)


def test_volume_ratio_divides_by_a_baseline_of_at_least_one() -> None:
    assert stats(volume_baseline=10.0).metrics()["volume_ratio"] == pytest.approx(4.0)
    assert stats(volume_baseline=0.25).metrics()["volume_ratio"] == pytest.approx(40.0)
    assert stats(volume_baseline=0.0, volume=0).metrics()["volume_ratio"] == 0.0


def test_minutes_since_the_brands_own_post() -> None:
    assert stats().metrics()["minutes_since_brand_post"] == pytest.approx(30.0)
    assert stats(brand_last_post=T0 + 3600).metrics()["minutes_since_brand_post"] == 0.0
    # An own post after the window's end (it arrived early) counts as just now.
    assert stats(brand_last_post=T0 + 4000).metrics()["minutes_since_brand_post"] == 0.0


def test_a_brand_that_never_posted_is_infinitely_long_silent() -> None:
    assert stats(brand_last_post=None).metrics()["minutes_since_brand_post"] == math.inf


def test_the_stats_record_carries_every_window_by_size_as_plain_json() -> None:
    small = stats(size=300, volume=5, negative=1, positive=1, unknown=0, sentiment_sum=0.5)
    big = stats(size=3600, brand_last_post=None)
    # As the topic carries it: JSON, written by orjson.
    record = orjson.loads(orjson.dumps(stats_record({3600: big, 300: small})))
    assert record["brand"] == "acme"
    assert record["end"] == T0 + 3600
    windows = record["windows"]
    assert isinstance(windows, dict)
    assert list(windows) == ["300", "3600"]  # sorted by size
    assert windows["300"] == small.metrics()
    assert windows["3600"]["minutes_since_brand_post"] is None
    big_metrics = dict(big.metrics())
    del big_metrics["minutes_since_brand_post"]
    assert {k: v for k, v in windows["3600"].items() if k != "minutes_since_brand_post"} == (
        big_metrics
    )


def test_only_infinite_values_become_none() -> None:
    record = orjson.loads(orjson.dumps(stats_record({900: stats()})))
    windows = record["windows"]
    assert isinstance(windows, dict)
    assert None not in windows["900"].values()
    assert windows["900"]["minutes_since_brand_post"] == pytest.approx(30.0)


def test_the_windows_judged_together_go_in_few_messages_and_none_is_lost() -> None:
    judged = [{300: stats(size=300, brand=f"brand_{i}")} for i in range(STATS_PER_MESSAGE + 3)]
    messages = list(stats_messages(judged))
    assert len(messages) == 2
    records = [record for value in messages for record in orjson.loads(value)]
    assert [r["brand"] for r in records] == [f"brand_{i}" for i in range(len(judged))]
    assert records[0] == orjson.loads(orjson.dumps(stats_record(judged[0])))
    assert list(stats_messages([])) == []
