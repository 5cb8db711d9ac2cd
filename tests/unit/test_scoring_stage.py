"""The scoring stage: raw messages in, scored posts by brand and dead letters out."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import pytest
from factories import T0, make_post, post_dict

from listener.enrich import stage as stage_module
from listener.enrich.stage import Prepared, RawMessage, ScoringStage, counts
from listener.records import NEGATIVE, DeadLetter, Post, ScoredBatch, ScoredPost
from listener.windows.config import WindowConfig
from listener.windows.partition import PartitionState

TOPIC = "posts.raw"


class AcmeEnricher:
    """Scores for brand acme the posts whose text mentions it, and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def enrich_many(self, posts: Sequence[Post]) -> list[list[ScoredPost]]:
        return [self.enrich(post) for post in posts]

    def enrich(self, post: Post) -> list[ScoredPost]:
        self.seen.append(post.key)
        if "acme" not in post.text.lower():
            return []
        records = [ScoredPost("acme", post, "en", -0.5, NEGATIVE, own=False)]
        if "globex" in post.text.lower():
            records.append(ScoredPost("globex", post, "en", -0.5, NEGATIVE, own=False))
        return records


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_stage(
    dedupe_seconds: float = 3600.0, idle_seconds: float = 3.0
) -> tuple[ScoringStage, AcmeEnricher, FakeClock]:
    enricher, clock = AcmeEnricher(), FakeClock()
    return ScoringStage(enricher, dedupe_seconds, idle_seconds, clock), enricher, clock


def message(value: bytes | Post, partition: int = 0, offset: int = 0) -> RawMessage:
    raw = value.dumps() if isinstance(value, Post) else value
    return RawMessage(TOPIC, partition, offset, raw)


def acme(id: str, ts: float = T0) -> Post:
    return make_post(id, ts=ts, text=f"acme post {id}")


# --- parsing and dead letters -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"{nope", "invalid_json"),
        (b"17", "not_an_object"),
        (orjson.dumps(post_dict(id=None)), "missing_field"),
        (orjson.dumps(post_dict(likes=True)), "wrong_type"),
        (orjson.dumps(post_dict(created_at="2025-03-01 09:30")), "bad_timestamp"),
        (orjson.dumps(post_dict(source="Bad Source")), "bad_source"),
        (orjson.dumps(post_dict(text="x" * 20_001)), "too_large"),
    ],
)
def test_a_bad_message_becomes_a_dead_letter_naming_where_it_came_from(
    value: bytes, reason: str
) -> None:
    stage, enricher, _ = make_stage()
    result = stage.process([message(value, partition=4, offset=1234)])
    assert result.dead == [
        DeadLetter(
            reason=reason,
            detail=result.dead[0].detail,
            topic=TOPIC,
            partition=4,
            offset=1234,
            payload=value,
        )
    ]
    assert result.dead[0].detail
    assert enricher.seen == []
    assert dict(result.by_brand) == {} and dict(result.received) == {}


def test_a_bad_post_in_a_bundle_is_dead_lettered_alone_with_its_own_payload() -> None:
    stage, enricher, _ = make_stage()
    bad = post_dict(id="b", created_at="noon")
    value = orjson.dumps([post_dict(id="a"), bad, post_dict(id="c", text="nothing here")])
    result = stage.process([message(value, partition=2, offset=99)])
    [dead] = result.dead
    assert (dead.reason, dead.topic, dead.partition, dead.offset) == ("bad_timestamp", TOPIC, 2, 99)
    assert orjson.loads(dead.payload) == bad
    assert enricher.seen == ["twitter:a", "twitter:c"]
    assert [s.post.id for s in result.by_brand["acme"]] == ["a"]
    assert result.unmatched == 1


def test_good_messages_around_a_bad_one_are_all_scored() -> None:
    stage, _, _ = make_stage()
    result = stage.process(
        [message(acme("1"), offset=10), message(b"][", offset=11), message(acme("2"), offset=12)]
    )
    assert [d.offset for d in result.dead] == [11]
    assert [s.post.id for s in result.by_brand["acme"]] == ["1", "2"]


# --- scoring ----------------------------------------------------------------------------


def test_scored_posts_are_grouped_by_brand_and_unmatched_posts_counted() -> None:
    stage, _, _ = make_stage()
    posts = [
        make_post("1", text="acme and globex"),
        make_post("2", text="acme again"),
        make_post("3", text="about nothing"),
        make_post("4", source="reddit", text="ACME"),
    ]
    result = stage.process([message(p, offset=i) for i, p in enumerate(posts)])
    assert [s.post.key for s in result.by_brand["acme"]] == [
        "twitter:1",
        "twitter:2",
        "reddit:4",
    ]
    assert [s.post.key for s in result.by_brand["globex"]] == ["twitter:1"]
    assert counts(result) == {"acme": 3, "globex": 1}
    assert result.unmatched == 1
    assert dict(result.received) == {"twitter": 3, "reddit": 1}
    assert (result.duplicates, result.dead) == (0, [])


