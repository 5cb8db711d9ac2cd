"""X, YouTube and Facebook payloads as their APIs document them, turned into posts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from listener.connectors.sources.facebook.graph import (
    comment_post,
    feed_post,
    graph_usage,
    webhook_post,
)
from listener.connectors.sources.x.connector import tweet_post
from listener.connectors.sources.youtube.connector import thread_post

# A tweet and its expanded author, as GET /2/tweets/search/recent returns them.
TWEET: dict[str, Any] = {
    "id": "1767000000000000001",
    "text": "@AcmeBank the app is down again",
    "author_id": "2244994945",
    "created_at": "2024-03-11T09:15:02.000Z",
    "lang": "en",
    "public_metrics": {"retweet_count": 3, "reply_count": 1, "like_count": 12, "quote_count": 0},
    "referenced_tweets": [{"type": "replied_to", "id": "1766999999999999999"}],
}
USERS = {
    "2244994945": {
        "id": "2244994945",
        "username": "jane",
        "name": "Jane",
        "public_metrics": {"followers_count": 5120},
    }
}

# A commentThread resource of the YouTube Data API v3.
THREAD: dict[str, Any] = {
    "kind": "youtube#commentThread",
    "id": "UgzDE2tasfmrYLyNkGt4AaABAg",
    "snippet": {
        "videoId": "dQw4w9WgXcQ",
        "topLevelComment": {
            "kind": "youtube#comment",
            "id": "UgzDE2tasfmrYLyNkGt4AaABAg",
            "snippet": {
                "textDisplay": "Great &amp; fast",
                "textOriginal": "Great & fast",
                "authorDisplayName": "@viewer",
                "authorChannelId": {"value": "UCabcdefghijklmnopqrstuv"},
                "likeCount": 4,
                "publishedAt": "2024-05-01T12:00:05Z",
            },
        },
    },
}


def test_tweet() -> None:
    mark, post = tweet_post(TWEET, USERS)
    assert mark == 1767000000000000001
    assert (post.source, post.author_id, post.author_handle) == ("x", "2244994945", "@jane")
    assert post.author_followers == 5120 and post.likes == 12 and post.shares == 3
    assert post.in_reply_to == "1766999999999999999"
    assert post.url == "https://x.com/jane/status/1767000000000000001"
    _, alone = tweet_post({**TWEET, "referenced_tweets": None}, {})
    assert alone.author_handle is None and alone.url == "https://x.com/i/status/1767000000000000001"


def test_youtube_thread() -> None:
    mark, post = thread_post(THREAD, "acmechannel")
    assert mark == int(datetime(2024, 5, 1, 12, 0, 5, tzinfo=UTC).timestamp())
    assert post.text == "Great & fast" and post.author_id == "UCabcdefghijklmnopqrstuv"
    assert post.in_reply_to == "dQw4w9WgXcQ" and post.channel == "acmechannel"


def test_facebook_feed_item_and_comment() -> None:
    item = {
        "id": "150701_42",
        "message": "La nuova app è online",
        "created_time": "2017-10-03T07:00:00+0000",
        "from": {"id": "150701", "name": "Acme"},
        "shares": {"count": 5},
        "reactions": {"data": [], "summary": {"total_count": 31}},
    }
    mark, post = feed_post(item, "acme")
    assert mark == int(datetime(2017, 10, 3, 7, tzinfo=UTC).timestamp())
    assert (post.likes, post.shares, post.author_id, post.channel) == (31, 5, "150701", "acme")
    comment = {
        "id": "42_7",
        "message": "Vergogna",
        "created_time": "2017-10-03T14:31:47+0000",
        "like_count": 2,
        "parent": {"id": "42_3"},
    }
    _, reply = comment_post(comment, "150701_42", "acme")
    assert reply.in_reply_to == "42_3" and reply.author_id == "unknown"
    _, top = comment_post({**comment, "parent": None}, "150701_42", "acme")
    assert top.in_reply_to == "150701_42"


@pytest.mark.parametrize(
    ("verb", "item", "kept"),
    [
        ("add", "comment", True),
        ("edited", "comment", False),
        ("add", "reaction", False),
        ("remove", "comment", False),
        ("add", "status", True),
    ],
)
def test_facebook_webhook_changes(verb: str, item: str, kept: bool) -> None:
    value = {
        "item": item,
        "verb": verb,
        "comment_id": "1_9",
        "post_id": "1_1",
        "parent_id": "1_1",
        "created_time": 1507041107,
        "message": "hi",
        "from": {"id": "77", "name": "A"},
    }
    post = webhook_post(value, "acme")
    assert (post is not None) == kept
    if post is not None and item == "comment":
        assert post.id == "1_9" and post.in_reply_to == "1_1" and post.author_id == "77"


def test_graph_usage_headers() -> None:
    headers = httpx.Headers(
        {
            "X-App-Usage": '{"call_count":28,"total_time":25,"total_cputime":25}',
            "X-Business-Use-Case-Usage": '{"1507":[{"type":"pages","call_count":96,'
            '"total_cputime":3,"total_time":4,'
            '"estimated_time_to_regain_access":7}]}',
            "X-Page-Usage": "not json",
        }
    )
    assert graph_usage(headers) == (96.0, 7.0)
    assert graph_usage(httpx.Headers()) == (0.0, 0.0)
