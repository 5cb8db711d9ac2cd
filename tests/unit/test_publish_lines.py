"""Reading a replay file: lines in event-time order, bad lines kept where they were."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from factories import post_dict

from listener.errors import ScenarioError
from listener.records import parse_post
from listener.replay.publish import Line, read_lines


def line(id: str, created_at: str, source: str = "twitter") -> bytes:
    return orjson.dumps(post_dict(id=id, source=source, created_at=created_at))


def write(tmp_path: Path, *lines: bytes, end: bytes = b"\n") -> Path:
    path = tmp_path / "replay.jsonl"
    path.write_bytes(end.join(lines) + end)
    return path


def ids(lines: list[Line]) -> list[str]:
    return [parse_post(x.value).id if x.key else x.value.decode() for x in lines]


def test_lines_come_out_in_event_time_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        line("c", "2025-03-01T09:02:00+00:00"),
        line("a", "2025-03-01T09:00:00+00:00"),
        line("d", "2025-03-01T10:02:30+01:00"),  # 09:02:30 UTC
        line("b", "2025-03-01T09:01:00Z"),
    )
    lines = read_lines(path)
    assert ids(lines) == ["a", "b", "c", "d"]
    assert [x.number for x in lines] == [2, 4, 1, 3]
    base = 1_740_819_600.0  # 2025-03-01T09:00:00Z
    assert [x.ts for x in lines] == [base, base + 60, base + 120, base + 150]


def test_equal_times_keep_their_order_in_the_file(tmp_path: Path) -> None:
    same = "2025-03-01T09:00:00+00:00"
    path = write(
        tmp_path,
        line("z", same),
        line("early", "2025-03-01T08:00:00+00:00"),
        line("y", same),
        line("x", same),
    )
    assert ids(read_lines(path)) == ["early", "z", "y", "x"]


def test_each_line_keeps_its_bytes_and_is_keyed_by_source_and_id(tmp_path: Path) -> None:
    first = line("42", "2025-03-01T09:00:00+00:00", source="reddit")
    second = line("7", "2025-03-01T09:00:01+00:00")
    lines = read_lines(write(tmp_path, first, second))
    assert lines == [
        Line(ts=1_740_819_600.0, number=1, key=b"reddit:42", value=first),
        Line(ts=1_740_819_601.0, number=2, key=b"twitter:7", value=second),
    ]


def test_a_bad_line_keeps_the_time_of_the_line_before_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        line("late", "2025-03-01T09:05:00+00:00"),
        line("early", "2025-03-01T09:00:00+00:00"),
        b"{this is not json",
        line("mid", "2025-03-01T09:03:00+00:00"),
        b'{"id": "x", "source": "twitter"}',  # no created_at
        b'{"created_at": "later today", "id": "y", "source": "twitter"}',
        b"[1, 2, 3]",
    )
    lines = read_lines(path)
    assert ids(lines) == [
        "early",
        "{this is not json",
        "mid",
        '{"id": "x", "source": "twitter"}',
        '{"created_at": "later today", "id": "y", "source": "twitter"}',
        "[1, 2, 3]",
        "late",
    ]
    bad = [x for x in lines if x.key is None]
    assert [x.number for x in bad] == [3, 5, 6, 7]
    early, mid = 1_740_819_600.0, 1_740_819_780.0
    assert [x.ts for x in bad] == [early, mid, mid, mid]


def test_a_bad_first_line_goes_first(tmp_path: Path) -> None:
    path = write(tmp_path, line("a", "2025-03-01T09:00:00+00:00"), end=b"\n")
    path.write_bytes(b"not a post\n" + path.read_bytes())
    lines = read_lines(path)
    assert lines[0].value == b"not a post"
    assert lines[0].ts == float("-inf")
    assert (lines[0].number, lines[0].key) == (1, None)


def test_a_post_missing_only_its_key_fields_is_a_bad_line(tmp_path: Path) -> None:
    no_source = orjson.dumps({"id": "1", "created_at": "2025-03-01T09:00:00+00:00"})
    [only] = read_lines(write(tmp_path, no_source))
    assert (only.key, only.ts) == (None, float("-inf"))


def test_blank_lines_are_skipped_but_still_numbered(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        b"",
        line("a", "2025-03-01T09:00:00+00:00"),
        b"   \t",
        b"",
        line("b", "2025-03-01T09:00:01+00:00"),
        b"",
    )
    lines = read_lines(path)
    assert ids(lines) == ["a", "b"]
    assert [x.number for x in lines] == [2, 5]


def test_windows_line_endings_are_not_part_of_a_line(tmp_path: Path) -> None:
    first = line("a", "2025-03-01T09:00:00+00:00")
    lines = read_lines(write(tmp_path, first, line("b", "2025-03-01T09:00:01+00:00"), end=b"\r\n"))
    assert lines[0].value == first
    assert ids(lines) == ["a", "b"]


def test_an_empty_file_has_no_lines(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert read_lines(path) == []


def test_a_missing_file_is_a_scenario_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.jsonl"
    with pytest.raises(ScenarioError, match=r"nowhere\.jsonl"):
        read_lines(path)


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time pinned to UTC for the test, restored after it."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("utc_local_time")
def test_a_line_whose_time_has_no_offset_is_a_bad_line(tmp_path: Path) -> None:
    naive = line("naive", "2025-03-01T12:00:00")
    path = write(
        tmp_path,
        line("a", "2025-03-01T09:00:00+00:00"),
        naive,
        line("b", "2025-03-01T09:01:00+00:00"),
    )
    lines = read_lines(path)
    assert [x.value for x in lines] == [path.read_bytes().splitlines()[i] for i in (0, 1, 2)]
    assert lines[1].ts == 1_740_819_600.0
