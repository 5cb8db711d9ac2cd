"""The JSON Schemas of the rules files, shipped with the package so that an editor checks
rules/*.yaml as it is typed (docs/editing-rules.md).

They are generated from the models that ``listener check`` validates with
(:mod:`listener.schemas.generate`) and say everything about one file that JSON Schema can:
keys, types, required keys, ids, durations, severities. What involves another file (an owner
group that must exist, a window that must be configured) is left to ``listener check``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

#: The rules files that have a schema, as ``listener schema`` names them.
KINDS: Final = ("brands", "owners", "alerts", "risks", "notifiers")
SCHEMA_DIR: Final = Path(__file__).resolve().parent


def file_name(kind: str) -> str:
    """The schema file of ``kind``: ``brands`` -> ``brands.schema.json``."""
    if kind not in KINDS:
        raise ValueError(f"no schema for {kind!r}: one of {', '.join(KINDS)}")
    return f"{kind}.schema.json"


def schema_path(kind: str) -> Path:
    """Where the installed schema of the rules file ``kind`` lies."""
    return SCHEMA_DIR / file_name(kind)


def load_schema(kind: str) -> dict[str, Any]:
    """The schema of the rules file ``kind``, parsed."""
    schema: dict[str, Any] = json.loads(schema_path(kind).read_text(encoding="utf-8"))
    return schema