def test_a_duplicate_is_dropped_before_it_is_enriched() -> None:
    stage, enricher, _ = make_stage()
    first = stage.process([message(acme("1")), message(acme("1"), offset=1)])
    assert first.duplicates == 1
    assert len(first.by_brand["acme"]) == 1
    # The same key later, even with other content, is still the same post.
    again = stage.process([message(make_post("1", ts=T0, text="acme edited"), offset=2)])
    assert again.duplicates == 1
    assert dict(again.by_brand) == {}
    assert again.unmatched == 0
    assert dict(again.received) == {"twitter": 1}  # received counts what came in
    assert enricher.seen == ["twitter:1"]


def test_a_duplicate_inside_a_bundle_is_dropped() -> None:
    stage, _, _ = make_stage()
    value = orjson.dumps([post_dict(id="1"), post_dict(id="1"), post_dict(id="2")])
    result = stage.process([message(value)])
    assert result.duplicates == 1
    assert [s.post.id for s in result.by_brand["acme"]] == ["1", "2"]


def test_duplicates_are_tracked_per_raw_partition() -> None:
    stage, _, _ = make_stage()
    result = stage.process([message(acme("1"), partition=0), message(acme("1"), partition=1)])
    assert result.duplicates == 0
    assert len(result.by_brand["acme"]) == 2


def test_a_key_is_forgotten_once_event_time_has_moved_past_the_dedupe_horizon() -> None:
    stage, enricher, _ = make_stage(dedupe_seconds=600)
    stage.process([message(acme("old", ts=T0))])
    stage.process([message(acme("mid", ts=T0 + 600))])  # exactly the horizon: kept
    assert stage.process([message(acme("old", ts=T0))]).duplicates == 1
    stage.process([message(acme("new", ts=T0 + 601)), message(acme("newer", ts=T0 + 602))])
    assert stage.marks[0] == T0 + 601  # where two posts agree
    assert set(stage.seen[0]) == {"twitter:mid", "twitter:new", "twitter:newer"}
    again = stage.process([message(acme("old", ts=T0))])
    assert again.duplicates == 0
    assert enricher.seen.count("twitter:old") == 2


def test_the_keys_kept_per_partition_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage_module, "MAX_SEEN_PER_PARTITION", 3)
    stage, _, _ = make_stage()
    stage.process([message(acme(str(i), ts=T0 + i), offset=i) for i in range(5)])
    assert list(stage.seen[0]) == ["twitter:2", "twitter:3", "twitter:4"]
    assert stage.process([message(acme("0", ts=T0))]).duplicates == 0


# --- event time per partition -----------------------------------------------------------


def test_each_partition_marks_the_newest_time_two_of_its_posts_reach() -> None:
    stage, _, _ = make_stage()
    stage.process(
        [
            message(acme("1", ts=T0 + 50), partition=0),
            message(acme("2", ts=T0 + 20), partition=0),
            message(make_post("3", ts=T0 + 80, text="no brand"), partition=1),
            message(make_post("4", ts=T0 + 70, text="no brand"), partition=1),
            message(acme("5", ts=T0 + 90), partition=2),  # alone: no agreement yet
            message(b"garbage", partition=3),
        ]
    )
    assert stage.marks == {0: T0 + 20, 1: T0 + 70}
    assert stage.newest == {0: (T0 + 50, T0 + 20), 1: (T0 + 80, T0 + 70), 2: (T0 + 90,)}
    stage.process([message(acme("2", ts=T0 + 60), partition=0)])  # a duplicate still tells time
    assert stage.marks[0] == T0 + 50
    stage.process([message(acme("6", ts=T0 + 60), partition=0)])  # a time already counted
    assert stage.marks[0] == T0 + 50


