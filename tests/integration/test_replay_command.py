"""``listener replay EXPORT.csv --run``: a CSV export with a column mapping and a bad row,
through the real pipeline, to the printed timeline and the report files."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest

from listener.cli import main
from listener.replay.scenarios import generate_intesa

ROOT = Path(__file__).resolve().parents[2]
ROME = ZoneInfo("Europe/Rome")
FROM = datetime(2017, 10, 3, 8, 0, tzinfo=ROME).timestamp()
TO = datetime(2017, 10, 3, 19, 0, tzinfo=ROME).timestamp()
COLUMNS = """\
columns:
  id: Post ID
  time: Date
  text: Message
  author: User
  handle: Name
  followers: Followers
source: facebook
naive_timezone: Europe/Rome
"""


@pytest.mark.timeout(120)
def test_a_csv_export_replays_to_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    posts = [p for p in generate_intesa() if FROM <= p.ts < TO]
    export = tmp_path / "export.csv"
    with export.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Post ID", "Date", "Message", "User", "Name", "Followers", "Page"])
        for p in posts:  # times without an offset, as many tools export them
            local = p.created_at.astimezone(ROME).replace(tzinfo=None)
            writer.writerow([p.id, local.isoformat(sep=" "), p.text, p.author_id,
                             p.author_handle, p.author_followers, p.channel])  # fmt: skip
        writer.writerow(["bad-1", "yesterday", "Intesa", "someone", "", "", ""])
    (tmp_path / "columns.yaml").write_text(COLUMNS)
    out_dir = tmp_path / "report"

    code = main([
        "replay", str(export), "--run", "--columns", str(tmp_path / "columns.yaml"),
        "--rules", str(ROOT / "rules"), "--out", str(out_dir), "--timezone", "UTC",
    ])  # fmt: skip

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"line {len(posts) + 2}: bad_timestamp" in captured.err
    assert f"1 of {len(posts) + 1} lines are bad and left out" in captured.err
    assert f"{len(posts)} posts replayed" in captured.out
    assert "messages went to the local stand-ins, nobody real" in captured.out
    alerts = orjson.loads((out_dir / "alerts.json").read_bytes())
    incidents = orjson.loads((out_dir / "incidents.json").read_bytes())
    assert alerts and incidents
    assert all(a["fired_at"].endswith("+00:00") for a in alerts)  # written in UTC
    # The alerts the page and files show are the ones the timeline printed.
    for alert in alerts:
        when = datetime.fromisoformat(alert["fired_at"]).strftime("%Y-%m-%d %H:%M +0000")
        assert when in captured.out
    page = (out_dir / "report.html").read_text()
    assert page.count('class="alert" data-ts=') == len(alerts)
    assert [p.name for p in out_dir.glob("*.png")] == [f"{i['id']}.png" for i in incidents]
