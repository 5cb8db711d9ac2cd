"""Each source's documented JSON or XML turned into posts, and odd items skipped loudly."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from listener.connectors.posts import html_text, make_post, parse_items
from listener.connectors.runtime.metrics import ConnectorMetrics
from listener.connectors.sources.hackernews.connector import hit_post
from listener.connectors.sources.mastodon.timeline import next_max_id, status_post
from listener.connectors.sources.reddit.connector import thing_post
from listener.connectors.sources.rss.feed import read_entry, read_feed
from listener.connectors.wire.sse import Event, events
from listener.records import MAX_TEXT_CHARS

# An Algolia HN Search hit, as https://hn.algolia.com/api documents it.
HN_COMMENT: dict[str, Any] = {
    "created_at": "2024-01-15T10:00:00.000Z",
    "author": "dang",
    "comment_text": "<p>The app is down again &amp; nobody says why.</p><p>Second paragraph</p>",
    "story_id": 39000000,
    "story_title": "Acme Bank outage",
    "parent_id": 39000001,
    "created_at_i": 1705312800,
    "_tags": ["comment", "author_dang", "story_39000000"],
    "objectID": "39000002",
    "points": None,
}

# A Reddit listing child (kind t3), with the fields the API returns.
REDDIT_LINK: dict[str, Any] = {
    "kind": "t3",
    "data": {
        "subreddit": "italy",
        "selftext": "Qualcuno sa se l'app funziona?",
        "author_fullname": "t2_abc12",
        "title": "Acme Bank down?",
        "name": "t3_1abcde",
        "ups": 15,
        "score": -3,
        "num_crossposts": 1,
        "id": "1abcde",
        "author": "mario_rossi",
        "permalink": "/r/italy/comments/1abcde/acme_bank_down/",
        "created_utc": 1704067200.0,
    },
}

# A Mastodon Status entity, abridged from docs.joinmastodon.org/entities/Status.
STATUS: dict[str, Any] = {
    "id": "103270115826048975",
    "created_at": "2019-12-08T03:48:33.901Z",
    "in_reply_to_id": None,
    "spoiler_text": "",
    "language": "en",
    "uri": "https://mastodon.social/users/Gargron/statuses/103270115826048975",
    "url": "https://mastodon.social/@Gargron/103270115826048975",
    "reblogs_count": 6,
    "favourites_count": 11,
    "content": '<p>&quot;I lost my inheritance&quot;<br>with one <a href="x">#digit</a></p>',
    "reblog": None,
    "account": {"id": "1", "username": "Gargron", "acct": "Gargron", "followers_count": 322930},
}


def report() -> Any:
    return ConnectorMetrics.create(CollectorRegistry()).report("test", "test")


def test_html_text_keeps_words_and_paragraphs() -> None:
    assert html_text("<p>a &amp; b</p><p>c<br>d</p>") == "a & b\n\nc\nd"
    assert html_text("plain &lt;text&gt;") == "plain <text>"


def test_hn_comment() -> None:
    mark, post = hit_post(HN_COMMENT)
    assert mark == 1705312800
    assert post.id == "39000002" and post.source == "hackernews"
    assert post.created_at == datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
    assert post.text == "The app is down again & nobody says why.\n\nSecond paragraph"
    assert post.author_id == "dang" and post.in_reply_to == "39000001"
    assert post.url == "https://news.ycombinator.com/item?id=39000002"


def test_hn_story_joins_title_and_text() -> None:
    hit = {
        "objectID": "1",
        "created_at_i": 1,
        "author": "pg",
        "title": "Acme",
        "points": 3,
        "story_text": "<p>body</p>",
        "_tags": ["story"],
    }
    _, post = hit_post(hit)
    assert post.text == "Acme\n\nbody" and post.likes == 3 and post.in_reply_to is None


def test_reddit_link_and_comment() -> None:
    mark, post = thing_post(REDDIT_LINK) or (0, None)
    assert post is not None
    assert mark == int("1abcde", 36)
    assert post.id == "t3_1abcde" and post.author_id == "t2_abc12"
    assert post.text == "Acme Bank down?\n\nQualcuno sa se l'app funziona?"
    assert post.channel == "italy" and post.likes == 15 and post.shares == 1
    assert post.url == "https://www.reddit.com/r/italy/comments/1abcde/acme_bank_down/"
    comment: dict[str, Any] = {
        "kind": "t1",
        "data": {
            **REDDIT_LINK["data"],
            "name": "t1_zz",
            "id": "zz",
            "body": "same here",
            "parent_id": "t3_1abcde",
        },
    }
    _, reply = thing_post(comment) or (0, None)
    assert reply is not None and reply.text == "same here" and reply.in_reply_to == "t3_1abcde"
    removed = {"kind": "t1", "data": {**comment["data"], "body": "[removed]"}}
    assert thing_post(removed) is None


def test_mastodon_status() -> None:
    mark, post = status_post(STATUS) or (0, None)
    assert post is not None and mark == 103270115826048975
    assert post.text == '"I lost my inheritance"\nwith one #digit'
    assert post.author_id == "1" and post.author_handle == "@Gargron"
    assert post.author_followers == 322930 and post.likes == 11 and post.shares == 6
    assert post.lang == "en" and post.url == STATUS["url"]
    assert status_post({**STATUS, "reblog": copy.deepcopy(STATUS)}) is None


def test_mastodon_link_header() -> None:
    link = (
        "<https://mastodon.example/api/v1/timelines/tag/acme?max_id=103206804533200177>; "
        'rel="next", <https://mastodon.example/api/v1/timelines/tag/acme?min_id=103270115826038975>;'
        ' rel="prev"'
    )
    assert next_max_id(link) == "103206804533200177"
    assert next_max_id(None) is None


def test_bad_items_are_counted_and_skipped() -> None:
    registry = CollectorRegistry()
    metrics = ConnectorMetrics.create(registry)
    broken = {**HN_COMMENT, "created_at_i": "yesterday"}
    missing = {k: v for k, v in HN_COMMENT.items() if k != "author"}
    good = parse_items(
        [HN_COMMENT, broken, missing, 42], hit_post, metrics.report("hn", "hackernews"), "x"
    )
    assert [post.id for _, post in good] == ["39000002"]
    labels = {"connector": "hn", "error": "malformed_item"}
    assert registry.get_sample_value("listener_connector_errors_total", labels) == 3


def test_make_post_cuts_long_text_and_clamps_counts() -> None:
    post = make_post(
        id="1",
        source="reddit",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        text="x" * (MAX_TEXT_CHARS + 5),
        author_id="a",
        likes=-4,
        shares=True,
    )
    assert len(post.text) == MAX_TEXT_CHARS and post.likes == 0 and post.shares is None


RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Notizie</title><link>https://news.example.it/</link>
<item><title>Acme, app in tilt</title><link>https://news.example.it/a/1</link>
<description>&lt;p&gt;Disservizio &amp;amp; attese&lt;/p&gt;</description>
<guid isPermaLink="false">news-1</guid><pubDate>Tue, 03 Oct 2017 16:31:47 +0200</pubDate>
<dc:creator>Giulia B.</dc:creator></item>
<item><title>Senza data</title><link>https://news.example.it/a/2</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>
<link href="https://blog.example.com/"/>
<entry><title>Launch</title><id>urn:uuid:1225c695</id>
<link rel="alternate" href="https://blog.example.com/launch"/>
<updated>2017-10-03T09:00:00Z</updated><summary>The new app is out</summary>
<author><name>Acme</name></author></entry></feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://old.example.org/"><title>Old</title><link>https://old.example.org/</link></channel>
<item rdf:about="https://old.example.org/1"><title>One</title><link>https://old.example.org/1</link>
<dc:date>2017-10-03T10:00:00+02:00</dc:date></item></rdf:RDF>"""


