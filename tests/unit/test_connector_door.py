"""An endpoint's gate: connections counted in all and per client, and a client refused
too often held off for the rest of its window while others are let in."""

from __future__ import annotations

import time

import pytest
from prometheus_client import CollectorRegistry

from listener.connectors.config import EndpointConfig
from listener.connectors.runtime.metrics import ConnectorMetrics
from listener.connectors.wire.door import Gate


def gate(**limits: object) -> tuple[Gate, CollectorRegistry]:
    config = EndpointConfig.model_validate({"kind": "webhook", "port": 8088, **limits})
    registry = CollectorRegistry()
    report = ConnectorMetrics.create(registry).report("ingest", "webhook")
    return Gate("ingest", config, report), registry


def errors(registry: CollectorRegistry, error: str) -> float:
    labels = {"connector": "ingest", "error": error}
    return registry.get_sample_value("listener_connector_errors_total", labels) or 0.0


def test_connections_are_limited_in_all_and_per_client() -> None:
    door, registry = gate(max_connections=5, max_connections_per_client=3)
    assert [door.admit("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert [door.admit("10.0.0.2") for _ in range(3)] == [True, True, False]
    assert errors(registry, "too_many_connections") == 2
    door.release("10.0.0.1")
    assert door.admit("10.0.0.3")
    assert not door.admit("10.0.0.4")  # five open again
    for _ in range(2):
        door.release("10.0.0.2")
    assert door.admit("10.0.0.4") and door.total == 4
    assert dict(door.open) == {"10.0.0.1": 2, "10.0.0.3": 1, "10.0.0.4": 1}


def test_a_client_refused_too_often_waits_for_its_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    door, registry = gate(client_failures={"requests": 3, "per": "1s"})
    for _ in range(2):
        door.failed("10.0.0.1")
    assert door.blocked_for("10.0.0.1") == 0 and door.admit("10.0.0.1")
    door.failed("10.0.0.1")
    assert 0.9 < door.blocked_for("10.0.0.1") <= 1.0
    assert not door.admit("10.0.0.1")
    assert door.admit("10.0.0.2")  # others are not held off
    assert errors(registry, "client_blocked") == 1
    door.failed("10.0.0.1")  # a connection let in before the block timed out
    assert [r.getMessage() for r in caplog.records] == [
        "ingest: 10.0.0.1 refused 3 times within 1s; refusing it for 1s"
    ]


def test_the_block_lifts_when_the_oldest_refusal_leaves_the_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    door, _ = gate(client_failures={"requests": 2, "per": "10s"})
    door.failed("10.0.0.1")
    now[0] += 6
    door.failed("10.0.0.1")
    assert door.blocked_for("10.0.0.1") == pytest.approx(4.0)
    now[0] += 4.5
    assert door.blocked_for("10.0.0.1") == 0 and door.admit("10.0.0.1")
    door.failed("10.0.0.1")  # the second refusal is still in the window: blocked again
    assert door.blocked_for("10.0.0.1") == pytest.approx(5.5)
