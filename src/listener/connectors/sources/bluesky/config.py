"""connectors/<name>.yaml for ``kind: bluesky``."""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, Field, model_validator

from listener.connectors.config import (
    BaseUrl,
    Budget,
    Duration,
    EnvSecret,
    MaxMessageBytes,
    NonEmpty,
    SourceConfig,
    budget,
)
from listener.validation import matching

#: A DID as atproto has them: did:plc (24 base32 characters) or did:web (a host name).
_DID: Final = re.compile(r"^did:(?:plc:[a-z2-7]{24}|web:[A-Za-z0-9.%-]+)$")
_WS_URL: Final = re.compile(r"^wss?://[^/\s?#]+(/[^\s?#]*)?$")
#: Jetstream accepts at most this many wantedDids.
MAX_DIDS: Final = 10_000
PUBLIC_JETSTREAMS: Final = (
    "wss://jetstream2.us-east.bsky.network/subscribe",
    "wss://jetstream1.us-east.bsky.network/subscribe",
)


def _ws_url(value: str) -> str:
    if not _WS_URL.match(value):
        raise ValueError(f"{value!r} is not a ws:// or wss:// URL")
    value = value.rstrip("/")
    # A bare host means the instance's usual endpoint.
    return value if value.count("/") > 2 else f"{value}/subscribe"


def _term(value: str) -> str:
    term = " ".join(value.split())
    if not term or term in ("#", "@"):
        raise ValueError('a term must hold a word, such as "intesa sanpaolo" or "#itaairways"')
    return term


Did = Annotated[
    str,
    matching(
        _DID,
        'a DID such as "did:plc:ewvi7nxzyoun6zhxrhs64oiz" '
        "(a profile's DID, not its handle: handles change, DIDs do not)",
    ),
]
WebSocketUrl = Annotated[str, AfterValidator(_ws_url)]
Term = Annotated[str, AfterValidator(_term)]


class BlueskyConfig(SourceConfig):
    """Posts about the brands on Bluesky: one lane, live on Jetstream, backfilled by search.

    Jetstream sends every new post of the network; the connector keeps those that name one
    of ``terms`` (whole words, case and accents ignored, as rules/brands.yaml matches) or
    concern one of ``accounts`` (written by it, replying in its threads, mentioning it).
    """

    kind: Literal["bluesky"]
    #: Words, phrases, #hashtags or @handles to listen for; each is also a search query.
    terms: tuple[Term, ...] = ()
    #: The brand's own accounts by DID, each with the channel given to the posts concerning
    #: it (list that channel under the brand's ``channels`` so replies count for the brand);
    #: null for none.
    accounts: dict[Did, NonEmpty | None] = Field(default_factory=dict)
    #: Listen on Jetstream; False only searches, every ``poll_interval``.
    stream: bool = True
    #: Jetstream instances, tried in turn when one fails.
    jetstream: tuple[WebSocketUrl, ...] = Field(default=PUBLIC_JETSTREAMS, min_length=1)
    #: The AppView answering searches and profiles when not logged in.
    appview_url: BaseUrl = "https://public.api.bsky.app"
    #: Where an account logs in (its PDS, or the bsky.social entryway); once logged in, every
    #: request goes there and it forwards them to the AppView.
    service_url: BaseUrl = "https://bsky.social"
    #: The handle (or DID) of the account that searches, with an app password.
    identifier: NonEmpty | None = None
    app_password: EnvSecret | None = Field(default=None, alias="app_password_env")
    #: Look up the authors' profiles (handle and followers), cached for an hour.
    followers: bool = True
    #: A reconnecting stream starts this long before its cursor; the overlap is dropped.
    rewind: Duration = Field(default=5.0, ge=0, le=300)
    #: Stream posts are gathered this long into one page.
    batch: Duration = Field(default=1.0, gt=0)
    #: A stream silent this long is dropped (the network never is); not applied when only
    #: ``accounts`` are watched, since their stream is filtered and may be quiet for hours.
    stream_timeout: Duration = Field(default=60.0, gt=0)
    #: Largest message of the stream accepted; a larger one drops the stream.
    max_message_bytes: MaxMessageBytes = 1024 * 1024
    poll_interval: Duration = Field(default=120.0, gt=0)
    #: The AppView allows 3,000 requests per 5 minutes per address.
    budget: Budget | None = budget(300, "5m")

    @model_validator(mode="after")
    def _coherent(self) -> BlueskyConfig:
        if not self.terms and not self.accounts:
            raise ValueError("needs terms, accounts or both: nothing would be kept")
        if not self.stream and not self.terms:
            raise ValueError("stream: false needs terms: search looks for terms only")
        if len(self.accounts) > MAX_DIDS:
            raise ValueError(f"at most {MAX_DIDS} accounts (Jetstream's limit)")
        if (self.identifier is None) != (self.app_password is None):
            raise ValueError("identifier and app_password_env go together")
        return self

    @property
    def logged_in(self) -> bool:
        return self.app_password is not None and bool(self.app_password.get_secret_value())
