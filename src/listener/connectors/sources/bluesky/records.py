"""Bluesky's payloads turned into posts: Jetstream frames and the AppView's postViews.

A post's id is its AT URI, ``at://<author DID>/app.bsky.feed.post/<rkey>``, whichever way
it arrived: Jetstream names the DID and the rkey, search results give the URI itself, so a
post seen by both is one post (and is published once).

What is kept is decided here too (:class:`Selector`), the same way for the stream and for
search: a post that names one of the instance's terms, or that concerns one of its
accounts (written by it, replying in one of its threads, or mentioning it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from listener.connectors.posts import from_iso, make_post
from listener.enrich.brands import BrandMatcher, BrandTerms
from listener.records import Post

SOURCE: Final = "bluesky"
POST: Final = "app.bsky.feed.post"
_MENTION: Final = "app.bsky.richtext.facet#mention"
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST}/{rkey}"


def split_uri(uri: object) -> tuple[str, str, str]:
    """(authority, collection, rkey) of an AT URI; ValueError for anything else."""
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise ValueError(f"not an AT URI: {uri!r}")
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"not the AT URI of a record: {uri!r}")
    return parts[0], parts[1], parts[2]


def web_url(author: str, rkey: str) -> str:
    """The post on bsky.app; ``author`` is a handle or a DID (both work there)."""
    return f"https://bsky.app/profile/{author}/post/{rkey}"


def from_us(time_us: int) -> datetime:
    return datetime.fromtimestamp(time_us / 1_000_000, UTC)


def iso_us(time_us: int) -> str:
    """A Jetstream time as searchPosts wants its ``since`` and ``until``."""
    return from_us(time_us).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Event:
    """One Jetstream frame. ``record`` is the post of a commit that creates one."""

    time_us: int
    kind: str
    did: str
    operation: str | None = None
    collection: str | None = None
    rkey: str | None = None
    record: Mapping[str, Any] | None = None
    handle: str | None = None


def parse_frame(data: str | bytes) -> Event:
    """A Jetstream frame; ValueError (or KeyError, TypeError) when it is not one."""
    try:
        frame = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(frame, dict):
        raise TypeError("a frame is a JSON object")
    time_us, kind, did = frame["time_us"], frame["kind"], frame["did"]
    if isinstance(time_us, bool) or not isinstance(time_us, int) or time_us <= 0:
        raise ValueError(f"time_us {time_us!r} is not a time in microseconds")
    if not isinstance(kind, str) or not isinstance(did, str) or not did.startswith("did:"):
        raise ValueError("kind or did missing")
    if kind == "identity":
        identity = frame.get("identity")
        handle = identity.get("handle") if isinstance(identity, dict) else None
        return Event(time_us, kind, did, handle=handle if isinstance(handle, str) else None)
    if kind != "commit":
        return Event(time_us, kind, did)
    commit = frame["commit"]
    operation, collection, rkey = commit["operation"], commit["collection"], commit["rkey"]
    if not all(isinstance(value, str) for value in (operation, collection, rkey)):
        raise ValueError("commit without operation, collection or rkey")
    record = commit.get("record") if operation != "delete" else None
    if operation == "create" and collection == POST and not isinstance(record, dict):
        raise ValueError("a created post without its record")
    return Event(time_us, kind, did, operation, collection, rkey, record)


class Selector:
    """Which posts an instance keeps, and the channel a kept post gets.

    Terms are matched by the matcher the scoring agent uses for rules/brands.yaml: whole
    words, case and accents ignored; ``#tag`` and ``@handle`` terms as hashtags and handles.
    The text searched is the post's text and its tags (those a client attaches beside it).
    """

    def __init__(self, terms: Sequence[str], accounts: Mapping[str, str | None]) -> None:
        self.accounts = accounts
        self._matcher = BrandMatcher(
            [
                BrandTerms(
                    "terms",
                    terms=tuple(t for t in terms if t[0] not in "#@"),
                    hashtags=tuple(t for t in terms if t.startswith("#")),
                    handles=tuple(t for t in terms if t.startswith("@")),
                )
            ]
        )

    def names_a_term(self, record: Mapping[str, Any]) -> bool:
        text = record.get("text")
        words = [text] if isinstance(text, str) else []
        tags = record.get("tags")
        if isinstance(tags, list):
            words.extend(f"#{tag}" for tag in tags if isinstance(tag, str))
        if not words:
            return False
        probe = Post(id="-", source=SOURCE, created_at=_EPOCH, text=" ".join(words), author_id="-")
        return bool(self._matcher.match(probe))

    def account(self, did: str, record: Mapping[str, Any]) -> str | None:
        """The watched account ``record`` (written by ``did``) concerns, if any."""
        if did in self.accounts:
            return did
        for did_in_thread in _thread_dids(record):
            if did_in_thread in self.accounts:
                return did_in_thread
        for mentioned in _mentioned_dids(record):
            if mentioned in self.accounts:
                return mentioned
        return None

    def keep(self, did: str, record: Mapping[str, Any]) -> tuple[bool, str | None]:
        """Whether to keep the post, and its channel (from the account it concerns)."""
        account = self.account(did, record) if self.accounts else None
        if account is not None:
            return True, self.accounts[account]
        return self.names_a_term(record), None


def _thread_dids(record: Mapping[str, Any]) -> list[str]:
    """The authors of the post this one answers and of its thread's first post."""
    reply = record.get("reply")
    if not isinstance(reply, dict):
        return []
    found = []
    for end in ("parent", "root"):
        ref = reply.get(end)
        uri = ref.get("uri") if isinstance(ref, dict) else None
        if isinstance(uri, str) and uri.startswith("at://"):
            found.append(uri.removeprefix("at://").split("/", 1)[0])
    return found


