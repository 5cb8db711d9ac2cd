"""The ingest endpoint served by the connectors process: bearer token, one post or an array,
bad posts refused with their reasons and nothing published, size limits, and a 503 with
Retry-After when the broker cannot take the posts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from listener.broker.tansu import free_port
from listener.broker.topics import TopicNames
from listener.connectors import connectors_running, load_connectors
from listener.connectors.base import EndpointContext
from listener.connectors.runtime.metrics import ConnectorMetrics
from listener.connectors.sources.webhook.config import WebhookConfig
from listener.connectors.sources.webhook.endpoint import ingest_app
from listener.connectors.testing import LocalServer, raw_messages, raw_posts, until_listening
from listener.errors import BrokerError
from listener.records import Post
from listener.settings import Settings

TOKEN = "k7f2-test-token"


def post(n: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"hook-{n}",
        "source": "crm",
        "created_at": "2017-10-03T16:31:47+02:00",
        "text": f"Acme ticket {n}",
        "author_id": f"customer-{n}",
        "likes": 0,
    }
    data.update(changes)
    return data


@pytest.fixture
def settings(kafka_settings: Settings) -> Settings:
    return kafka_settings


def write(tmp_path: Path, port: int) -> Path:
    (tmp_path / "ingest.yaml").write_text(
        f"kind: webhook\nport: {port}\ntoken_env: TEST_INGEST_TOKEN\nmax_bytes: 65536\n"
    )
    return tmp_path


async def test_posts_in_and_bad_ones_refused_with_reasons(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_INGEST_TOKEN", TOKEN)
    port = free_port()
    registry = CollectorRegistry()
    url = f"http://127.0.0.1:{port}/ingest"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    instances = load_connectors(write(tmp_path, port))
    async with (
        connectors_running(settings, instances, registry),
        httpx.AsyncClient(timeout=5) as client,
    ):
        await until_listening(url)
        assert (await client.post(url, json=post(0))).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        refused = await client.post(url, json=post(0), headers=wrong)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
        one = await client.post(url, json=post(1), headers=auth)
        assert one.status_code == 200 and one.json() == {"accepted": 1}
        three = await client.post(url, json=[post(2), post(3), post(4)], headers=auth)
        assert three.json() == {"accepted": 3}
        bad = [post(5), {**post(6), "id": None}, post(7), post(8, created_at="2017-10-03 16:31")]
        answer = await client.post(url, json=bad, headers=auth)
        assert answer.status_code == 422
        assert answer.json() == {
            "accepted": 0,
            "errors": [
                {"index": 1, "reason": "missing_field", "detail": "id is required"},
                {
                    "index": 3,
                    "reason": "bad_timestamp",
                    "detail": "created_at '2017-10-03 16:31' has no UTC offset",
                },
            ],
        }
        garbage = await client.post(url, content=b"{nope", headers=auth)
        assert garbage.status_code == 400 and garbage.json()["error"] == "invalid_json"
        huge = await client.post(url, json=post(9, text="x" * 70_000), headers=auth)
        assert huge.status_code == 413
        many = await client.post(url, json=[{}] * 1001, headers=auth)
        assert many.status_code == 413 and many.json()["detail"] == "1001 posts, at most 1000"
    names = TopicNames.for_settings(settings)
    posts = await raw_posts(settings.kafka_bootstrap, names.raw)
    assert sorted(p.id for p in posts) == ["hook-1", "hook-2", "hook-3", "hook-4"]
    assert [key for key, _ in await raw_messages(settings.kafka_bootstrap, names.raw)] == [
        b"ingest",
        b"ingest",
    ]

    def value(name: str, **labels: str) -> float:
        return registry.get_sample_value(name, {"connector": "ingest", **labels}) or 0.0

    assert value("listener_connector_posts_fetched_total", kind="webhook") == 4
    assert value("listener_connector_errors_total", error="unauthorized") == 2
    assert value("listener_connector_errors_total", error="invalid_post") == 2
    assert value("listener_connector_errors_total", error="too_large") == 2
    assert value("listener_connector_requests_total", outcome="ok") == 2


async def test_a_broker_that_cannot_take_posts_gives_503_with_retry_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_INGEST_TOKEN", TOKEN)
    config = WebhookConfig.model_validate(
        {"kind": "webhook", "port": 1, "token_env": "TEST_INGEST_TOKEN"}
    )

    async def unreachable(key: str, posts: Sequence[Post]) -> None:
        raise BrokerError("cannot publish: the broker is down")

    report = ConnectorMetrics.create(CollectorRegistry()).report("ingest", "webhook")
    app = ingest_app(config, EndpointContext("ingest", report, unreachable))
    async with LocalServer(app) as server, httpx.AsyncClient() as client:
        answer = await client.post(
            f"{server.url}/ingest", json=post(1), headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
