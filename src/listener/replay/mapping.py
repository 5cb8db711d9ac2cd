"""Which column of a CSV export is which field of a post.

Exports from other listening tools name their columns their own way (``Date``,
``Message``, ``Followers``...). A mapping names, for each field of a post, the column that
holds it; it is read from a YAML file (``--columns FILE``) or given as flags
(``--column time=Date``), the flags winning. Fields no column feeds are left out (the
optional ones) or refused line by line (the required ones). A timestamp without a UTC
offset is read in ``naive_timezone`` when one is named, else the line is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from listener.errors import ConfigError, ConfigIssue
from listener.rules.files.yamlfile import UNREADABLE, read_yaml

#: Short names a person may use for a field in flags and YAML: ``time=Date``.
ALIASES: Final = {
    "time": "created_at",
    "author": "author_id",
    "handle": "author_handle",
    "followers": "author_followers",
}
#: The post fields a column can feed, in the order a post lists them.
FIELDS: Final = (
    "id", "source", "created_at", "text", "author_id", "author_handle", "author_followers",
    "url", "lang", "in_reply_to", "channel", "likes", "shares",
)  # fmt: skip
INTEGER_FIELDS: Final = frozenset({"author_followers", "likes", "shares"})


class ColumnMapping(BaseModel):
    """For each post field, the CSV column that holds it (None: no column)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str] = {}
    #: The source name of every post when no column holds one (``source``).
    source: str = "csv"
    #: Zone of timestamps that carry no UTC offset (e.g. ``Europe/Rome``); None: refused.
    naive_timezone: str | None = None
    #: Field separator of the file.
    delimiter: str = ","

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, column in value.items():
            field = ALIASES.get(name, name)
            if field not in FIELDS:
                known = ", ".join([*FIELDS, *ALIASES])
                raise ValueError(f"{name!r} is not a post field; the fields are {known}")
            out[field] = column
        return out

    @field_validator("naive_timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError("must be one character")
        return value

    def column(self, field: str) -> str:
        """The column holding ``field``: the one named, else a column named like the field."""
        return self.columns.get(field, field)


def load_mapping(path: Path | None, flags: Sequence[str] = ()) -> ColumnMapping:
    """The mapping of the YAML file ``path`` (if any) with ``flags`` (``field=column``) on
    top; every problem is reported together, naming the file or the flag."""
    issues: list[ConfigIssue] = []
    data: dict[str, object] = {}
    label = str(path) if path is not None else "--column"
    if path is not None:
        loaded = read_yaml(path, label, issues)
        if loaded is not UNREADABLE and loaded is not None and not isinstance(loaded, dict):
            issues.append(ConfigIssue(label, "", "must be a mapping with a columns: key"))
        elif isinstance(loaded, dict):
            data = dict(loaded)
    given = data.get("columns")
    columns: dict[str, object] = dict(given) if isinstance(given, dict) else {}
    for flag in flags:
        name, sep, column = flag.partition("=")
        if not sep or not name.strip() or not column.strip():
            issues.append(ConfigIssue("--column", flag, "write it as field=column"))
        columns[name.strip()] = column.strip()
    merged = {**data, "columns": columns if columns or given is None else given}
    try:
        mapping = _validated(merged, label)
    except ConfigError as exc:
        raise ConfigError([*issues, *exc.issues]) from None
    if issues:
        raise ConfigError(issues)
    return mapping


def _validated(data: Mapping[str, object], label: str) -> ColumnMapping:
    try:
        return ColumnMapping.model_validate(dict(data))
    except ValidationError as exc:
        issues = [
            ConfigIssue(label, ".".join(str(p) for p in error["loc"]), error["msg"])
            for error in exc.errors()
        ]
        raise ConfigError(issues) from None