def _mentioned_dids(record: Mapping[str, Any]) -> list[str]:
    facets = record.get("facets")
    if not isinstance(facets, list):
        return []
    found = []
    for facet in facets:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else ():
            if isinstance(feature, dict) and feature.get("$type") == _MENTION:
                did = feature.get("did")
                if isinstance(did, str):
                    found.append(did)
    return found


def _parent_uri(record: Mapping[str, Any]) -> str | None:
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    uri = parent.get("uri") if isinstance(parent, dict) else None
    if uri is None:
        return None
    split_uri(uri)  # a reply pointing at something that is not a record is malformed
    return str(uri)


def _created(record: Mapping[str, Any], fallback: datetime) -> datetime:
    """``createdAt``, as the author's client wrote it; when it cannot be read, the time the
    network saw the post (a post is not lost for a client's odd timestamp)."""
    try:
        return from_iso(record.get("createdAt"))
    except ValueError:
        return fallback


def _lang(record: Mapping[str, Any]) -> str | None:
    langs = record.get("langs")
    if isinstance(langs, list) and langs and isinstance(langs[0], str) and langs[0]:
        return langs[0]
    return None


def record_post(
    did: str,
    rkey: str,
    record: Mapping[str, Any],
    *,
    seen_at: datetime,
    channel: str | None = None,
    handle: str | None = None,
    counts: Mapping[str, Any] | None = None,
) -> Post:
    """A post record (from a frame or a postView) as a post."""
    text = record["text"]
    if not isinstance(text, str):
        raise TypeError("text is not a string")
    counts = counts or {}
    return make_post(
        id=post_uri(did, rkey),
        source=SOURCE,
        created_at=_created(record, seen_at),
        text=text,
        author_id=did,
        author_handle=f"@{handle}" if handle else None,
        url=web_url(handle or did, rkey),
        lang=_lang(record),
        in_reply_to=_parent_uri(record),
        channel=channel,
        likes=counts.get("likeCount"),
        shares=counts.get("repostCount"),
    )


def frame_post(event: Event, selector: Selector) -> Post | None:
    """The post a frame creates, if it is one the instance keeps; None for anything else
    (other kinds, other collections, deletions, and edits, which change nothing published).
    """
    if event.operation != "create" or event.collection != POST or event.record is None:
        return None
    assert event.rkey is not None
    keep, channel = selector.keep(event.did, event.record)
    if not keep:
        return None
    return record_post(
        event.did, event.rkey, event.record, seen_at=from_us(event.time_us), channel=channel
    )


def view_post(view: Any, selector: Selector) -> Post | None:
    """A postView of searchPosts as a post, if the instance keeps it."""
    did, collection, rkey = split_uri(view["uri"])
    author = view["author"]
    if author["did"] != did or collection != POST:
        raise ValueError(f"{view['uri']} is not a post by {author['did']}")
    record = view["record"]
    if not isinstance(record, dict):
        raise TypeError("record is not an object")
    keep, channel = selector.keep(did, record)
    if not keep:
        return None
    handle = author.get("handle")
    indexed = view.get("indexedAt")
    seen_at = from_iso(indexed) if isinstance(indexed, str) else datetime.now(UTC)
    return record_post(
        did,
        rkey,
        record,
        seen_at=seen_at,
        channel=channel,
        handle=handle if isinstance(handle, str) and handle != "handle.invalid" else None,
        counts=view,
    )
