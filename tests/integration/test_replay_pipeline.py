"""A post's whole journey on the embedded broker: raw topic, scoring, windows, rules, alerts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson

from listener.broker.topics import TopicNames
from listener.records import ScoredBatch
from listener.replay.collect import read_all
from listener.replay.driver import cluster, replay_through
from listener.rules.ruleset import RuleSet
from listener.settings import Settings

WAVE_START = datetime.fromisoformat("2017-10-03T16:30:00+02:00")
DEADLINE = datetime.fromisoformat("2017-10-03T16:50:00+02:00")


async def test_intesa_wave_raises_a_critical_alert_within_twenty_minutes(
    settings: Settings, rules: RuleSet, intesa_file: Path, tmp_path: Path
) -> None:
    async with cluster(settings, tmp_path) as group:
        result = await replay_through(group, intesa_file, rules.step)
    critical = [
        a for a in result.alerts if a.severity == "critical" and a.brand == "intesa_sanpaolo"
    ]
    assert critical, [(a.rule, a.severity, a.fired_at) for a in result.alerts]
    first = critical[0].fired_at
    assert WAVE_START <= first <= DEADLINE, first
    # Nothing critical before the wave: the morning's ordinary app complaints are not a crisis.
    assert not [a for a in result.alerts if a.fired_at < WAVE_START and a.severity == "critical"]
    assert len(critical[0].samples) == 3
    assert result.dead_letters == []


async def test_calm_day_raises_no_alert(
    settings: Settings, rules: RuleSet, calm_file: Path, tmp_path: Path
) -> None:
    async with cluster(settings, tmp_path) as group:
        result = await replay_through(group, calm_file, rules.step)
    assert result.alerts == []
    # The calm day was really judged, window after window, not skipped (a boundary where
    # nothing in its windows changed since it was judged with every rule false sends none).
    ends = {s["end"] for s in result.stats if s["brand"] == "intesa_sanpaolo"}
    assert len(ends) > 600


def _post(n: int, minute: int) -> dict[str, object]:
    return {
        "id": f"ok-{n}",
        "source": "x",
        "created_at": f"2017-10-05T10:{minute:02d}:00+02:00",
        "text": f"Intesa Sanpaolo branch question number {n}",
        "author_id": f"author-{n}",
    }


async def test_malformed_lines_are_dead_lettered_and_good_posts_scored(
    settings: Settings, rules: RuleSet, tmp_path: Path
) -> None:
    good = [_post(n, n % 50) for n in range(60)]
    bad = {
        "invalid_json": b'{"id": "broken", "source": "x", ',
        "missing_field": orjson.dumps({k: v for k, v in _post(900, 1).items() if k != "text"}),
        "wrong_type": orjson.dumps({**_post(901, 2), "author_followers": "many"}),
        "bad_timestamp": orjson.dumps({**_post(902, 3), "created_at": "yesterday at noon"}),
        "too_large": orjson.dumps({**_post(903, 4), "text": "Intesa " * 12_000}),
        "not_an_object": b'"just a string"',
    }
    lines = [orjson.dumps(p) for p in good]
    for i, raw in enumerate(bad.values()):
        lines.insert(7 * i + 3, raw)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    async with cluster(settings, tmp_path) as group:
        result = await replay_through(group, path, rules.step)
        scored = await read_all(group.bootstrap, TopicNames.for_settings(settings).scored)

    reasons = sorted(letter.reason for letter in result.dead_letters)
    assert reasons == sorted(bad)
    for letter in result.dead_letters:
        assert letter.payload == bad[letter.reason]
        assert letter.topic == "listener.posts.raw"
    batches = [batch for _, _, value in scored for batch in ScoredBatch.loads_many(value)]
    keys = [post.key for batch in batches for post in batch.posts]
    assert sorted(keys) == sorted(f"x:ok-{n}" for n in range(60))
