"""One search query on Hacker News through Algolia's ``search_by_date`` endpoint.

Results come newest first, with ``created_at_i`` (POSIX seconds) as the mark. Instead of
Algolia's page numbers, which shift as new items arrive and stop at 1,000 hits, the walk
narrows a time range: ``numericFilters=created_at_i>=since,created_at_i<=cursor``, where
``cursor`` is the oldest second of the page before. Bounds are inclusive, since two items
can share a second; the runner's ``seen`` list drops the ones already published.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from listener.connectors.base import Checkpoint, Lane, Page, SourceContext
from listener.connectors.posts import from_epoch, html_text, join_text, make_post, parse_items
from listener.connectors.sources.hackernews.config import HackerNewsConfig
from listener.connectors.wire.errors import MalformedResponse
from listener.connectors.wire.walk import Listing, step
from listener.records import Post

log = logging.getLogger(__name__)

SOURCE: Final = "hackernews"
_TAGS: Final = {"stories": "story", "comments": "comment", "all": "(story,comment)"}


def hit_post(hit: Any) -> tuple[int, Post]:
    """One Algolia hit as (created_at_i, post)."""
    mark = hit["created_at_i"]
    if not isinstance(mark, int):
        raise TypeError(f"created_at_i is {type(mark).__name__}")
    item_id = str(hit["objectID"])
    comment = "comment" in (hit.get("_tags") or ())
    if comment:
        text = html_text(hit.get("comment_text") or "")
    else:
        text = join_text(hit.get("title"), html_text(hit.get("story_text") or ""))
    parent = hit.get("parent_id")
    post = make_post(
        id=item_id,
        source=SOURCE,
        created_at=from_epoch(mark),
        text=text,
        author_id=hit["author"],
        author_handle=hit["author"],
        url=f"https://news.ycombinator.com/item?id={item_id}",
        in_reply_to=str(parent) if comment and parent is not None else None,
        likes=hit.get("points"),
    )
    return mark, post


class SearchConnector:
    """One query's lane."""

    def __init__(self, config: HackerNewsConfig, context: SourceContext, query: str) -> None:
        self.config = config
        self.context = context
        self.query = query
        self.url = f"{config.base_url}/api/v1/search_by_date"

    async def poll(self, checkpoint: Checkpoint) -> Page:
        filters = []
        if checkpoint.since is not None:
            filters.append(f"created_at_i>={checkpoint.since}")
        if checkpoint.cursor is not None:
            filters.append(f"created_at_i<={checkpoint.cursor}")
        params: dict[str, str | int] = {
            "query": self.query,
            "tags": _TAGS[self.config.items],
            "hitsPerPage": self.config.hits_per_page,
        }
        if filters:
            params["numericFilters"] = ",".join(filters)
        data, reply = await self.context.http.get_json(self.url, params=params)
        hits = data.get("hits") if isinstance(data, dict) else None
        if not isinstance(hits, list):
            raise MalformedResponse(f"{reply.where}: no list of hits")
        items = parse_items(hits, hit_post, self.context.report, reply.where)
        walked = step(checkpoint, Listing(items, self._next(checkpoint, data, items)), True)
        return Page(walked.posts, walked.checkpoint, walked.more, self.context.http.last_rate)

    def _next(self, checkpoint: Checkpoint, data: dict[str, Any], items: list[Any]) -> str | None:
        """The upper bound of the next, older page; None when this page was the last."""
        pages = data.get("nbPages")
        full = pages > 1 if isinstance(pages, int) else len(items) >= self.config.hits_per_page
        if not full or not items:
            return None
        oldest = min(mark for mark, _ in items)
        if checkpoint.cursor is not None and oldest >= int(checkpoint.cursor):
            # A whole page within one second: step past it rather than loop on it.
            log.warning(
                "%s: more than %d hits in one second at %d; some may be missed",
                self.context.name,
                self.config.hits_per_page,
                oldest,
            )
            oldest -= 1
        return str(oldest)


def lanes(config: HackerNewsConfig, context: SourceContext) -> list[Lane]:
    return [Lane(query, SearchConnector(config, context, query)) for query in config.queries]
