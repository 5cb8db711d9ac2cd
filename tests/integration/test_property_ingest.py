"""Property tests of the ingest endpoint over real HTTP: any body (bytes that are not UTF-8,
JSON of any shape and depth, posts with any values, dates at the extremes, markup and
mentions) and any Authorization header get a clear answer, never a server error; only a
200 publishes, and then every post of the request, each once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from listener.connectors.base import EndpointContext
from listener.connectors.runtime.metrics import ConnectorMetrics
from listener.connectors.sources.webhook.config import WebhookConfig
from listener.connectors.sources.webhook.endpoint import bearer_token, ingest_app
from listener.connectors.testing import LocalServer
from listener.records import Post

TOKEN = "prop-ingest-token-1234"
#: The answers a sender may get for what it sent: never a 5xx while the broker is up.
CLEAR = {200, 400, 401, 413, 422}


class Served:
    """The endpoint on its own event loop in a thread, so synchronous property tests can
    send it requests; ``published`` holds what it handed to the broker."""

    def __init__(self) -> None:
        self.published: list[Post] = []
        self.url = ""
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        # Every request comes from one address and most are refused: the hold-off of a
        # client refused too often (tested in test_connectors_limits.py) is set out of reach.
        config = WebhookConfig.model_validate(
            {
                "kind": "webhook",
                "port": 1,
                "token_env": "PROP_INGEST_TOKEN",
                "max_bytes": 262144,
                "client_failures": {"requests": 1_000_000, "per": "1m"},
            }
        )

        async def publish(key: str, posts: Sequence[Post]) -> None:
            self.published.extend(posts)

        report = ConnectorMetrics.create(CollectorRegistry()).report("ingest", "webhook")
        app = ingest_app(config, EndpointContext("ingest", report, publish))
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with LocalServer(app) as server:
            self.url = f"{server.url}/ingest"
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> Served:
        self._thread.start()
        assert self._ready.wait(10), "the endpoint did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    mp = pytest.MonkeyPatch()
    mp.setenv("PROP_INGEST_TOKEN", TOKEN)
    try:
        with Served() as endpoint:
            yield endpoint
    finally:
        mp.undo()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
extreme_dates = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
).map(lambda d: d.isoformat())
recent_dates = st.integers(min_value=0, max_value=3 * 86_400).map(
    lambda s: (datetime.now(UTC) - timedelta(seconds=s)).isoformat()
)
texts = st.text(max_size=200) | st.sampled_from(
    ["<script>alert(1)</script> @acme", "*bold* <@U123> <!channel> &amp;", "\u202eevil", ""]
)


@st.composite
def posts(draw: st.DrawFn) -> dict[str, Any]:
    post: dict[str, Any] = {
        "id": draw(st.text(min_size=1, max_size=12)),
        "source": draw(st.sampled_from(["crm", "x", "Bad Source", "", "a" * 40])),
        "created_at": draw(recent_dates | extreme_dates | json_values),
        "text": draw(texts),
        "author_id": draw(st.text(max_size=12)),
    }
    for name in draw(st.sets(st.sampled_from(["likes", "shares", "author_followers", "lang"]))):
        post[name] = draw(json_values | st.integers(min_value=-5, max_value=10**12))
    return post


bodies = (
    st.binary(max_size=300)
    | json_values.map(orjson.dumps)
    | posts().map(orjson.dumps)
    | st.lists(posts(), max_size=6).map(orjson.dumps)
)
headers = st.sampled_from(
    [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER  {TOKEN}", "Bearer", "Basic abc", ""]
) | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40).map(str.strip)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies, authorization=headers)
@example(body=b"[" * 5000 + b"]" * 5000, authorization=f"Bearer {TOKEN}")
@example(body=b"\xff\xfe\x00{", authorization=f"Bearer {TOKEN}")
@example(body=orjson.dumps({"text": "x" * 300_000}), authorization=f"Bearer {TOKEN}")
def test_any_request_gets_a_clear_answer_and_only_a_200_publishes(
    served: Served, body: bytes, authorization: str
) -> None:
    before = len(served.published)
    sent = {"Authorization": authorization, "Content-Type": "application/json"}
    answer = httpx.post(served.url, content=body, headers=sent, timeout=10)
    assert answer.status_code in CLEAR, (answer.status_code, answer.text[:200])
    reply = answer.json()
    published = served.published[before:]
    if answer.status_code == 200:
        items = orjson.loads(body)
        count = len(items) if isinstance(items, list) else 1
        assert reply == {"accepted": count} and len(published) == count
        assert bearer_token(authorization) == TOKEN
    else:
        assert published == [] and reply["accepted"] == 0
    if answer.status_code == 422:
        items = orjson.loads(body)
        count = len(items) if isinstance(items, list) else 1
        assert reply["errors"] and all(0 <= e["index"] < count for e in reply["errors"])
        assert all(e["reason"] and isinstance(e["detail"], str) for e in reply["errors"])
    # The token decides who may send, whatever the case of its scheme.
    assert (answer.status_code == 401) == (bearer_token(authorization) != TOKEN)


@given(
    scheme=st.sampled_from(["Bearer", "bearer", "BEARER", "bEaReR"]), pad=st.text(" ", max_size=2)
)
def test_the_bearer_scheme_is_read_whatever_its_case(scheme: str, pad: str) -> None:
    assert bearer_token(f"{pad}{scheme} {TOKEN}{pad}") == TOKEN
    assert bearer_token(f"Basic {TOKEN}") is None
    assert bearer_token(scheme) is None
