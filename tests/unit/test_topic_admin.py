"""Topic creation: each topic with its configs; a cluster that refuses
``min.insync.replicas`` gets the topic without it, any other refusal is an error. A
stand-in admin plays the cluster's answers (the embedded broker accepts every config)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from listener.broker import admin as topic_admin
from listener.errors import BrokerError


class RefusingAdmin:
    """Answers CreateTopics as a cluster whose policy refuses some configs."""

    def __init__(self, refuse: dict[str, int]) -> None:
        self.refuse = refuse
        self.created: dict[str, dict[str, str]] = {}

    async def create_topics(self, topics: list[Any]) -> Any:
        errors = []
        for topic in topics:
            config = dict(topic.topic_configs)
            code = next((c for key, c in self.refuse.items() if key in config), 0)
            if code == 0:
                self.created[topic.name] = config
            errors.append((topic.name, code, "refused" if code else None))
        return SimpleNamespace(topic_errors=errors)


async def test_a_refused_min_insync_is_dropped_and_the_rest_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = RefusingAdmin({"min.insync.replicas": 40})
    wanted = {
        "p.window-snapshots": {"cleanup.policy": "compact", "min.insync.replicas": "2"},
        "p.posts.raw": {"retention.ms": "1000", "min.insync.replicas": "2"},
    }
    await topic_admin._create(admin, wanted, 4, 3)
    assert admin.created == {
        "p.window-snapshots": {"cleanup.policy": "compact"},
        "p.posts.raw": {"retention.ms": "1000"},
    }
    assert "refused min.insync.replicas" in caplog.text


async def test_a_topic_created_meanwhile_is_fine_and_another_refusal_is_an_error() -> None:
    admin = RefusingAdmin({"cleanup.policy": 44})
    await topic_admin._create(admin, {"p.alerts": {}}, 1, 1)
    with pytest.raises(BrokerError, match=r"p\.window-snapshots: error 44"):
        await topic_admin._create(
            admin, {"p.window-snapshots": {"cleanup.policy": "compact"}}, 1, 1
        )

    class Racing(RefusingAdmin):
        async def create_topics(self, topics: list[Any]) -> Any:
            return SimpleNamespace(
                topic_errors=[(t.name, topic_admin.TOPIC_EXISTS, "exists") for t in topics]
            )

    await topic_admin._create(Racing({}), {"p.alerts": {}}, 1, 1)
