"""How the scoring side of a worker tells the windows how far event time got: never before
a batch's posts are on their way, and never on stale news from the broker."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from factories import T0, make_post

from listener.app import HIGHWATER_FRESH_SECONDS, make_app
from listener.records import ScoredBatch
from listener.rules.files.loader import load_rules
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pipeline(tmp_path: Path) -> Any:
    settings = Settings(rules_dir=ROOT / "rules", partitions=2, data_dir=tmp_path)
    app = make_app(settings, load_rules(settings.rules_dir), "127.0.0.1:1")
    return app.pipeline


class Outbox:
    """Stands in for the scored topic's send: records what goes out, and can hold the
    sends of brand posts (as a full producer buffer does) until released."""

    def __init__(self) -> None:
        self.sent: list[ScoredBatch] = []
        self.release = asyncio.Event()
        self.holding = asyncio.Event()

    async def send(self, key: Any = None, value: bytes = b"", partition: Any = None) -> None:
        batches = ScoredBatch.loads_many(value)
        if any(batch.brand is not None for batch in batches):
            self.holding.set()
            await self.release.wait()
        self.sent.extend(batches)


def raw_event(offset: int, text: str, ts: float) -> Any:
    value = make_post(str(offset), ts=ts, text=text).dumps()
    message = SimpleNamespace(topic="raw", partition=0, offset=offset, value=value, tp=None)
    return SimpleNamespace(message=message)


async def test_the_marks_timer_waits_until_a_batch_posts_are_sent(pipeline: Any) -> None:
    outbox = Outbox()
    pipeline.scored = SimpleNamespace(send=outbox.send)
    pipeline.owned = lambda topic: {0}
    pipeline.highwater = lambda partition: None
    pipeline.ops.processed = lambda events: None

    scoring = asyncio.create_task(
        pipeline.score_batch(
            [
                raw_event(0, "Intesa Sanpaolo vergogna", T0 + 590),
                raw_event(1, "Intesa Sanpaolo vergogna", T0 + 600),
            ]
        )
    )
    await asyncio.wait_for(outbox.holding.wait(), 5)
    timer = asyncio.create_task(pipeline.send_marks())
    await asyncio.sleep(0.05)  # the timer had every chance to send while posts are held
    outbox.release.set()
    await asyncio.wait_for(asyncio.gather(scoring, timer), 5)

    kinds = ["posts" if b.brand else "marks" for b in outbox.sent]
    assert kinds[0] == "posts"
    first_mark = next(b for b in outbox.sent if b.brand is None)
    assert first_mark.watermarks == {0: T0 + 590}  # where two posts agree
    assert first_mark.newest == {0: (T0 + 600, T0 + 590)}


def test_a_highwater_heard_long_ago_is_not_news(pipeline: Any) -> None:
    heard: dict[str, tuple[int | None, float | None]] = {}

    class Consumer:
        def highwater_seen(self, tp: Any) -> tuple[int | None, float | None]:
            return heard["now"]

    pipeline.app = SimpleNamespace(consumer=Consumer())
    heard["now"] = (42, time.time())
    assert pipeline.highwater(0) == 42
    heard["now"] = (42, time.time() - HIGHWATER_FRESH_SECONDS - 1)
    assert pipeline.highwater(0) is None
    heard["now"] = (None, None)
    assert pipeline.highwater(0) is None
