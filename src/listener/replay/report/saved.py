"""A run's output saved beside its report (``run.json``), so ``listener report`` can draw
the page again later, in another time zone, without replaying anything."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import orjson

from listener.errors import ScenarioError
from listener.incidents.lifecycle.actions import Notify
from listener.records import Alert
from listener.replay.report.model import Produced

#: The file name of a saved run, in the run's report directory.
SAVED: Final = "run.json"
VERSION: Final = 1
#: The figures of a judged window the report draws; a saved run keeps only these (a
#: window record holds some forty).
DRAWN: Final = (
    "volume", "volume_baseline", "unknown", "negative_share", "mean_sentiment",
    "minutes_since_brand_post",
)  # fmt: skip


def slim(record: Mapping[str, Any]) -> dict[str, Any]:
    """A judged window with only what the report reads."""
    windows = {
        size: {name: figures[name] for name in DRAWN if name in figures}
        for size, figures in record["windows"].items()
    }
    return {
        "brand": record["brand"], "end": record["end"],
        "wave_since": record.get("wave_since"), "windows": windows,
    }  # fmt: skip


def save(produced: Produced, path: Path, meta: dict[str, Any]) -> Path:
    """Write ``produced`` and ``meta`` (what the page says about the run) to ``path``."""
    data = {
        "version": VERSION,
        "meta": meta,
        "alerts": [orjson.loads(a.dumps()) for a in produced.alerts],
        "stats": [slim(record) for record in produced.stats],
        "transitions": list(produced.transitions),
        "notices": [orjson.loads(n.dumps()) for n in produced.notices],
        "channels": dict(produced.channels),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(data))
    return path


def load(path: Path) -> tuple[Produced, dict[str, Any]]:
    """A run saved by :func:`save` (``path`` may be its directory), and its meta."""
    if path.is_dir():
        path = path / SAVED
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise ScenarioError(f"cannot read the saved run {path}: {exc.strerror}") from exc
    except orjson.JSONDecodeError as exc:
        raise ScenarioError(f"{path} is not a saved run: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ScenarioError(f"{path} is not a run saved by this version of listener")
    try:
        produced = Produced(
            alerts=[Alert.loads(orjson.dumps(a)) for a in data["alerts"]],
            stats=data["stats"],
            transitions=data["transitions"],
            notices=[Notify.loads(orjson.dumps(n)) for n in data["notices"]],
            channels=data.get("channels", {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"{path}: the saved run is damaged: {exc!r}") from exc
    return produced, dict(data.get("meta", {}))
