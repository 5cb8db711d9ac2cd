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
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import orjson

from listener.errors import InvalidPost, ScenarioError
from listener.eventtime import door_problem
from listener.records import parse_post
from listener.replay.mapping import FIELDS, INTEGER_FIELDS, ColumnMapping
from listener.replay.publish import Line

#: How many bad lines are listed one by one; the rest are counted.
SHOWN_BAD: Final = 10
#: How often (in lines) the check says how far it got.
CHECK_EVERY: Final = 50_000
#: Lines from which a file is checked by every core: below, starting the processes costs
#: more than they save (a million lines take about 10 s on one core).
PARALLEL_FROM: Final = 200_000


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


def check_file(
    path: Path,
    mapping: ColumnMapping | None = None,
    on_checked: Callable[[int], None] | None = None,
) -> Checked:
    """Read ``path`` (CSV when ``mapping`` is given or the name ends in .csv) and check
    every line, each parsed once; ``on_checked(lines)`` hears how far it got every
    :data:`CHECK_EVERY` lines. Raises :class:`ScenarioError` only when the file cannot be
    read at all."""
    if mapping is not None or path.suffix.lower() == ".csv":
        values = csv_values(path, mapping or ColumnMapping())
    else:
        values = jsonl_values(path)
    numbered = list(values)
    good: list[Line] = []
    bad: list[BadLine] = []
    count = 0
    for chunk, verdicts in _verdicts_by_chunk([value for _, value in numbered], time.time()):
        for (number, value), verdict in zip(numbered[count : count + chunk], verdicts, strict=True):
            if isinstance(verdict, str):
                bad.append(BadLine(number, verdict))
            else:
                good.append(Line(verdict[0], number, verdict[1], value))
        count += chunk
        if on_checked is not None:
            on_checked(count)
    good.sort(key=lambda line: (line.ts, line.number))
    return Checked(tuple(good), tuple(bad))


#: Whether a line is good, (its event time, its message key), or why it is not.
Verdict = tuple[float, bytes] | str


def _verdicts_by_chunk(values: list[bytes], wall: float) -> Iterator[tuple[int, list[Verdict]]]:
    """The verdicts on ``values``, ``CHECK_EVERY`` at a time and in order; a long file is
    checked by a process per core (each line alone: the order does not matter)."""
    chunks = [values[i : i + CHECK_EVERY] for i in range(0, len(values), CHECK_EVERY)]
    cores = os.cpu_count() or 1
    if len(values) < PARALLEL_FROM or cores < 2:
        for chunk in chunks:
            yield len(chunk), _verdicts(chunk, wall)
        return
    # A fork starts at once; but a fork copies a thread's held locks without the thread,
    # so a process running other threads starts its checkers afresh (and slower).
    forkable = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if forkable else "spawn")
    with ProcessPoolExecutor(min(cores, len(chunks)), mp_context=context) as pool:
        for chunk, verdicts in zip(chunks, pool.map(_verdicts, chunks, repeat(wall)), strict=True):
            yield len(chunk), verdicts


def _verdicts(values: list[bytes], wall: float) -> list[Verdict]:
    """Each value checked as the score agent checks a post (see the module docstring)."""
    out: list[Verdict] = []
    for value in values:
        try:
            post = parse_post(value)
        except InvalidPost as exc:
            out.append(f"{exc.reason}: {exc.detail}")
            continue
        problem = door_problem(post.ts, wall)
        if problem is not None:
            out.append(f"{problem.reason}: {problem.detail}")
            continue
        out.append((post.ts, post.key.encode()))
    return out


def jsonl_values(path: Path) -> Iterator[tuple[int, bytes]]:
    """The file's non-blank lines with their numbers."""
    try:
        raw_lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise ScenarioError(f"cannot read replay file {path}: {exc.strerror}") from exc
    return ((n, raw) for n, raw in enumerate(raw_lines, start=1) if raw.strip())


def csv_values(path: Path, mapping: ColumnMapping) -> Iterator[tuple[int, bytes]]:
    """The rows of a CSV export as post JSON with the file line each starts on; a row
    that cannot become a post still becomes JSON, so the check names what is wrong."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read replay file {path}: {exc}") from exc
    rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=mapping.delimiter)
    missing = _missing_columns(rows.fieldnames or [], mapping)
    if missing:
        raise ScenarioError(f"{path}: {missing}")
    zone = ZoneInfo(mapping.naive_timezone) if mapping.naive_timezone else None
    return ((n, orjson.dumps(_post_dict(row, mapping, zone))) for n, row in _numbered(rows))


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
