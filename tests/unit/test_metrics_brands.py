"""Per-brand gauges: a bounded label set, brands in trouble first, the rest as _other."""

from __future__ import annotations

import pytest
from factories import T0
from prometheus_client import CollectorRegistry

from listener.ops.brand_metrics import BrandBoard, Figures, fold, window_label
from listener.ops.metrics import OTHER_BRANDS, Metrics
from listener.windows.stats import WindowStats

SIZES = (300, 900, 3600)


def stats(
    brand: str,
    volume: int,
    *,
    end: float = T0,
    negative: int = 0,
    unknown: int = 0,
    sentiment_sum: float = 0.0,
    baseline: float = 10.0,
) -> dict[int, WindowStats]:
    """One brand's windows judged at ``end``; every size gets the same figures."""
    return {
        size: WindowStats(
            brand=brand, size=size, end=end, volume=volume, negative=negative, positive=0,
            unknown=unknown, sentiment_sum=sentiment_sum, unique_authors=volume, reach=0,
            max_author_reach=0, brand_last_post=None, volume_baseline=baseline, volume_std=2.0,
            sentiment_baseline=0.1, sentiment_std=0.2, negative_share_baseline=0.2,
            negative_share_std=0.1,
        )
        for size in SIZES
    }  # fmt: skip


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


def board(registry: CollectorRegistry, limit: int) -> BrandBoard:
    return BrandBoard(Metrics.create(registry).brands, limit)


def value(registry: CollectorRegistry, name: str, brand: str, window: str = "60m") -> float | None:
    return registry.get_sample_value(name, {"brand": brand, "window": window})


def exported_brands(registry: CollectorRegistry) -> set[str]:
    return {
        sample.labels["brand"]
        for family in registry.collect()
        if family.name == "listener_brand_volume"
        for sample in family.samples
    }


def test_window_sizes_are_labelled_as_the_rules_write_them() -> None:
    assert [window_label(s) for s in (300, 900, 3600, 45)] == ["5m", "15m", "60m", "45s"]


def test_every_brand_is_named_while_under_the_limit(registry: CollectorRegistry) -> None:
    b = board(registry, limit=5)
    b.judged(stats("acme", 40, negative=10, sentiment_sum=-8.0))
    b.judged(stats("globex", 3))
    b.publish()
    assert exported_brands(registry) == {"acme", "globex"}
    assert value(registry, "listener_brand_volume", "acme", "5m") == 40
    assert value(registry, "listener_brand_negative_share", "acme") == 0.25
    assert value(registry, "listener_brand_mean_sentiment", "acme") == -0.2
    assert value(registry, "listener_brand_volume_baseline", "acme") == 10.0
    assert value(registry, "listener_brand_volume_z", "acme") == 15.0  # (40 - 10) / 2
    assert registry.get_sample_value("listener_brands_tracked") == 2
    assert registry.get_sample_value("listener_brands_exported") == 2


