"""``listener replay`` on a file with bad lines: they are listed before anything starts,
and the command either goes on with the good ones or stops (--strict), in one clear
line, never with a traceback and never waiting on anything."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from report_samples import sample_run

from listener.cli import main
from listener.replay.report.saved import save

ROOT = Path(__file__).resolve().parents[2]


def _file(tmp_path: Path, bad: int) -> Path:
    good = {
        "id": "1", "source": "x", "created_at": "2017-10-03T16:00:00+02:00",
        "text": "Intesa", "author_id": "a",
    }  # fmt: skip
    lines = [orjson.dumps(good)] + [b'{"id": "broken' for _ in range(bad)]
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.timeout(30)
def test_strict_stops_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, bad=12)
    code = main(["replay", str(path), "--run", "--strict", "--rules", str(ROOT / "rules")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}: line 2: invalid_json" in err
    assert f"{path}: line 11: invalid_json" in err and "line 12:" not in err
    assert "... and 2 more bad lines" in err
    assert f"listener: {path}: 12 of 13 lines are bad; nothing was published (--strict)" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


@pytest.mark.timeout(30)
def test_without_strict_the_good_lines_go_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, bad=1)
    # No cluster named and no --run: it stops there, after saying what it would replay.
    code = main(["replay", str(path), "--rules", str(ROOT / "rules")])
    err = capsys.readouterr().err
    assert code == 2
    assert "1 of 2 lines are bad and left out; replaying the 1 good ones" in err
    assert err.rstrip().endswith("listener: name a Kafka cluster with --bootstrap (or use --run)")


@pytest.mark.timeout(30)
def test_a_file_of_only_bad_lines_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"not json\n")
    assert main(["replay", str(path), "--run", "--rules", str(ROOT / "rules")]) == 2
    assert f"listener: {path}: all 1 lines are bad; nothing to replay" in capsys.readouterr().err


def test_an_unknown_time_zone_is_refused_by_the_parser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["replay", str(tmp_path / "x.jsonl"), "--timezone", "Rome"])
    assert caught.value.code == 2
    assert "unknown time zone 'Rome'" in capsys.readouterr().err


@pytest.mark.timeout(60)
def test_report_draws_a_saved_run_again_in_another_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save(sample_run(), tmp_path / "run" / "run.json", {"title": "Saved", "zone": "Europe/Rome"})
    code = main(["report", str(tmp_path / "run"), "--timezone", "UTC", "--no-png"])
    out = capsys.readouterr().out
    assert code == 0
    page = (tmp_path / "run" / "report.html").read_text()
    assert "times in UTC" in page and "2024-03-05 10:00" in page  # the onset, in UTC
    assert f"report: {tmp_path / 'run' / 'report.html'}" in out
    assert not list((tmp_path / "run").glob("*.png"))


def test_report_of_a_missing_run_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("listener: cannot read the saved run") and "Traceback" not in err