def test_rss_two() -> None:
    feed = read_feed(RSS)
    assert feed.title == "Notizie" and not feed.atom and len(feed.items) == 2
    first = read_entry(feed.items[0], feed.atom)
    assert first.id == "news-1" and first.author == "Giulia B."
    assert first.published == datetime.fromisoformat("2017-10-03T16:31:47+02:00")
    assert html_text(first.summary or "") == "Disservizio & attese"
    second = read_entry(feed.items[1], feed.atom)
    assert second.id == "https://news.example.it/a/2" and second.published is None


def test_atom_and_rss_one() -> None:
    feed = read_feed(ATOM)
    entry = read_entry(feed.items[0], feed.atom)
    assert feed.atom and entry.id == "urn:uuid:1225c695" and entry.author == "Acme"
    assert entry.link == "https://blog.example.com/launch"
    assert entry.published == datetime(2017, 10, 3, 9, tzinfo=UTC)
    rdf = read_feed(RDF)
    one = read_entry(rdf.items[0], rdf.atom)
    assert rdf.title == "Old" and one.id == "https://old.example.org/1"
    assert one.published == datetime.fromisoformat("2017-10-03T10:00:00+02:00")


@pytest.mark.parametrize("body", [b"<html><body>not a feed</body></html>", b"{}", b"", b"<rss>"])
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(ValueError, match=r"neither RSS nor Atom|ends before its feed"):
        read_feed(body)


