"""Bluesky payloads as Jetstream and the AppView document them, turned into posts; what the
connector keeps; its configuration."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest

from listener.connectors.loader import load_connectors
from listener.connectors.posts import ITEM_ERRORS
from listener.connectors.sources.bluesky.config import BlueskyConfig
from listener.connectors.sources.bluesky.connector import WalkAt, search_query
from listener.connectors.sources.bluesky.jetstream import Stream
from listener.connectors.sources.bluesky.records import (
    Selector,
    frame_post,
    iso_us,
    parse_frame,
    split_uri,
    view_post,
)
from listener.errors import ConfigError

AUTHOR = "did:plc:eygmaihciaxprqvxpfvl6flk"
BRAND = "did:plc:z72i7hdynmk6r22z27h6tvur"
OTHER = "did:plc:ragtjsm2j2vknwkz3zp4oxrd"

# A commit frame of Jetstream's /subscribe, as its documentation shows one.
FRAME: dict[str, Any] = {
    "did": AUTHOR,
    "time_us": 1725911162329308,
    "kind": "commit",
    "commit": {
        "rev": "3l3qo2vuowo2b",
        "operation": "create",
        "collection": "app.bsky.feed.post",
        "rkey": "3l3qo2vutsw2b",
        "record": {
            "$type": "app.bsky.feed.post",
            "createdAt": "2024-09-09T19:46:02.102Z",
            "langs": ["it"],
            "text": "L'app di Acme Bank è di nuovo giù",
            "reply": {
                "parent": {"cid": "bafyparent", "uri": f"at://{OTHER}/app.bsky.feed.post/3l3qo2p"},
                "root": {"cid": "bafyroot", "uri": f"at://{OTHER}/app.bsky.feed.post/3l3qo1r"},
            },
        },
        "cid": "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi",
    },
}

# A postView of app.bsky.feed.searchPosts.
VIEW: dict[str, Any] = {
    "uri": f"at://{AUTHOR}/app.bsky.feed.post/3l3qo2vutsw2b",
    "cid": "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi",
    "author": {"did": AUTHOR, "handle": "jane.bsky.social", "displayName": "Jane"},
    "record": {
        "$type": "app.bsky.feed.post",
        "createdAt": "2024-09-09T19:46:02.102Z",
        "langs": ["en"],
        "text": "Acme Bank froze my card #acmebank",
    },
    "replyCount": 2,
    "repostCount": 3,
    "likeCount": 12,
    "quoteCount": 0,
    "indexedAt": "2024-09-09T19:46:03.000Z",
}


def frame(**changes: Any) -> bytes:
    data = orjson.loads(orjson.dumps(FRAME))
    data["commit"]["record"].update(changes)
    return orjson.dumps(data)


def test_a_created_post_naming_a_term_becomes_a_post() -> None:
    event = parse_frame(orjson.dumps(FRAME))
    post = frame_post(event, Selector(["acme bank"], {}))
    assert post is not None
    assert post.id == f"at://{AUTHOR}/app.bsky.feed.post/3l3qo2vutsw2b"
    assert (post.source, post.author_id, post.author_handle) == ("bluesky", AUTHOR, None)
    assert post.created_at == datetime(2024, 9, 9, 19, 46, 2, 102000, tzinfo=UTC)
    assert post.url == f"https://bsky.app/profile/{AUTHOR}/post/3l3qo2vutsw2b"
    assert post.lang == "it" and post.channel is None
    assert post.in_reply_to == f"at://{OTHER}/app.bsky.feed.post/3l3qo2p"
    assert post.author_followers is None and post.likes is None


def test_terms_match_whole_words_whatever_the_case_and_accents_and_tags() -> None:
    selector = Selector(["acme bank", "#itaairways", "banca"], {})
    kept = [
        "ACME   bank outage",
        "viaggio con #ItaAirways",
        "la Bànca non risponde",
    ]
    dropped = ["acmebank outage", "#itaairwaysfan", "bancarotta", ""]
    for text in kept:
        assert selector.names_a_term({"text": text}), text
    for text in dropped:
        assert not selector.names_a_term({"text": text}), text
    # Tags a client attaches beside the text count as hashtags.
    assert selector.names_a_term({"text": "in volo", "tags": ["itaairways"]})


def test_posts_concerning_an_account_are_kept_with_its_channel() -> None:
    selector = Selector(["acme"], {BRAND: "acmechannel", OTHER: None})
    thread = {"parent": {"uri": f"at://{BRAND}/app.bsky.feed.post/1"}, "root": {}}
    mention = [
        {
            "index": {"byteStart": 0, "byteEnd": 5},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": BRAND}],
        }
    ]
    assert selector.keep(BRAND, {"text": "our statement"}) == (True, "acmechannel")
    assert selector.keep(AUTHOR, {"text": "shame on you", "reply": thread}) == (
        True,
        "acmechannel",
    )
    assert selector.keep(AUTHOR, {"text": "@acme.com answer", "facets": mention}) == (
        True,
        "acmechannel",
    )
    assert selector.keep(OTHER, {"text": "hello"}) == (True, None)
    assert selector.keep(AUTHOR, {"text": "nothing to see"}) == (False, None)
    assert selector.keep(AUTHOR, {"text": "acme again"}) == (True, None)


@pytest.mark.parametrize(
    ("operation", "collection"),
    [
        ("update", "app.bsky.feed.post"),
        ("delete", "app.bsky.feed.post"),
        ("create", "app.bsky.feed.like"),
    ],
)
def test_edits_deletions_and_other_collections_are_not_posts(
    operation: str, collection: str
) -> None:
    data = orjson.loads(orjson.dumps(FRAME))
    data["commit"].update(operation=operation, collection=collection)
    if operation == "delete":
        del data["commit"]["record"]
    event = parse_frame(orjson.dumps(data))
    assert event.operation == operation
    assert frame_post(event, Selector(["acme bank"], {})) is None


def test_identity_and_account_frames() -> None:
    identity = parse_frame(
        orjson.dumps(
            {
                "did": AUTHOR,
                "time_us": 1725516665333808,
                "kind": "identity",
                "identity": {
                    "did": AUTHOR,
                    "handle": "jane.example.com",
                    "seq": 1409753013,
                    "time": "2024-09-05T06:11:04.870Z",
                },
            }
        )
    )
    assert (identity.kind, identity.handle) == ("identity", "jane.example.com")
    account = parse_frame(
        orjson.dumps(
            {
                "did": AUTHOR,
                "time_us": 1725516665333809,
                "kind": "account",
                "account": {"active": True, "did": AUTHOR, "seq": 1409753014},
            }
        )
    )
    assert account.kind == "account" and frame_post(account, Selector(["acme"], {})) is None


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b'{"did": "did:plc:x", "kind": "commit"}',
        b'{"did": "did:plc:x", "time_us": true, "kind": "commit"}',
        b'{"did": "did:plc:x", "time_us": 5, "kind": "commit", "commit": {"operation": "create"}}',
        orjson.dumps({**FRAME, "commit": {**FRAME["commit"], "record": None}}),
        orjson.dumps({**FRAME, "did": 12}),
    ],
)
def test_malformed_frames_raise_what_the_reader_counts(raw: bytes) -> None:
    with pytest.raises(ITEM_ERRORS):
        parse_frame(raw)


def test_a_record_that_cannot_be_a_post_raises_and_an_odd_date_falls_back() -> None:
    selector = Selector(["acme"], {})
    assert frame_post(parse_frame(frame(text=None)), selector) is None  # names nothing
    with pytest.raises(ITEM_ERRORS):  # kept for its author, yet without a text
        frame_post(parse_frame(frame(text=None)), Selector([], {AUTHOR: None}))
    with pytest.raises(ITEM_ERRORS):
        frame_post(parse_frame(frame(text="acme", reply={"parent": {"uri": "nope"}})), selector)
    post = frame_post(parse_frame(frame(text="acme", createdAt="yesterday")), selector)
    assert post is not None  # dated when Jetstream saw it
    assert post.created_at == datetime.fromtimestamp(1725911162.329308, UTC)


def test_search_post_view() -> None:
    post = view_post(VIEW, Selector(["acme bank"], {}))
    assert post is not None
    assert post.id == f"at://{AUTHOR}/app.bsky.feed.post/3l3qo2vutsw2b"  # as from the stream
    assert post.author_handle == "@jane.bsky.social" and post.author_followers is None
    assert post.url == "https://bsky.app/profile/jane.bsky.social/post/3l3qo2vutsw2b"
    assert (post.likes, post.shares, post.lang, post.in_reply_to) == (12, 3, "en", None)
    invalid = {**VIEW, "author": {**VIEW["author"], "handle": "handle.invalid"}}
    unnamed = view_post(invalid, Selector(["acme bank"], {}))
    assert unnamed is not None and unnamed.author_handle is None
    assert view_post(VIEW, Selector(["globex"], {})) is None  # search found it; it is not kept
    with pytest.raises(ITEM_ERRORS):
        view_post({**VIEW, "author": {"did": OTHER}}, Selector(["acme"], {}))
    with pytest.raises(ITEM_ERRORS):
        view_post({**VIEW, "uri": "https://bsky.app/x"}, Selector(["acme"], {}))


def test_uris_times_queries_and_walk_positions() -> None:
    assert split_uri(f"at://{AUTHOR}/app.bsky.feed.post/abc") == (
        AUTHOR,
        "app.bsky.feed.post",
        "abc",
    )
    assert iso_us(1725911162329308) == "2024-09-09T19:46:02.329Z"
    assert search_query("acme bank") == '"acme bank"' and search_query("#acme") == "#acme"
    terms = ("acme", "globex")
    at = WalkAt(1, "200")
    assert WalkAt.load(at.dump(terms), terms) == at
    assert WalkAt.load(at.dump(terms), ("acme",)) == WalkAt(0)  # term gone: start over
    assert WalkAt.load(None, terms) == WalkAt(0)
    assert WalkAt.load("{broken", terms) == WalkAt(0)


def write(directory: Path, text: str) -> Path:
    (directory / "sky.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def problems(directory: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_connectors(directory)
    return "\n".join(str(issue) for issue in caught.value.issues)


def test_config_loads_with_defaults_and_normalised_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_BSKY_PASSWORD", "abcd-efgh-ijkl-mnop")
    write(
        tmp_path,
        f"""
        kind: bluesky
        terms: ["acme  bank", "#acme"]
        accounts: {{"{BRAND}": acme, "{OTHER}": null}}
        jetstream: [wss://jetstream1.us-west.bsky.network, "ws://127.0.0.1:9/subscribe/"]
        identifier: listener.bsky.social
        app_password_env: TEST_BSKY_PASSWORD
        rewind: 2s
        """,
    )
    (instance,) = load_connectors(tmp_path)
    config = instance.config
    assert isinstance(config, BlueskyConfig)
    assert config.terms == ("acme bank", "#acme")
    assert config.accounts == {BRAND: "acme", OTHER: None}
    assert config.jetstream == (
        "wss://jetstream1.us-west.bsky.network/subscribe",
        "ws://127.0.0.1:9/subscribe",
    )
    assert config.logged_in and config.rewind == 2.0 and config.stream
    assert "abcd-efgh" not in repr(config)
    assert config.appview_url == "https://public.api.bsky.app" and config.followers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kind: bluesky\n", "needs terms, accounts or both"),
        ("kind: bluesky\naccounts: {'@acme.bsky.social': x}\n", "is not a DID"),
        ("kind: bluesky\naccounts: {'did:plc:ABC': x}\n", "is not a DID"),
        (
            "kind: bluesky\naccounts: {'did:plc:z72i7hdynmk6r22z27h6tvur': x}\nstream: false\n",
            "stream: false needs terms",
        ),
        ("kind: bluesky\nterms: [acme]\nidentifier: me.bsky.social\n", "go together"),
        ("kind: bluesky\nterms: [acme]\njetstream: [https://x.example]\n", "ws://"),
        ("kind: bluesky\nterms: ['#']\n", "must hold a word"),
        ("kind: bluesky\nterms: [acme]\napp_password_env: hunter2\n", "NAME of an environment"),
    ],
)
def test_config_mistakes_are_reported(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in problems(write(tmp_path, text))


def test_the_stream_asks_for_posts_and_filters_by_did_only_without_terms() -> None:
    def address(config: dict[str, Any], cursor: int | None) -> dict[str, list[str]]:
        model = BlueskyConfig.model_validate({"kind": "bluesky", **config})
        stream = Stream(model, cast(Any, None), Selector(model.terms, model.accounts), print)
        url = urlsplit(stream.address(cursor))
        assert f"{url.scheme}://{url.netloc}{url.path}" == model.jetstream[0]
        return parse_qs(url.query)

    accounts = {BRAND: "acme", OTHER: None}
    both = address({"terms": ["acme"], "accounts": accounts}, 1725911162329308)
    assert both == {"wantedCollections": ["app.bsky.feed.post"], "cursor": ["1725911162329308"]}
    only = address({"accounts": accounts}, None)
    assert only == {"wantedCollections": ["app.bsky.feed.post"], "wantedDids": [BRAND, OTHER]}
