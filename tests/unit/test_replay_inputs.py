"""A replay file is checked whole before anything starts: JSONL, and CSV exports with a
column mapping from YAML or flags."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from listener.errors import ConfigError, ScenarioError
from listener.replay.inputs import check_file
from listener.replay.mapping import ColumnMapping, load_mapping
from listener.replay.publish import Line
from listener.replay.scenarios import generate_intesa, write_jsonl


def _post(n: int, minute: int = 0) -> dict[str, object]:
    return {
        "id": f"p{n}",
        "source": "x",
        "created_at": f"2017-10-03T16:{minute:02d}:00+02:00",
        "text": f"Intesa post {n}",
        "author_id": f"a{n}",
    }


def test_bad_lines_are_reported_with_their_numbers_and_reasons(tmp_path: Path) -> None:
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    lines = [
        orjson.dumps(_post(1, 5)),
        b'{"id": "cut", ',  # line 2
        b"",  # blank: not a line to check
        orjson.dumps({**_post(3), "created_at": "2017-10-03T16:00:00"}),  # line 4
        orjson.dumps({**_post(4), "author_followers": "many"}),  # line 5
        orjson.dumps({**_post(5), "created_at": future}),  # line 6
        orjson.dumps(_post(6, 1)),
        orjson.dumps({**_post(7), "created_at": "1970-01-01T00:00:00+00:00"}),  # line 8
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    checked = check_file(path)

    assert [bad.number for bad in checked.bad] == [2, 4, 5, 6, 8]
    reasons = [bad.reason.split(":")[0] for bad in checked.bad]
    assert reasons == [
        "invalid_json", "bad_timestamp", "wrong_type", "future_timestamp", "past_timestamp",
    ]  # fmt: skip
    # The good lines, in event-time order: line 7 (16:01) before line 1 (16:05).
    assert [line.number for line in checked.lines] == [7, 1]
    assert checked.summary(shown=2) == [
        f"line 2: {checked.bad[0].reason}",
        f"line 4: {checked.bad[1].reason}",
        "... and 3 more bad lines",
    ]


def test_a_file_that_cannot_be_read_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read replay file"):
        check_file(tmp_path / "missing.jsonl")


EXPORT = """\
Post ID,Date,Message,User,Followers,Link
101,2017-10-03 16:31:00,"Vergogna, la direttrice!",anna,"1,284",https://example.com/101
102,2017-10-03 16:30:00,"Multi-line
text, quoted",marco,,
103,not a date,Nothing,luca,12,
104,2017-10-03 16:32:00,,sara,5,
"""


def _mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "columns.yaml"
    path.write_text(
        "columns:\n  id: Post ID\n  time: Date\n  text: Message\n  author: User\n"
        "  followers: Followers\n  url: Link\nsource: brandwatch\nnaive_timezone: Europe/Rome\n"
    )
    return path


def test_a_csv_export_is_read_through_its_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")

    checked = check_file(path, load_mapping(_mapping_file(tmp_path)))

    posts = [orjson.loads(line.value) for line in checked.lines]
    assert [p["id"] for p in posts] == ["102", "101"]  # by event time
    first, second = posts
    assert second["created_at"] == "2017-10-03T16:31:00+02:00"  # read in Europe/Rome
    assert second["author_followers"] == 1284 and second["source"] == "brandwatch"
    assert second["url"] == "https://example.com/101"
    assert first["text"] == "Multi-line\ntext, quoted" and "author_followers" not in first
    # Row numbers are the file's lines: the quoted newline makes row 102 two lines long.
    assert [(bad.number, bad.reason.split(":")[0]) for bad in checked.bad] == [
        (5, "bad_timestamp"),
        (6, "missing_field"),
    ]


def test_flags_name_columns_over_the_yaml(tmp_path: Path) -> None:
    mapping = load_mapping(_mapping_file(tmp_path), ["text=Body", "handle=User"])
    assert mapping.column("text") == "Body"
    assert mapping.column("author_handle") == "User"
    assert mapping.column("created_at") == "Date"


def test_every_problem_of_a_mapping_is_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "columns.yaml"
    path.write_text("columns:\n  txet: Message\nnaive_timezone: Mars/Olympus\n")
    with pytest.raises(ConfigError) as caught:
        load_mapping(path, ["oops"])
    text = str(caught.value)
    assert "--column: oops: write it as field=column" in text
    assert "'txet' is not a post field" in text
    assert "unknown time zone 'Mars/Olympus'" in text
    assert str(path) in text


def test_a_csv_without_a_required_column_says_which_and_what_it_has(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        check_file(path, ColumnMapping(columns={"id": "Post ID", "created_at": "Date"}))
    message = str(caught.value)
    assert "text (column 'text')" in message and "author_id (column 'author_id')" in message
    assert "the columns are Post ID, Date, Message, User, Followers, Link" in message


def test_a_csv_export_of_a_scenario_replays_the_same_posts_as_its_jsonl(tmp_path: Path) -> None:
    posts = generate_intesa()[:1500]
    jsonl = tmp_path / "posts.jsonl"
    write_jsonl(posts, jsonl)
    export = tmp_path / "export.csv"
    with export.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["Network", "Post", "Published", "Body", "Author", "Name", "Fans"])
        for p in posts:
            writer.writerow([p.source, p.id, p.created_at.isoformat(), p.text, p.author_id,
                             p.author_handle or "", p.author_followers or ""])  # fmt: skip
    flags = ["source=Network", "id=Post", "time=Published", "text=Body", "author=Author",
             "handle=Name", "followers=Fans"]  # fmt: skip
    mapping = load_mapping(None, flags).model_copy(update={"delimiter": ";"})

    from_csv, from_jsonl = check_file(export, mapping), check_file(jsonl)

    assert from_csv.bad == () and len(from_csv.lines) == len(posts)
    fields = ("id", "source", "created_at", "text", "author_id", "author_handle")

    def keep(line: Line) -> tuple[object, ...]:
        post = orjson.loads(line.value)
        return (*(post.get(f) for f in fields), post.get("author_followers") or None)

    assert [keep(line) for line in from_csv.lines] == [keep(line) for line in from_jsonl.lines]


def test_a_long_file_is_checked_by_every_core_with_the_same_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from listener.replay import inputs

    lines = []
    for n in range(700):
        post = _post(n, minute=59 - n % 60)
        if n % 97 == 5:
            post["author_followers"] = "many"
        lines.append(b'{"id": "cut", ' if n % 151 == 7 else orjson.dumps(post))
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    heard: list[int] = []
    serial = check_file(path)
    monkeypatch.setattr(inputs, "CHECK_EVERY", 100)
    monkeypatch.setattr(inputs, "PARALLEL_FROM", 200)
    parallel = check_file(path, on_checked=heard.append)
    assert parallel == serial
    assert len(serial.bad) == 13 and len(serial.lines) == 687
    assert heard == [100, 200, 300, 400, 500, 600, 700]
