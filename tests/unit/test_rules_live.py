"""Reloading the rules directory: validated as `listener check` does, applied whole or not
at all, the old rules kept when anything is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, cast

import pytest

from listener.errors import ConfigError, ConfigIssue
from listener.rules.files.loader import load_rules
from listener.rules.live import LiveRules, Reload
from listener.rules.runtime import build_judge
from listener.windows.judging import BrandView

ROOT = Path(__file__).resolve().parents[2]
EXTRA_BRAND = """
  beta_co:
    name: Beta Co
    terms: [beta co]
    own_accounts: ["@betaco"]
    owners: intesa-crisis
"""


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    for name in ("brands.yaml", "owners.yaml", "alerts.yaml", "risks.yaml"):
        shutil.copy(ROOT / "rules" / name, tmp_path / name)
    return tmp_path


def live_rules(directory: Path, seen: list[Reload] | None = None) -> LiveRules[int]:
    def prepare(live: Any, new: Any) -> int:
        return len(new.brands)

    live: LiveRules[int] = LiveRules(directory, load_rules(directory), prepare)
    if seen is not None:
        live.on_change = lambda _, result: seen.append(result)
    return live


def owners_group(directory: Path) -> str:
    return str(load_rules(directory).brands["intesa_sanpaolo"].owners)


def test_an_unchanged_directory_changes_nothing(directory: Path) -> None:
    live = live_rules(directory)
    result = live.reload("api")
    assert (result.outcome, result.generation) == ("unchanged", 1)
    assert live.take(1) is None and not live.out_of_sync


def test_a_valid_change_is_prepared_then_taken_once_per_agent(directory: Path) -> None:
    seen: list[Reload] = []
    live = live_rules(directory, seen)
    brands = len(live.rules.brands)
    text = (directory / "brands.yaml").read_text()
    (directory / "brands.yaml").write_text(
        text + EXTRA_BRAND.replace("intesa-crisis", owners_group(directory))
    )
    assert live.changed_on_disk() and live.out_of_sync
    result = live.reload("file_change")
    assert (result.outcome, result.generation, result.reason) == ("applied", 2, "file_change")
    assert "beta_co" in live.rules.brands
    assert live.take(1) == (2, brands + 1)  # what prepare built from the new rules
    assert live.take(2) is None
    assert not live.out_of_sync and not live.changed_on_disk()
    assert [r.outcome for r in seen] == ["applied"]


def test_a_broken_file_is_refused_with_file_and_key_and_the_old_rules_stay(
    directory: Path,
) -> None:
    live = live_rules(directory)
    before = live.rules
    alerts = directory / "alerts.yaml"
    alerts.write_text(alerts.read_text().replace("severity: critical", "severity: dire", 1))
    result = live.reload("sighup")
    assert result.outcome == "refused" and result.generation == 1
    assert live.rules is before and live.take(1) is None
    (issue,) = result.issues
    assert issue.file == str(alerts) and issue.key.endswith(".severity"), issue
    assert live.out_of_sync  # the files on disk are not the live rules
    assert not live.changed_on_disk()  # ...but a watcher does not refuse them every poll
    alerts.write_text((ROOT / "rules" / "alerts.yaml").read_text())
    assert not live.out_of_sync and not live.changed_on_disk()  # back as they were


def test_a_new_window_layout_waits_for_a_restart(directory: Path) -> None:
    live = live_rules(directory)
    alerts = directory / "alerts.yaml"
    text = alerts.read_text()
    assert "step: 1m" in text
    alerts.write_text(text.replace("step: 1m", "step: 30s"))
    result = live.reload("api")
    assert result.outcome == "refused"
    (issue,) = result.issues
    assert (issue.file, issue.key) == (str(alerts), "windows")
    assert "restart" in issue.message and live.generation == 1


def test_what_cannot_be_built_is_refused_before_anything_changes(directory: Path) -> None:
    def prepare(live: Any, new: Any) -> int:
        raise ConfigError([ConfigIssue("notifiers.yaml", "slack.token_env", "SLACK is unset")])

    live: LiveRules[int] = LiveRules(directory, load_rules(directory), prepare)
    before = live.rules
    (directory / "brands.yaml").write_text(
        (directory / "brands.yaml").read_text()
        + EXTRA_BRAND.replace("intesa-crisis", owners_group(directory))
    )
    result = live.reload("api")
    assert result.outcome == "refused" and result.issues[0].key == "slack.token_env"
    assert live.rules is before and live.prepared is None and live.take(1) is None


def test_the_judge_forgets_the_state_of_a_rule_removed_from_the_brand(directory: Path) -> None:
    rules = load_rules(directory)
    kept = rules.rules_for("intesa_sanpaolo")[0].name
    states: dict[str, Any] = {kept: {"pending_since": 60.0}, "a-removed-rule": {}}
    view = cast(BrandView, BrandView(stats={}, samples={}, windows=cast(Any, None),
                                     learnt=cast(Any, None)))  # fmt: skip
    assert build_judge(rules)("intesa_sanpaolo", view, states, 120.0) == []
    assert states == {kept: {"pending_since": 60.0}}
