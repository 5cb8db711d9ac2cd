"""The worker's app builds its enricher while its consumer joins the group: begun as the
app first starts, not while the app is being made (the two would share one interpreter
lock, and making the app is on the way to the join)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from listener.app import make_app
from listener.rules.files.loader import load_rules
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_enricher_is_built_as_the_app_first_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    began = threading.Event()
    built = object()

    def build(rules: Any) -> Any:
        began.set()
        return built

    monkeypatch.setattr("listener.app.build_enricher", build)
    settings = Settings(rules_dir=ROOT / "rules", partitions=2, data_dir=tmp_path)
    app = make_app(settings, load_rules(settings.rules_dir), "127.0.0.1:1")
    assert not began.wait(0.2)
    asyncio.run(app.on_first_start())
    assert began.wait(10)
    assert app.pipeline.scoring.enricher.ready() is built
