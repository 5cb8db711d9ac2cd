"""A replay's namespace: its names, its settings, its rules copy."""

from __future__ import annotations

import re
from pathlib import Path

from listener.replay.namespace import copy_rules, isolated, run_name, run_topics
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_each_run_has_a_name_of_its_own_fit_for_topics_and_groups() -> None:
    names = {run_name() for _ in range(50)}
    assert len(names) == 50
    assert all(re.fullmatch(r"replay-\d{8}t\d{6}-[0-9a-f]{8}", name) for name in names)


def test_a_run_keeps_the_settings_but_its_names(tmp_path: Path) -> None:
    live = Settings(
        kafka_bootstrap="kafka:9092", app_id="listener", topic_prefix="prod", partitions=8,
        batch_size=2000,
    )  # fmt: skip
    run = isolated(live, "replay-x", tmp_path, bundle=100)
    assert (run.app_id, run.topic_prefix, run.rules_dir) == ("replay-x", "replay-x", tmp_path)
    assert (run.kafka_bootstrap, run.partitions) == ("kafka:9092", 8)
    assert run.batch_size == 20  # 2,000 posts a micro-batch, as before, in bundles of 100
    topics = run_topics(run)
    assert "replay-x.posts.raw" in topics and "replay-x-__assignor-__leader" in topics
    assert all(t.startswith("replay-x.") or t.startswith("replay-x-") for t in topics)


def test_the_rules_copy_takes_the_stand_in_notifiers(tmp_path: Path) -> None:
    source = tmp_path / "rules"
    source.mkdir()
    for path in (ROOT / "rules").glob("*.yaml"):
        (source / path.name).write_text(path.read_text())
    (source / "notifiers.yaml").write_text("notifiers: {the: live ones}\n")
    target = tmp_path / "copy"
    copy_rules(source, target, "notifiers: {stand: ins}\n")
    assert (target / "notifiers.yaml").read_text() == "notifiers: {stand: ins}\n"
    assert (target / "alerts.yaml").read_text() == (source / "alerts.yaml").read_text()
    copy_rules(source, target, None)  # live notifiers, asked for
    assert (target / "notifiers.yaml").read_text() == "notifiers: {the: live ones}\n"
    (source / "notifiers.yaml").unlink()
    copy_rules(source, target, None)  # none in the source: none left from the last run
    assert not (target / "notifiers.yaml").exists()
