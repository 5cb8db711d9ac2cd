"""A brand's own words for a risk's topic: a running campaign's hashtag counts as talk
about the campaign, for that brand only, and must name a risk of the register."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from factories import T0, make_scored

from listener.errors import ConfigError
from listener.records import NEGATIVE, ScoredBatch
from listener.rules.files.loader import load_rules
from listener.rules.runtime import window_config
from listener.settings import Settings
from listener.windows.judging import BrandView
from listener.windows.partition import PartitionState

SHIPPED = Path(__file__).resolve().parents[2] / "rules"


def rules_with(tmp_path: Path, topics: dict[str, list[str]]) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(SHIPPED, target)
    brands = yaml.safe_load((target / "brands.yaml").read_text(encoding="utf-8"))
    brands["brands"]["mcdonalds_it"]["topics"] = topics
    (target / "brands.yaml").write_text(yaml.safe_dump(brands), encoding="utf-8")
    return target


def test_a_campaign_hashtag_counts_for_its_brand_only(tmp_path: Path) -> None:
    rules = load_rules(rules_with(tmp_path, {"campaign-backlash": ["#MyMcMoment"]}))
    config = window_config(rules, Settings(partitions=1))
    seen: dict[str, dict[int, dict[str, int]]] = {}

    def judge(brand: str, view: BrandView, states: dict[str, object], now: float) -> list[object]:
        seen[brand] = {size: dict(stats.topics) for size, stats in view.stats.items()}
        return []

    state = PartitionState(config, judge)
    text = "#mymcmoment when the fries were cold, again"
    for offset, brand in enumerate(("mcdonalds_it", "iliad_it")):
        post = make_scored(brand, ts=T0 + 10, brand=brand, text=text, label=NEGATIVE)
        state.apply(ScoredBatch(brand, (post,), {0: T0 + 30}), offset)
    state.apply(ScoredBatch(None, (), {0: T0 + 200}), 9)
    assert seen["mcdonalds_it"][300] == {"campaign-backlash": 1}
    assert seen["iliad_it"][300] == {}


def test_a_brand_topic_must_name_a_risk(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(rules_with(tmp_path, {"campaign-backlsh": ["#mymcmoment"]}))
    (issue,) = caught.value.issues
    assert issue.file.endswith("brands.yaml")
    assert issue.key == "brands.mcdonalds_it.topics.campaign-backlsh"
    assert issue.message == 'undefined risk "campaign-backlsh" (did you mean "campaign-backlash"?)'