def test_beyond_the_limit_the_busiest_are_named_and_the_rest_summed_as_other(
    registry: CollectorRegistry,
) -> None:
    b = board(registry, limit=2)
    for i, volume in enumerate((5, 50, 7, 30, 1)):
        b.judged(stats(f"brand{i}", volume, negative=volume // 5))
    b.publish()
    assert exported_brands(registry) == {"brand1", "brand3", OTHER_BRANDS}
    assert value(registry, "listener_brand_volume", OTHER_BRANDS) == 5 + 7 + 1
    assert value(registry, "listener_brand_volume_baseline", OTHER_BRANDS) == 30.0
    assert value(registry, "listener_brand_negative_share", OTHER_BRANDS) == (1 + 1 + 0) / 13
    assert registry.get_sample_value("listener_brands_tracked") == 5
    assert registry.get_sample_value("listener_brands_exported") == 2


def test_the_number_of_series_stays_bounded_however_many_brands(
    registry: CollectorRegistry,
) -> None:
    b = board(registry, limit=10)
    for i in range(1000):
        b.judged(stats(f"brand{i:04d}", i % 37))
    b.publish()
    assert len(exported_brands(registry)) == 10 + 1
    series = sum(
        len(family.samples)
        for family in registry.collect()
        if family.name.startswith("listener_brand_") and family.name != "listener_brands"
    )
    assert series == (10 + 1) * len(SIZES) * 9


def test_a_brand_with_an_open_alert_is_named_before_busier_brands(
    registry: CollectorRegistry,
) -> None:
    b = board(registry, limit=1)
    b.judged(stats("quiet", 2))
    b.judged(stats("busy", 500))
    b.alerted("quiet", "negative-surge", "critical", T0)
    b.publish()
    assert exported_brands(registry) == {"quiet", OTHER_BRANDS}
    assert (
        registry.get_sample_value(
            "listener_brand_last_alert_timestamp_seconds",
            {"brand": "quiet", "rule": "negative-surge", "severity": "critical"},
        )
        == T0
    )


def test_an_alert_older_than_the_open_period_no_longer_ranks_first(
    registry: CollectorRegistry,
) -> None:
    b = board(registry, limit=1)
    b.alerted("quiet", "negative-surge", "critical", T0)
    b.judged(stats("quiet", 2, end=T0 + 7200))
    b.judged(stats("busy", 500, end=T0 + 7200))
    b.publish()
    assert exported_brands(registry) == {"busy", OTHER_BRANDS}
    # Its alert is folded into _other with the rest of the brand.
    assert (
        registry.get_sample_value(
            "listener_brand_last_alert_timestamp_seconds",
            {"brand": OTHER_BRANDS, "rule": "negative-surge", "severity": "critical"},
        )
        == T0
    )


def test_equal_brands_are_chosen_by_id_so_the_choice_does_not_flicker(
    registry: CollectorRegistry,
) -> None:
    b = board(registry, limit=2)
    for brand in ("delta", "alpha", "charlie", "bravo"):
        b.judged(stats(brand, 10))
    assert b.select() == (["alpha", "bravo"], ["charlie", "delta"])


def test_a_brand_no_longer_judged_disappears(registry: CollectorRegistry) -> None:
    b = board(registry, limit=5)
    b.judged(stats("gone", 10, end=T0))
    b.judged(stats("here", 10, end=T0 + 240))
    b.publish()
    assert exported_brands(registry) == {"gone", "here"}  # within the shortest window
    b.judged(stats("here", 10, end=T0 + 360))
    b.publish()
    assert exported_brands(registry) == {"here"}


def test_a_steady_brand_keeps_the_figures_of_its_last_judging(
    registry: CollectorRegistry,
) -> None:
    b = board(registry, limit=5)
    b.judged(stats("quiet", 2, end=T0))
    b.judged(stats("gone", 2, end=T0))
    for minute in range(1, 7):
        b.steady("quiet", T0 + 60 * minute)
    b.steady("never judged", T0 + 360)
    b.judged(stats("here", 10, end=T0 + 360))
    b.publish()
    assert exported_brands(registry) == {"quiet", "here"}
    assert value(registry, "listener_brand_volume", "quiet") == 2.0


def test_older_figures_replayed_by_a_recovery_do_not_replace_newer_ones(
    registry: CollectorRegistry,
) -> None:
    b = board(registry, limit=5)
    b.judged(stats("acme", 40, end=T0 + 60))
    b.judged(stats("acme", 3, end=T0))
    b.publish()
    assert value(registry, "listener_brand_volume", "acme") == 40


def test_each_publication_shows_the_newest_window_judged(registry: CollectorRegistry) -> None:
    b = board(registry, limit=1)
    b.judged(stats("acme", 40, end=T0))
    b.judged(stats("globex", 5, end=T0))
    b.publish()
    b.publish()  # nothing judged in between: the same figures
    assert value(registry, "listener_brand_volume", "acme") == 40
    assert value(registry, "listener_brand_volume", OTHER_BRANDS) == 5
    b.judged(stats("acme", 70, end=T0 + 60))
    b.judged(stats("globex", 9, end=T0 + 60))
    b.publish()
    assert value(registry, "listener_brand_volume", "acme") == 70
    assert value(registry, "listener_brand_volume", OTHER_BRANDS) == 9


def test_brands_of_a_revoked_partition_are_left_to_their_new_owner(
    registry: CollectorRegistry,
) -> None:
    b = board(registry, limit=5)
    b.judged(stats("acme", 40))
    b.alerted("acme", "volume-spike", "major", T0)
    b.forget(["acme"])
    b.publish()
    assert exported_brands(registry) == set()
    assert registry.get_sample_value("listener_brands_tracked") == 0


def test_a_limit_of_zero_folds_every_brand(registry: CollectorRegistry) -> None:
    b = board(registry, limit=0)
    b.judged(stats("acme", 40))
    b.publish()
    assert exported_brands(registry) == {OTHER_BRANDS}
    with pytest.raises(ValueError, match="limit"):
        board(CollectorRegistry(), limit=-1)


def test_other_keeps_the_most_extreme_standard_scores() -> None:
    calm = Figures.of(stats("calm", 10, sentiment_sum=2.0)[300])
    angry = Figures.of(stats("angry", 60, negative=40, sentiment_sum=-30.0)[300])
    folded = fold([calm, angry])
    assert folded.volume == 70
    assert folded.volume_z == angry.volume_z == 25.0
    assert folded.sentiment_z == min(calm.sentiment_z, angry.sentiment_z) == angry.sentiment_z
    assert folded.negative_share == 40 / 70
    assert folded.mean_sentiment == pytest.approx(-28.0 / 70)


def test_shares_of_other_leave_out_posts_of_unknown_tone() -> None:
    italian = Figures.of(stats("italian", 20, unknown=20)[300])
    english = Figures.of(stats("english", 10, negative=5)[300])
    folded = fold([italian, english])
    assert folded.known == 10
    assert folded.negative_share == 0.5
    assert fold([italian]).negative_share == 0.0


def test_a_publication_writes_only_what_changed(registry: CollectorRegistry) -> None:
    gauges = Metrics.create(registry).brands
    b = BrandBoard(gauges, limit=2)
    for brand, volume in [("acme", 40), ("globex", 30), ("initech", 5)]:
        b.judged(stats(brand, volume))
    b.alerted("acme", "volume-spike", "major", T0)
    b.publish()
    kept = gauges.volume.labels("acme", "60m")
    kept_alert = gauges.last_alert.labels("acme", "volume-spike", "major")
    b.judged(stats("globex", 30, end=T0 + 60))
    b.judged(stats("initech", 50, end=T0 + 60))  # now busier than globex
    b.publish()
    # acme's figures did not change: its series are the very ones published before.
    assert gauges.volume.labels("acme", "60m") is kept
    assert gauges.last_alert.labels("acme", "volume-spike", "major") is kept_alert
    assert exported_brands(registry) == {"acme", "initech", OTHER_BRANDS}
    assert value(registry, "listener_brand_volume", "initech") == 50
    assert value(registry, "listener_brand_volume", OTHER_BRANDS) == 30  # globex, folded
    # globex left the names: every one of its series is gone, not only its volume.
    assert value(registry, "listener_brand_volume_z", OTHER_BRANDS) is not None
    assert value(registry, "listener_brand_volume_z", "globex") is None


def test_with_nothing_judged_since_a_publication_writes_nothing(
    registry: CollectorRegistry,
) -> None:
    gauges = Metrics.create(registry).brands
    b = BrandBoard(gauges, limit=1)
    b.judged(stats("acme", 40))
    b.judged(stats("globex", 5))
    b.publish()
    gauges.volume.labels("acme", "60m").set(-1)  # what a write would put back
    gauges.volume.labels(OTHER_BRANDS, "60m").set(-1)
    b.publish()
    assert value(registry, "listener_brand_volume", "acme") == -1
    assert value(registry, "listener_brand_volume", OTHER_BRANDS) == -1
    b.judged(stats("globex", 6, end=T0 + 60))
    b.publish()
    assert value(registry, "listener_brand_volume", OTHER_BRANDS) == 6