def test_watermarks_report_marks_and_which_partitions_are_idle() -> None:
    stage, _, clock = make_stage(idle_seconds=3.0)
    clock.now = 100.0
    stage.assigned([0, 1, 2])
    posts = [message(acme("0", ts=T0 + 4), partition=0), message(acme("1", ts=T0 + 5))]
    stage.process([*posts, message(b"bad", partition=1)])
    clock.now = 102.9
    assert stage.watermarks([0, 1, 2]) == ({0: T0 + 4, 1: None, 2: None}, frozenset())
    clock.now = 103.0  # quiet for exactly idle_seconds after posts: idle
    # Partitions that never had a post keep holding the clock: their first posts may be old.
    assert stage.watermarks([0, 1, 2]) == ({0: T0 + 4, 1: None, 2: None}, frozenset({0}))
    clock.now = 104.0
    stage.process([message(acme("2", ts=T0 + 9), partition=1)])
    assert stage.watermarks([0, 1]) == ({0: T0 + 4, 1: None}, frozenset({0}))
    stage.process([message(acme("3", ts=T0 + 8), partition=1)])
    assert stage.watermarks([0, 1]) == ({0: T0 + 4, 1: T0 + 8}, frozenset({0}))
    # Only owned partitions are reported.
    assert stage.watermarks([1]) == ({1: T0 + 8}, frozenset())


def test_an_empty_poll_does_not_make_a_partition_busy() -> None:
    stage, _, clock = make_stage(idle_seconds=3.0)
    clock.now = 10.0
    stage.process([message(acme("1"), partition=0)])
    clock.now = 20.0
    result = stage.process([])
    assert (result.dead, dict(result.by_brand)) == ([], {})
    assert stage.watermarks([0])[1] == frozenset({0})


def test_a_partition_that_never_had_posts_is_idle_only_after_the_grace() -> None:
    stage, _, clock = make_stage(idle_seconds=5.0)
    stage.empty_grace_seconds = 30.0
    clock.now = 50.0
    stage.assigned([3, 4])
    clock.now = 79.0
    assert stage.watermarks([3, 4]) == ({3: None, 4: None}, frozenset())
    clock.now = 80.0
    assert stage.watermarks([3, 4]) == ({3: None, 4: None}, frozenset({3, 4}))


def test_assigning_a_partition_again_does_not_reset_when_it_last_heard() -> None:
    stage, _, clock = make_stage(idle_seconds=5.0)
    clock.now = 50.0
    stage.process([message(acme("1"), partition=3)])
    clock.now = 60.0
    stage.assigned([3])
    assert stage.watermarks([3])[1] == frozenset({3})


def test_forget_drops_everything_kept_for_a_partition() -> None:
    stage, enricher, clock = make_stage()
    clock.now = 100.0
    stage.process(
        [
            *(message(acme(i, ts=T0 + int(i)), partition=0) for i in "01"),
            *(message(acme(i, ts=T0 + int(i)), partition=1) for i in "23"),
        ]
    )
    stage.forget([0, 7])  # 7 was never owned: nothing to drop
    assert 0 not in stage.marks and 0 not in stage.seen and 0 not in stage.last_message
    assert 0 not in stage.newest
    assert stage.marks == {1: T0 + 2}
    # Heard of by nobody now: no mark, and it holds the clock until something arrives.
    assert stage.watermarks([0, 1]) == ({0: None, 1: T0 + 2}, frozenset())
    # Its posts are no longer duplicates there; partition 1 still remembers its own.
    result = stage.process(
        [message(acme("1", ts=T0 + 1), partition=0), message(acme("2", ts=T0 + 2), partition=1)]
    )
    assert result.duplicates == 1
    assert [s.post.id for s in result.by_brand["acme"]] == ["1"]
    assert enricher.seen == ["twitter:0", "twitter:1", "twitter:2", "twitter:3", "twitter:1"]


# --- a live lull: event time keeps pace with the wall clock -------------------------------


def live_stage() -> tuple[ScoringStage, FakeClock, FakeClock]:
    """A stage whose wall clock starts at T0 + 600, with a two-minute live delay."""
    clock, wall = FakeClock(100.0), FakeClock(T0 + 600)
    stage = ScoringStage(AcmeEnricher(), 3600.0, 3.0, clock, wall=wall, live_delay_seconds=120)
    return stage, clock, wall


def test_a_quiet_live_partition_reports_the_wall_clock_less_the_delay() -> None:
    stage, clock, wall = live_stage()
    stage.process([message(acme(i, ts=T0 + 590 + int(i)), partition=0) for i in "01"])  # live
    assert stage.watermarks([0]) == ({0: T0 + 590}, frozenset())  # busy: its own mark
    clock.now, wall.now = 103.0, T0 + 603
    assert stage.watermarks([0]) == ({0: T0 + 590}, frozenset({0}))  # delay not yet passed
    clock.now, wall.now = 200.0, T0 + 1800
    assert stage.watermarks([0]) == ({0: T0 + 1680}, frozenset({0}))
    wall.now = T0 + 7200  # an hour and a half of silence: it keeps following the wall
    assert stage.watermarks([0]) == ({0: T0 + 7080}, frozenset({0}))
    assert stage.marks[0] == T0 + 590  # the posts' own mark is unchanged
    stage.process([message(acme("2", ts=T0 + 7150), partition=0)])
    # Busy again; one post alone does not move the mark (the windows keep the one they had).
    assert stage.watermarks([0]) == ({0: T0 + 590}, frozenset())
    stage.process([message(acme("3", ts=T0 + 7160), partition=0)])
    assert stage.watermarks([0]) == ({0: T0 + 7150}, frozenset())


