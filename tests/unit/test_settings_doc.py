"""Every setting is documented in docs/operations.md ("Settings") under its variable's
name, and the table names no setting that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from listener.settings import Settings

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_settings_table_lists_every_variable_once() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `(LISTENER_\w+)` \|", section, flags=re.MULTILINE)
    expected = [f"LISTENER_{name.upper()}" for name in Settings.model_fields]
    assert sorted(listed) == sorted(expected)
    assert len(listed) == len(set(listed))
