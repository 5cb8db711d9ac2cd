"""A quiet brand's boundary is judged on its counts alone: a rule whose condition the
window's counts already make false is not evaluated on the full figures, and a brand below
every rule's floor is settled at once (rules/floors.py). Judged both ways,
scenarios of the library give the same alerts, the same rules holding at every boundary
and the same pending rules; and the rules the judge hands the incident log as holding are,
at every boundary, those whose condition holds on the figures evaluated afresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import orjson
import pytest

from listener.records import Post, ScoredBatch
from listener.replay.backtest.batches import first_group, write_rules
from listener.replay.scenarios.catalog import library
from listener.rules.conditions import Condition
from listener.rules.files.loader import load_rules
from listener.rules.floors import Floors
from listener.rules.ruleset import RuleSet
from listener.rules.runtime import RuleJudge, build_enricher, build_judge, window_config
from listener.settings import Settings
from listener.windows.partition import PartitionState
from listener.windows.stats import WindowStats

SHIPPED = Path(__file__).resolve().parents[2] / "rules"
BUNDLE = 50


def afresh(rules: RuleSet, stats: dict[int, WindowStats]) -> frozenset[str]:
    """The rules watching the brand whose condition holds on the full figures of its
    windows ``stats``, evaluated again: no floors, no counts first, no rule states."""
    first = next(iter(stats.values()))
    found = set()
    for rule, risk in rules.watching(first.brand):
        window = stats.get(rule.window_seconds)
        if window is not None and rule.condition(
            {**window.metrics(), **window.topic_metrics(risk)}
        ):
            found.add(rule.name)
    return frozenset(found)


def judged(
    name: str, seed: int, target: Path
) -> tuple[list[tuple[str, float]], list[Any], int, bytes]:
    """Alerts (rule, event time), rules holding per (brand, boundary), pending rules at
    the end, and what the windows learnt by the end, of one scenario replayed through a
    partition's windows."""
    scenario = library()[name].build(seed)
    rules = load_rules(write_rules(SHIPPED, target, [scenario.brand], first_group(SHIPPED)))
    enricher = build_enricher(rules)
    state = PartitionState(window_config(rules, Settings(partitions=1)), build_judge(rules))
    posts: list[Post] = sorted(scenario.posts, key=lambda p: p.ts)
    alerts: list[tuple[str, float]] = []
    held: list[Any] = []
    offset = 0

    def apply(batch: ScoredBatch) -> None:
        nonlocal offset
        outcome = state.apply(ScoredBatch.loads(batch.dumps()), offset)
        offset += 1
        alerts.extend((a.rule, a.fired_at.timestamp()) for a in outcome.alerts)
        for stats in outcome.judged:
            first = next(iter(stats.values()))
            # What the judge found holding is what the rules say on the judged figures.
            found = outcome.held.get((first.brand, first.end), frozenset())
            assert found == afresh(rules, stats), (first.brand, first.end)
            held.append((first.brand, first.end, sorted(found)))

    for i in range(0, len(posts), BUNDLE):
        bundle = posts[i : i + BUNDLE]
        records = [r for found in enricher.enrich_many(bundle) for r in found]
        brand = scenario.brand.id
        apply(ScoredBatch(brand, tuple(r for r in records if r.brand == brand), {0: bundle[-1].ts}))
    apply(ScoredBatch(None, (), {0: posts[-1].ts + 7200}))
    pending = sum(
        1
        for rules_of in state.rule_states.values()
        for saved in rules_of.values()
        if saved.get("pending_since") is not None
    )
    # Rule states aside: a rule settled on its floors is never given a state of its own.
    learnt = {k: v for k, v in state.to_dict().items() if k != "rules"}
    return alerts, held, pending, orjson.dumps(learnt)


@pytest.mark.parametrize(
    ("name", "seed"), [("blogger", 2), ("hacked-account", 2), ("wave-ignored", 2), ("launch", 1)]
)
def test_judging_on_counts_first_changes_nothing(
    name: str, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"ruled out": 0, "all below floors": 0}
    ruled_out, unmet = Condition.ruled_out, Floors.unmet

    def counting(self: Condition, counts: Any) -> bool:
        out = ruled_out(self, counts)
        calls["ruled out"] += out
        return out

    def counting_floors(self: Floors, stats: Any) -> bool:
        out = unmet(self, stats)
        calls["all below floors"] += out
        return out

    monkeypatch.setattr(Condition, "ruled_out", counting)
    monkeypatch.setattr(Floors, "unmet", counting_floors)
    gated = judged(name, seed, tmp_path / "gated")
    monkeypatch.setattr(Condition, "ruled_out", lambda self, counts: False)
    monkeypatch.setattr(Floors, "unmet", lambda self, stats: False)
    full = judged(name, seed, tmp_path / "full")
    assert gated[0] == full[0] and gated[2] == full[2]  # the same alerts, the same pending
    assert gated[3] == full[3]  # the same baselines and learnt usual
    # Every boundary where some rule held was judged both ways; the gated run skipped some
    # where none did (a brand settled with counts unchanged since: PartitionState._steady).
    assert [h for h in gated[1] if h[2]] == [h for h in full[1] if h[2]]
    assert [h for h in gated[1] if h in full[1]] == gated[1]
    alerts, held, _, _ = gated
    assert alerts and any(rules for _, _, rules in held)  # the scenario did fire
    # Most boundaries were settled on the brand's floors, and some rules one by one.
    assert calls["all below floors"] > len(held) // 2, calls
    assert calls["ruled out"] > 0, calls


def test_the_judge_names_the_rules_it_left_pending() -> None:
    rules = load_rules(SHIPPED)
    judge = RuleJudge(rules)
    watching = [rule for rule, _ in rules.watching("intesa_sanpaolo")]
    pending, other = watching[0], next(r for r in watching[1:] if r.name != watching[0].name)
    # Only which windows were judged is read of the figures.
    stats = cast(dict[int, WindowStats], {rule.window_seconds: None for rule in watching})
    states = {
        pending.name: {"pending_since": 60.0, "last_fired": None},
        other.name: {"pending_since": None, "last_fired": 0.0},
    }
    assert judge.holding("intesa_sanpaolo", stats, states) == {pending.name}
    # A rule whose window was not judged at this boundary did not hold at it.
    fewer = {size: s for size, s in stats.items() if size != pending.window_seconds}
    assert judge.holding("intesa_sanpaolo", fewer, states) == frozenset()
    # Nor does any rule of a brand the rules no longer name.
    assert judge.holding("not_a_brand", stats, states) == frozenset()
