"""A brand's rules settled at once on their floors (rules/floors.py) give the verdict asking
them one by one gives: when the floors say every rule is false, every rule is false."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listener.rules.conditions import compile_condition
from listener.rules.files.loader import load_rules
from listener.rules.floors import Floors
from listener.rules.ruleset import Rule
from listener.windows.stats import WindowStats

SHIPPED = Path(__file__).resolve().parents[2] / "rules"
SIZES = (300, 900, 3600)
RISKS = ("service-outage", "data-breach", None)
FAST = settings(max_examples=300, deadline=None, database=None)

#: Conditions as rules write them: floors from either side, strict or not, several or one,
#: beside figures that are not counts.
CONDITIONS = (
    "negative >= 6 and negative_surprise >= 3",
    "negative > 5 and negative_share >= 0.4",
    "4 <= topic and topic_ratio >= 3",
    "3 < volume and volume >= 5 and volume_ratio > 2",
    "negative_reach >= 100000 and negative_reach_ratio >= 2",
    "own_off_brand >= 1",
    "negative >= 5 and topic >= 3 and topic_share >= 0.3",
    "unique_authors >= 10 and max_author_reach > 5000",
)


def rule(name: str, condition: str, size: int) -> Rule:
    return Rule(
        name=name, description="-", brands=None, window=f"{size // 60}m", window_seconds=size,
        condition=compile_condition(condition), for_seconds=0, severity="major",
        cooldown_seconds=1800, owners=None,
    )  # fmt: skip


def window(size: int, counts: dict[str, int], topics: dict[str, int]) -> WindowStats:
    return WindowStats(
        brand="acme", size=size, end=1_700_000_000.0, volume=counts["volume"],
        negative=min(counts["negative"], counts["volume"]), positive=0, unknown=0,
        sentiment_sum=0.0, unique_authors=counts["unique_authors"], reach=0,
        max_author_reach=counts["max_author_reach"], brand_last_post=None,
        volume_baseline=5.0, volume_std=2.0, sentiment_baseline=0.0, sentiment_std=0.2,
        negative_share_baseline=0.1, negative_share_std=0.05,
        negative_reach=counts["negative_reach"], own_off_brand=counts["own_off_brand"],
        topics=topics,
    )  # fmt: skip


def every_rule_false(
    watching: list[tuple[Rule, str | None]], stats: dict[int, WindowStats]
) -> bool:
    figures = {
        (r.name, risk): {**stats[r.window_seconds].metrics(),
                         **stats[r.window_seconds].topic_metrics(risk)}
        for r, risk in watching
    }  # fmt: skip
    return not any(r.condition(figures[(r.name, risk)]) for r, risk in watching)


small = st.integers(min_value=0, max_value=12)
counts = st.fixed_dictionaries({
    "volume": small, "negative": small, "unique_authors": small,
    "max_author_reach": st.sampled_from([0, 5000, 5001, 90_000]),
    "negative_reach": st.sampled_from([0, 99_999, 100_000, 250_000]),
    "own_off_brand": st.integers(min_value=0, max_value=2),
})  # fmt: skip
topics = st.dictionaries(st.sampled_from(RISKS[:2]), small, max_size=2)


@FAST
@given(
    chosen=st.lists(
        st.tuples(st.sampled_from(CONDITIONS), st.sampled_from(SIZES), st.sampled_from(RISKS)),
        min_size=1, max_size=6,
    ),
    per_size=st.tuples(counts, counts, counts),
    topic_counts=st.tuples(topics, topics, topics),
)  # fmt: skip
def test_the_floors_settle_a_brand_only_when_every_rule_is_false(
    chosen: list[tuple[str, int, str | None]],
    per_size: tuple[dict[str, int], ...],
    topic_counts: tuple[dict[str, int], ...],
) -> None:
    watching = [(rule(f"r{i}", text, size), risk) for i, (text, size, risk) in enumerate(chosen)]
    stats = {size: window(size, per_size[i], topic_counts[i]) for i, size in enumerate(SIZES)}
    floors = Floors.of(watching)
    assert floors is not None  # every condition above has a floor
    if floors.unmet(stats):
        assert every_rule_false(watching, stats)
    # And when every rule is below its first floor, the floors see it.
    below = all(
        any(node.evaluate({**stats[r.window_seconds].counts(risk)}) is False
            for node in r.condition.gate[:1])
        for r, risk in watching
    )  # fmt: skip
    assert floors.unmet(stats) == below


def test_the_shipped_rules_are_settled_on_a_quiet_brand_and_not_on_a_busy_one() -> None:
    rules = load_rules(SHIPPED)
    brand = next(iter(rules.brands))
    floors = rules.floors(brand)
    assert floors is not None and floors is rules.floors(brand)  # built once per brand
    ones = {**dict.fromkeys(counts_names(), 1), "own_off_brand": 0}
    quiet = {size: window(size, ones, {}) for size in SIZES}
    assert floors.unmet(quiet)
    for size, changed in (
        (300, {"negative": 6, "volume": 6}),  # negative-surge's floor
        (900, {"own_off_brand": 1}),  # account-compromise's
        (300, {"negative_reach": 100_000}),  # influential-critic's
    ):
        busy = {**quiet, size: window(size, {**ones, **changed}, {})}
        assert not floors.unmet(busy), changed


def counts_names() -> tuple[str, ...]:
    return ("volume", "negative", "unique_authors", "max_author_reach", "negative_reach",
            "own_off_brand")  # fmt: skip


@pytest.mark.parametrize(
    "condition", ["negative_share >= 0.5", "volume < 3 or negative >= 6", "volume <= 40"]
)
def test_a_rule_without_a_floor_is_never_settled_on_counts(condition: str) -> None:
    watching = [(rule("a", "negative >= 6", 300), None), (rule("b", condition, 300), None)]
    assert Floors.of(watching) is None


@pytest.mark.parametrize(
    ("conditions", "negative", "unmet"),
    [
        (("negative >= 6", "negative >= 5"), 5, False),  # the lower floor is met
        (("negative >= 6", "negative >= 5"), 4, True),
        (("negative > 5", "negative >= 5"), 5, False),  # at one bound, >= is the lower
        (("negative > 5", "5 < negative"), 5, True),
        (("negative > 5", "5 <= negative"), 5, False),
    ],
)
def test_each_group_keeps_its_lowest_floor(
    conditions: tuple[str, ...], negative: int, unmet: bool
) -> None:
    watching = [(rule(f"r{i}", text, 300), None) for i, text in enumerate(conditions)]
    floors = Floors.of(watching)
    assert floors is not None and len(floors.lowest) == 1
    counts = {**dict.fromkeys(counts_names(), 0), "volume": 9, "negative": negative}
    stats = {size: window(size, counts, {}) for size in SIZES}
    assert floors.unmet(stats) is unmet
