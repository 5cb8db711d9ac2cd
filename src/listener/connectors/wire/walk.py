"""Walking a newest-first listing down to where the last walk stopped, page by page.

Search results, subreddit listings, hashtag timelines and page feeds all answer newest
first, with a cursor to older pages. A poll asks for the newest page; if everything on it
is newer than ``since``, more may be missing below, so the walk continues with the cursor,
one page per poll, publishing each page as it goes. The mark it started from (``walk_top``)
becomes ``since`` only when the walk reaches the old ``since`` or the listing ends, so a
restart in the middle continues the walk instead of skipping what lies below.

A lane seen for the first time (no checkpoint) takes only the newest page: listening starts
now, it does not dig out the source's history. If that first page is empty, ``since``
becomes :data:`NOTHING_YET`, below every mark: whatever appears later is new, and is walked
in full however much of it arrives before the next poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from listener.connectors.base import Checkpoint
from listener.records import Post

#: The ``since`` of a lane whose first poll found nothing. Connectors do not send it to a
#: source as a bound (some refuse an id of 0); it only stops nothing.
NOTHING_YET: Final = "0"


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a newest-first listing: ``(mark, post)`` pairs (a mark is an id or a
    time as an integer, larger meaning newer) and the cursor to the next, older page."""

    items: Sequence[tuple[int, Post]]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Step:
    """The posts of a page worth publishing, the checkpoint after it, and whether the walk
    has more pages to fetch now."""

    posts: tuple[Post, ...]
    checkpoint: Checkpoint
    more: bool


def step(checkpoint: Checkpoint, listing: Listing, inclusive: bool = False) -> Step:
    """Advance the walk by one page.

    ``inclusive`` is for marks that are times in seconds: an item at exactly ``since`` may be
    one not seen yet (two posts in the same second), so it is kept, and the runner's
    ``seen`` list drops the ones already published.
    """
    since = int(checkpoint.since) if checkpoint.since is not None else None
    marks = [mark for mark, _ in listing.items]
    if checkpoint.walk_top is not None:
        top: int | None = int(checkpoint.walk_top)
    else:
        top = max([*marks, *([since] if since is not None else [])], default=None)
    posts: list[Post] = []
    reached = False
    for mark, post in listing.items:
        if since is not None and (mark < since or (mark == since and not inclusive)):
            reached = True  # keep looking: a listing is not always in strict order
            continue
        posts.append(post)
    posts.reverse()  # oldest first, the order they were written in
    first_run = since is None and checkpoint.cursor is None
    if first_run or reached or listing.next_cursor is None:
        done = replace(
            checkpoint, since=NOTHING_YET if top is None else str(top), cursor=None, walk_top=None
        )
        return Step(tuple(posts), done, more=False)
    going = replace(checkpoint, cursor=listing.next_cursor, walk_top=str(top))
    return Step(tuple(posts), going, more=True)