def test_a_feed_cut_short_is_refused_not_read_in_part() -> None:
    with pytest.raises(ValueError, match="ends before its feed"):
        read_feed(RSS[: RSS.index(b"<item><title>Senza")] + b"<item><title>Sen")


#: What real feeds do: an unescaped ampersand, an HTML entity XML does not define, and
#: dates in Italian, whole or abbreviated; the strict parser refused all of it at once.
SLOPPY = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Banche & Finanza</title><link>https://news.example.it/</link>
<item><title>Caff&egrave; & mutui</title><link>https://news.example.it/a/3</link>
<guid>news-3</guid><pubDate>Mar, 03 Ott 2017 16:30:00 +0200</pubDate></item>
<item><title>Filiale chiusa</title><link>https://news.example.it/a/4</link>
<pubDate>martedì, 3 ottobre 2017 17:05:00 +0200</pubDate></item>
<item><title>Data illeggibile</title><link>https://news.example.it/a/5</link>
<pubDate>ieri pomeriggio</pubDate></item>
</channel></rss>""".encode()


def test_a_sloppy_feed_is_read_leniently_and_italian_dates_are_understood() -> None:
    feed = read_feed(SLOPPY, "application/rss+xml; charset=utf-8")
    assert feed.title == "Banche & Finanza" and len(feed.items) == 3
    first, second = (read_entry(item, feed.atom) for item in feed.items[:2])
    assert first.id == "news-3" and first.title == "Caffè & mutui"
    assert first.published == datetime.fromisoformat("2017-10-03T16:30:00+02:00")
    assert second.published == datetime.fromisoformat("2017-10-03T17:05:00+02:00")
    # An old story dated "now" would count as news: an unreadable date refuses the item.
    with pytest.raises(ValueError, match="ieri pomeriggio"):
        read_entry(feed.items[2], feed.atom)


def test_external_entities_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>
<rss version="2.0"><channel><title>t</title>
<item><title>x &leak; y</title><link>https://e.example/1</link></item></channel></rss>""".encode()
    feed = read_feed(body)
    for item in feed.items:
        assert "TOP-SECRET" not in repr(read_entry(item, feed.atom))


async def lines(*items: str) -> AsyncIterator[str]:
    for item in items:
        yield item


async def test_server_sent_events() -> None:
    stream = lines(
        ":thump",
        "event: update",
        'data: {"a":',
        "data: 1}",
        "",
        "event: delete",
        "data: 42",
        "id: 7",
        "",
        "data:plain",
        "",
        "event: update",
        "data: cut",
    )
    got = [event async for event in events(stream)]
    assert got == [
        Event("update", '{"a":\n1}'),
        Event("delete", "42", "7"),
        Event("message", "plain", "7"),
    ]
