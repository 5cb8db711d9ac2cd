"""Reading a replay file and checking every line before anything starts.

A replay file is JSONL (one post per line, docs/record-format.md) or CSV with a
:class:`~listener.replay.mapping.ColumnMapping`. Each line is checked as the score agent
would check it (``records.parse_post``: fields, types, size; ``eventtime.door_problem``: a
date no post can have); the good lines are carried as post JSON in event-time order, the
bad ones are counted with their line numbers and reasons. Nothing here waits on anything:
a file is read whole, once.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import orjson

from listener.errors import InvalidPost, ScenarioError
from listener.eventtime import door_problem
from listener.records import parse_post, post_from_dict
from listener.replay.mapping import FIELDS, INTEGER_FIELDS, ColumnMapping
from listener.replay.publish import Line, read_lines

#: How many bad lines are listed one by one; the rest are counted.
SHOWN_BAD: Final = 10


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line refused before the replay: its number in the file (the header is line 1 of
    a CSV) and why."""

    number: int
    reason: str


@dataclass(frozen=True, slots=True)
class Checked:
    """A replay file read and checked: the good lines in event-time order, the bad ones."""

    lines: tuple[Line, ...]
    bad: tuple[BadLine, ...]

    def summary(self, shown: int = SHOWN_BAD) -> list[str]:
        """One line per bad line, the first ``shown`` of them, then how many more."""
        out = [f"line {bad.number}: {bad.reason}" for bad in self.bad[:shown]]
        if len(self.bad) > shown:
            out.append(f"... and {len(self.bad) - shown} more bad lines")
        return out


def check_file(path: Path, mapping: ColumnMapping | None = None) -> Checked:
    """Read ``path`` (CSV when ``mapping`` is given or the name ends in .csv) and check
    every line; raises :class:`ScenarioError` only when the file cannot be read at all."""
    if mapping is not None or path.suffix.lower() == ".csv":
        lines = csv_lines(path, mapping or ColumnMapping())
    else:
        lines = read_lines(path)
    wall = time.time()
    good: list[Line] = []
    bad: list[BadLine] = []
    for line in lines:
        reason = _refusal(line.value, wall)
        if reason is None:
            good.append(line)
        else:
            bad.append(BadLine(line.number, reason))
    bad.sort(key=lambda b: b.number)
    return Checked(tuple(good), tuple(bad))


def _refusal(value: bytes, wall: float) -> str | None:
    try:
        post = parse_post(value)
    except InvalidPost as exc:
        return f"{exc.reason}: {exc.detail}"
    problem = door_problem(post.ts, wall)
    return None if problem is None else f"{problem.reason}: {problem.detail}"


def csv_lines(path: Path, mapping: ColumnMapping) -> list[Line]:
    """The rows of a CSV export as lines of post JSON, in event-time order; a row that
    cannot become a post is carried as a JSON object naming why, so it is reported."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read replay file {path}: {exc}") from exc
    rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=mapping.delimiter)
    missing = _missing_columns(rows.fieldnames or [], mapping)
    if missing:
        raise ScenarioError(f"{path}: {missing}")
    zone = ZoneInfo(mapping.naive_timezone) if mapping.naive_timezone else None
    lines: list[Line] = []
    for number, row in _numbered(rows):
        value = orjson.dumps(_post_dict(row, mapping, zone))
        ts, key = _peek(value)
        lines.append(Line(ts, number, key, value))
    lines.sort(key=lambda line: (line.ts, line.number))
    return lines


def _numbered(rows: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Each row with the file line it starts on (the header is line 1)."""
    start = rows.line_num + 1
    for row in rows:
        yield start, row
        start = rows.line_num + 1


def _missing_columns(header: Sequence[str], mapping: ColumnMapping) -> str | None:
    """Why the header cannot feed the required fields, naming the columns it has."""
    required = ["id", "created_at", "text", "author_id"]
    if "source" in mapping.columns:
        required.append("source")
    absent = [
        f"{f} (column {mapping.column(f)!r})" for f in required if mapping.column(f) not in header
    ]
    if not absent:
        return None
    return (
        f"no column for {', '.join(absent)}; the columns are {', '.join(header)}; "
        "name them with --columns FILE or --column field=column"
    )


def _post_dict(
    row: Mapping[str, str | None], mapping: ColumnMapping, zone: ZoneInfo | None
) -> dict[str, object]:
    post: dict[str, object] = {"source": mapping.source}
    for field in FIELDS:
        cell = row.get(mapping.column(field))
        if cell is None or cell.strip() == "":
            continue
        post[field] = _typed(field, cell.strip(), zone)
    return post


def _typed(field: str, cell: str, zone: ZoneInfo | None) -> object:
    """A cell as the post field wants it; left as text when it cannot be, so the check
    names the field and what was wrong."""
    if field in INTEGER_FIELDS:
        digits = cell.replace(",", "").replace("_", "")
        return int(digits) if digits.isdigit() else cell
    if field == "created_at" and zone is not None:
        try:
            when = datetime.fromisoformat(cell.replace("/", "-"))
        except ValueError:
            return cell
        return (when if when.tzinfo else when.replace(tzinfo=zone)).isoformat()
    return cell


def _peek(value: bytes) -> tuple[float, bytes | None]:
    try:
        post = post_from_dict(orjson.loads(value))
    except InvalidPost:
        return float("-inf"), None
    return post.ts, post.key.encode()
