"""Baselines: EWMA mean and variance in event time, clamped so a spike barely moves them."""

from __future__ import annotations

import math

import orjson
import pytest

from listener.windows.learning.baseline import Baseline, Ewma, alpha_for


def test_a_value_equal_to_the_mean_only_shrinks_the_variance() -> None:
    ewma = Ewma(mean=5.0, var=4.0, alpha=0.25)
    ewma.update(5.0)
    assert ewma.mean == 5.0
    assert ewma.var == pytest.approx(0.75 * 4.0)


def test_a_value_within_the_clamp_moves_mean_and_variance_by_the_ewma_formulas() -> None:
    ewma = Ewma(mean=10.0, var=4.0, alpha=0.1)
    ewma.update(13.0)  # ceiling is 10 + 3 * 2 = 16: not clamped
    # mean' = mean + a * d; var' = (1 - a) * (var + a * d^2), d = 3
    assert ewma.mean == pytest.approx(10.3)
    assert ewma.var == pytest.approx(0.9 * (4.0 + 0.1 * 9.0))
    assert ewma.std == pytest.approx(math.sqrt(0.9 * 4.9))


def test_a_spike_moves_the_mean_by_at_most_alpha_times_clamp_times_std() -> None:
    ewma = Ewma(mean=10.0, var=4.0, alpha=0.1, clamp=3.0)
    ewma.update(1_000_000.0)
    assert ewma.mean == pytest.approx(10.0 + 0.1 * 3.0 * 2.0)
    # The variance sees the clamped value too: d = 6, not 999,990.
    assert ewma.var == pytest.approx(0.9 * (4.0 + 0.1 * 36.0))


def test_a_spike_on_a_flat_history_is_clamped_with_the_floor_as_spread() -> None:
    ewma = Ewma(mean=2.0, var=0.0, alpha=0.5, clamp=3.0, floor=1.0)
    ewma.update(50.0)
    assert ewma.mean == pytest.approx(2.0 + 0.5 * 3.0 * 1.0)
    small_floor = Ewma(mean=0.0, var=0.0, alpha=0.5, clamp=2.0, floor=0.05)
    small_floor.update(1.0)
    assert small_floor.mean == pytest.approx(0.5 * 2.0 * 0.05)


def test_a_custom_clamp_changes_the_ceiling() -> None:
    ewma = Ewma(mean=0.0, var=1.0, alpha=1.0, clamp=5.0)
    ewma.update(100.0)  # alpha 1: the mean becomes the (clamped) value itself
    assert ewma.mean == pytest.approx(5.0)


def test_a_drop_is_not_clamped() -> None:
    ewma = Ewma(mean=10.0, var=1.0, alpha=0.5)
    ewma.update(-90.0)
    assert ewma.mean == pytest.approx(-40.0)
    assert ewma.var == pytest.approx(0.5 * (1.0 + 100.0 * 50.0))


def test_a_long_spike_moves_the_mean_at_most_alpha_clamp_std_per_step() -> None:
    ewma = Ewma(mean=10.0, var=9.0, alpha=0.05)
    for _ in range(50):
        before, spread = ewma.mean, max(ewma.std, ewma.floor)
        ewma.update(1e9)
        assert ewma.mean - before == pytest.approx(0.05 * 3.0 * spread)


def test_std_of_a_slightly_negative_variance_is_zero() -> None:
    assert Ewma(mean=0.0, var=-1e-12, alpha=0.1).std == 0.0
    assert Ewma(mean=0.0, var=6.25, alpha=0.1).std == 2.5


@pytest.mark.parametrize(("step", "half_life"), [(60, 3600), (300, 86_400), (10, 10)])
def test_alpha_halves_an_old_value_every_half_life(step: int, half_life: int) -> None:
    alpha = alpha_for(step, half_life)
    ewma = Ewma(mean=8.0, var=0.0, alpha=alpha)
    for _ in range(half_life // step):
        ewma.update(0.0)
    assert ewma.mean == pytest.approx(4.0)
    assert 0.0 < alpha <= 0.5


def test_alpha_for_known_values() -> None:
    assert alpha_for(3600, 3600) == pytest.approx(0.5)
    assert alpha_for(7200, 3600) == pytest.approx(0.75)
    assert alpha_for(0, 3600) == 0.0
    assert alpha_for(60, 86_400) == pytest.approx(1 - 2 ** (-1 / 1440))


def test_the_prior_starts_from_the_configured_negative_share() -> None:
    base = Baseline.prior(step=60, half_life=86_400, negative_share=0.2)
    alpha = 1 - 0.5 ** (60 / 86_400)
    assert (base.sentiment.mean, base.sentiment.var, base.sentiment.floor) == pytest.approx(
        (0.0, 0.09, 0.05)
    )
    assert (base.negative_share.mean, base.negative_share.var) == pytest.approx((0.2, 0.01))
    assert base.negative_share.floor == 0.05
    for ewma in (base.sentiment, base.negative_share):
        assert ewma.alpha == pytest.approx(alpha)


def test_a_window_with_no_known_sentiment_teaches_nothing() -> None:
    base = Baseline.prior(step=60, half_life=3600, negative_share=0.3)
    base.update(known=0, sentiment=-1.0, negative_share=1.0)
    assert base.sentiment.to_list() == pytest.approx([0.0, 0.09])
    assert base.negative_share.to_list() == pytest.approx([0.3, 0.01])


def test_a_window_with_known_sentiment_updates_both() -> None:
    base = Baseline.prior(step=60, half_life=3600, negative_share=0.3)
    alpha = alpha_for(60, 3600)
    base.update(known=10, sentiment=-0.5, negative_share=0.6)
    assert base.sentiment.mean == pytest.approx(alpha * -0.5)
    assert base.negative_share.mean == pytest.approx(0.3 + alpha * 0.3)


def test_a_three_hour_wave_raises_a_day_long_baseline_by_a_fraction_of_a_std() -> None:
    base = Baseline.prior(step=60, half_life=86_400, negative_share=0.2)
    mean, std = base.negative_share.mean, base.negative_share.std
    for _ in range(180):  # three hours of minutes, each window almost wholly negative
        base.update(known=1000, sentiment=-0.9, negative_share=0.95)
    assert 0.0 < base.negative_share.mean - mean < std


def test_to_dict_and_restore_round_trip_through_json() -> None:
    base = Baseline.prior(step=60, half_life=7200, negative_share=0.1)
    for known, sentiment, share in [(3, 0.2, 0.0), (35, -0.6, 0.8), (0, 0, 0)]:
        base.update(known, sentiment, share)
    saved = orjson.loads(orjson.dumps(base.to_dict()))
    assert set(saved) == {"sentiment", "negative_share"}
    restored = Baseline.prior(step=60, half_life=7200, negative_share=0.5)
    restored.restore(saved)
    assert restored.to_dict() == base.to_dict()
    # And they stay identical from here on.
    for item in (base, restored):
        item.update(10, -0.3, 0.4)
    assert restored.to_dict() == base.to_dict()
    assert restored.negative_share.mean == base.negative_share.mean


def test_an_ewma_restores_from_integers_as_floats() -> None:
    ewma = Ewma(mean=0.0, var=0.0, alpha=0.1)
    ewma.restore([3, 4])
    assert ewma.to_list() == [3.0, 4.0]
    assert isinstance(ewma.mean, float) and isinstance(ewma.var, float)
    assert ewma.std == 2.0
