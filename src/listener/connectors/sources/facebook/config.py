"""connectors/<name>.yaml for ``kind: facebook`` (polling) and ``kind: facebook-webhook``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field

from listener.connectors.config import (
    BaseUrl,
    Budget,
    Duration,
    EndpointConfig,
    EnvSecret,
    NonEmpty,
    SourceConfig,
    budget,
)
from listener.validation import matching

_PAGE_ID = re.compile(r"^\d{5,20}$")


PageId = Annotated[
    str,
    matching(
        _PAGE_ID,
        "a page id: the number under the page's About, "
        '"Page transparency" (not its name in the address bar)',
    ),
]


class FacebookConfig(SourceConfig):
    """A page's feed and the comments under its recent posts."""

    kind: Literal["facebook"]
    page_id: PageId
    #: A Page access token of the page (Graph API Explorer or Business settings).
    access_token: EnvSecret = Field(alias="access_token_env")
    #: The ``channel`` of the posts: the page's name in rules/brands.yaml ``channels``.
    channel: NonEmpty
    #: Comments are read under the page's posts of this recent past.
    comments_of_last: Duration = Field(default=3 * 86_400.0, gt=0)
    #: At most this many recent posts are swept for comments on each poll.
    max_posts: int = Field(default=25, ge=1, le=100)
    graph_url: BaseUrl = "https://graph.facebook.com/v21.0"
    poll_interval: Duration = Field(default=60.0, gt=0)
    #: Page tokens allow 4,800 calls a day per engaged user; stay modest.
    budget: Budget | None = budget(200, "1h")


class FacebookWebhookConfig(EndpointConfig):
    """The endpoint Facebook calls with changes to subscribed pages' ``feed``."""

    kind: Literal["facebook-webhook"]
    path: str = Field(default="/facebook", pattern=r"^/[\w./-]*$")
    #: The app secret (App settings, Basic): it signs every delivery (X-Hub-Signature-256).
    app_secret: EnvSecret = Field(alias="app_secret_env")
    #: Any string you choose, typed again in the app's Webhooks settings.
    verify_token: EnvSecret = Field(alias="verify_token_env")
    #: The ``channel`` of each subscribed page's posts, by page id.
    channels: Mapping[PageId, NonEmpty] = Field(min_length=1)
