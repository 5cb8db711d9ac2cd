"""The scored topic's messages: each brand's posts in the partition Kafka's default
partitioner gives its name, several brands of a partition in one message, and the window
stage counting such a message exactly as it counted one message per brand."""

from __future__ import annotations

import random

from aiokafka.partitioner import DefaultPartitioner  # type: ignore[import-untyped]
from factories import T0, make_scored
from hypothesis import given, settings
from hypothesis import strategies as st

from listener.broker.topics import partition_of
from listener.enrich import stage as stage_module
from listener.enrich.stage import scored_messages
from listener.records import NEGATIVE, Counted, ScoredBatch, ScoredPost
from listener.windows.config import WindowConfig
from listener.windows.partition import PartitionState

CONFIG = WindowConfig(step=60, sizes=(300, 900), lateness=0, raw_partitions=1)


@settings(max_examples=300, deadline=None, database=None)
@given(key=st.binary(max_size=64), partitions=st.integers(min_value=1, max_value=64))
def test_a_key_goes_where_kafkas_default_partitioner_sends_it(key: bytes, partitions: int) -> None:
    expected = DefaultPartitioner()(key, list(range(partitions)), list(range(partitions)))
    assert partition_of(key, partitions) == expected


def brand_posts(seed: int, brands: int, posts: int) -> dict[str, list[ScoredPost]]:
    rng = random.Random(seed)
    by_brand: dict[str, list[ScoredPost]] = {}
    for n in range(posts):
        brand = f"brand_{rng.randrange(brands)}"
        label = NEGATIVE if rng.random() < 0.3 else "neutral"
        scored = make_scored(str(n), ts=T0 + n, brand=brand, label=label, author_id=f"a{n % 7}")
        by_brand.setdefault(brand, []).append(scored)
    return by_brand


def test_each_brand_goes_whole_and_in_order_to_its_partition_in_bounded_messages() -> None:
    by_brand = brand_posts(seed=3, brands=40, posts=900)
    messages = list(scored_messages(by_brand, partitions=4))
    assert len(messages) < len(by_brand)  # brands share messages
    seen: dict[str, list[str]] = {}
    for partition, batches in messages:
        assert 0 < sum(len(b.posts) for b in batches) <= stage_module.SCORED_CHUNK
        for batch in batches:
            assert batch.brand is not None
            assert partition == partition_of(batch.brand.encode(), 4)
            seen.setdefault(batch.brand, []).extend(key(p) for p in batch.posts)
    assert seen == {b: [p.post.key for p in posts] for b, posts in by_brand.items()}


def test_a_brand_with_more_posts_than_a_message_holds_is_split_in_order() -> None:
    posts = [make_scored(str(n), ts=T0 + n) for n in range(stage_module.SCORED_CHUNK * 2 + 7)]
    messages = list(scored_messages({"acme": posts}, partitions=3))
    assert [len(batches[0].posts) for _, batches in messages] == [
        stage_module.SCORED_CHUNK, stage_module.SCORED_CHUNK, 7,
    ]  # fmt: skip
    keys = [key(p) for _, batches in messages for b in batches for p in b.posts]
    assert keys == [p.post.key for p in posts]
    assert list(scored_messages({}, partitions=3)) == []


def test_one_message_of_many_brands_counts_and_judges_as_a_message_per_brand() -> None:
    by_brand = brand_posts(seed=5, brands=12, posts=1500)
    together, apart = PartitionState(CONFIG, judge), PartitionState(CONFIG, judge)
    offset_together = offset_apart = 0
    for _, batches in scored_messages(by_brand, partitions=1):
        message = ScoredBatch.loads_many(ScoredBatch.dumps_many(batches))
        together.apply_many(message, offset_together)
        offset_together += 1
        for batch in batches:
            apart.apply(ScoredBatch.loads(batch.dumps()), offset_apart)
            offset_apart += 1
    marks = ScoredBatch(None, (), {0: T0 + 1500 + 3600})
    judged_together = together.apply(marks, offset_together)
    judged_apart = apart.apply(marks, offset_apart)
    assert judged_together.judged and judged_together.judged == judged_apart.judged
    state, other = together.to_dict(), apart.to_dict()
    del state["offset"], other["offset"]
    assert state == other


def test_a_message_of_one_batch_still_reads() -> None:
    batch = ScoredBatch("acme", (make_scored("1"),), {})
    assert ScoredBatch.loads_many(batch.dumps()) == [ScoredBatch.loads(batch.dumps())]


def key(post: ScoredPost | Counted) -> str:
    return post.post.key if isinstance(post, ScoredPost) else post.key


def judge(brand: str, view: object, states: dict[str, object], now: float) -> list[object]:
    return []
