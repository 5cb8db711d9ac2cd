"""Integration tests run the real thing: the embedded broker, worker processes, rules."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from listener.broker.tansu import EmbeddedBroker
from listener.replay.scenarios import generate_calm_day, generate_intesa, write_jsonl
from listener.rules.files.loader import load_rules
from listener.rules.ruleset import RuleSet
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules(ROOT / "rules")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(rules_dir=ROOT / "rules", partitions=4, data_dir=tmp_path)


@pytest.fixture(scope="session")
def intesa_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenarios") / "intesa.jsonl"
    write_jsonl(generate_intesa(), path)
    return path


@pytest.fixture(scope="session")
def calm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenarios") / "calm.jsonl"
    write_jsonl(generate_calm_day(), path)
    return path


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """One embedded broker per test module; tests keep apart by topic prefix."""
    embedded = EmbeddedBroker()
    asyncio.run(embedded.start())
    yield embedded
    asyncio.run(embedded.stop())


@pytest.fixture
def kafka_settings(broker: EmbeddedBroker) -> Settings:
    """Settings on the module's broker with topics of this test's own."""
    return Settings(
        kafka_bootstrap=broker.bootstrap, topic_prefix=f"t{uuid.uuid4().hex[:8]}", partitions=2
    )