def test_a_replayed_or_caught_up_partition_never_follows_the_wall_clock() -> None:
    stage, clock, wall = live_stage()
    # Posts a day old when they arrive: a replay, or a source catching up.
    stage.process([message(acme(i, ts=T0 + 600 + int(i) - 86_400), partition=1) for i in "01"])
    clock.now, wall.now = 200.0, T0 + 7200
    assert stage.watermarks([1]) == ({1: T0 + 600 - 86_400}, frozenset({1}))
    # Live, then a backlog of old posts: the newest post decides, and it is old.
    stage.process([message(acme(i, ts=T0 + 7188 + int(i)), partition=2) for i in "23"])
    wall.now = T0 + 7200 + 2 * 3600
    stage.process([message(acme(i, ts=T0 + 7191 + int(i)), partition=2) for i in "45"])
    clock.now = 300.0
    assert stage.watermarks([2]) == ({2: T0 + 7195}, frozenset({2}))
    stage.forget([2])
    assert 2 not in stage.live


def test_in_a_lull_the_window_clock_follows_the_wall_and_judges_each_minute() -> None:
    stage, clock, wall = live_stage()
    config = WindowConfig(step=60, sizes=(300,), lateness=60, raw_partitions=1)
    judged: list[float] = []
    state = PartitionState(config, lambda b, view, st, now: judged.append(now) or [])
    result = stage.process([message(acme(i, ts=T0 + 590 + int(i)), partition=0) for i in "01"])
    offset = 0
    for batch in [ScoredBatch("acme", tuple(result.by_brand["acme"]), {})]:
        state.apply(batch, offset)
        offset += 1

    def tick(monotonic: float, now: float) -> None:
        nonlocal offset
        clock.now, wall.now = monotonic, now
        marks, idle = stage.watermarks([0])
        state.apply(ScoredBatch(None, (), marks, idle), offset)
        offset += 1

    tick(104.0, T0 + 604)
    assert state.clock == T0 + 480  # the post's mark, less the lateness
    tick(2000.0, T0 + 1800)  # twenty minutes of silence
    assert state.clock == T0 + 1800 - 120 - 60  # the wall, less the delay and the lateness
    # Each minute was judged while the post was in the five-minute window, in order.
    assert judged == [T0 + 600 + 60 * i for i in range(5)]


def test_an_enricher_is_built_once_when_started_and_not_before() -> None:
    import threading

    began = threading.Event()
    builds: list[str] = []

    class Quiet:
        def enrich_many(self, posts: Sequence[Post]) -> list[list[ScoredPost]]:
            return [[] for _ in posts]

    def build() -> Quiet:
        builds.append(threading.current_thread().name)
        began.set()
        return Quiet()

    prepared = Prepared(build)
    assert not began.wait(0.2)  # made, not started: the app is still being made
    prepared.start()
    prepared.start()
    assert began.wait(5)
    assert isinstance(prepared.ready(), Quiet)
    assert builds == ["enricher"]  # once, in its own thread
    unstarted = Prepared(build)
    assert isinstance(unstarted.ready(), Quiet)  # waited for without a start: built then
    assert len(builds) == 2


def test_an_enricher_built_in_the_background_is_waited_for_and_its_failure_raised() -> None:
    import threading

    release = threading.Event()

    class Slow:
        def enrich_many(self, posts: Sequence[Post]) -> list[list[ScoredPost]]:
            return [[] for _ in posts]

    def build() -> Slow:
        release.wait(5)  # still building while the worker goes on starting
        return Slow()

    prepared = Prepared(build)
    post = make_post("1")
    release.set()
    assert prepared.enrich_many([post]) == [[]]
    assert isinstance(prepared.ready(), Slow)

    def broken() -> Slow:
        raise RuntimeError("language model missing")

    failed = Prepared(broken)
    with pytest.raises(RuntimeError, match="language model missing"):
        failed.ready()
    with pytest.raises(RuntimeError, match="language model missing"):
        failed.enrich_many([post])
