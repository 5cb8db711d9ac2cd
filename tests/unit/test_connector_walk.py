"""Walking a newest-first listing: each post once, none skipped, resumable mid-walk."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from listener.connectors.base import Checkpoint, Page
from listener.connectors.runtime.runner import fresh_posts, spacing
from listener.connectors.wire.ratelimit import RateInfo
from listener.connectors.wire.walk import NOTHING_YET, Listing, step
from listener.records import Post

T0 = 1_740_787_200.0


def make_post(id: str, ts: float = 1_740_787_200.0, text: str = "hello") -> Post:
    """A valid post at POSIX time ``ts``."""
    return Post(id, "twitter", datetime.fromtimestamp(ts, UTC), text, f"author-{id}")


def listing(marks: list[int], cursor: str | None) -> Listing:
    return Listing([(m, make_post(str(m), ts=T0 + m)) for m in marks], cursor)


def ids(posts: tuple[Post, ...]) -> list[str]:
    return [p.id for p in posts]


def test_first_run_takes_the_newest_page_only() -> None:
    done = step(Checkpoint(), listing([30, 20, 10], "older"))
    assert ids(done.posts) == ["10", "20", "30"]  # oldest first
    assert done.checkpoint == Checkpoint(since="30")
    assert not done.more


def test_walk_goes_down_until_it_meets_since_then_moves_since_up() -> None:
    start = Checkpoint(since="10")
    first = step(start, listing([50, 40], "c1"))
    assert ids(first.posts) == ["40", "50"]
    assert first.more
    assert first.checkpoint == Checkpoint(since="10", cursor="c1", walk_top="50")
    # New posts may arrive meanwhile; the walk's pages below are what it continues with.
    second = step(first.checkpoint, listing([30, 20], "c2"))
    assert ids(second.posts) == ["20", "30"] and second.more
    last = step(second.checkpoint, listing([15, 10, 5], "c3"))
    assert ids(last.posts) == ["15"]
    assert not last.more
    assert last.checkpoint == Checkpoint(since="50")


def test_listing_end_finishes_the_walk() -> None:
    done = step(Checkpoint(since="1", cursor="c", walk_top="9"), listing([4, 3], None))
    assert done.checkpoint == Checkpoint(since="9") and not done.more


def test_empty_listing_keeps_since() -> None:
    done = step(Checkpoint(since="7"), listing([], None))
    assert done.posts == () and done.checkpoint == Checkpoint(since="7")


def test_inclusive_marks_keep_posts_in_the_same_second() -> None:
    done = step(Checkpoint(since="20"), listing([21, 20, 19], None), inclusive=True)
    assert ids(done.posts) == ["20", "21"]
    exclusive = step(Checkpoint(since="20"), listing([21, 20, 19], None))
    assert ids(exclusive.posts) == ["21"]


def test_out_of_order_items_below_since_are_dropped_without_stopping_the_scan() -> None:
    done = step(Checkpoint(since="20"), listing([30, 10, 25], "c"))
    assert ids(done.posts) == ["25", "30"]
    assert not done.more  # something at or below since was met: the walk is complete


def test_seen_posts_are_not_published_again_and_seen_is_bounded() -> None:
    before = Checkpoint(since="1", seen=("a", "b", "c"))
    posts = tuple(make_post(i) for i in ("b", "d", "d", "e"))
    page = Page(posts, replace(before, since="2"))
    fresh, repeated = fresh_posts(before, page, capacity=4)
    assert ids(fresh.posts) == ["d", "e"]
    assert repeated == 2
    assert fresh.checkpoint.seen == ("b", "c", "d", "e")
    assert fresh.checkpoint.since == "2"


def test_polls_are_spread_over_what_the_source_says_is_left() -> None:
    def page(remaining: float | None, reset: float | None) -> Page:
        return Page((), Checkpoint(), rate=RateInfo(remaining, reset))

    assert spacing(page(100, 50)) == 0.5
    assert spacing(page(0, 30)) == 30.0
    assert spacing(page(None, 30)) == 0.0
    assert spacing(Page((), Checkpoint())) == 0.0


def test_a_first_poll_that_finds_nothing_makes_everything_later_new() -> None:
    empty = step(Checkpoint(), listing([], "never"))
    assert empty.checkpoint == Checkpoint(since=NOTHING_YET) and not empty.more
    burst = step(empty.checkpoint, listing([9, 8, 7], "older"))
    assert ids(burst.posts) == ["7", "8", "9"] and burst.more  # walked in full, not one page
