"""``listener backtest`` on the real pipeline: the embedded broker, worker processes and
the shipped rules.

The first test holds the detection work to the scenario library: every scenario, both
default seeds, every expected outcome. The second checks what the instrument itself must
get right whatever the rules decide: the rows, the JSON report, times that agree with the
alerts, and an exit status that follows the verdicts.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from listener.cli import main
from listener.replay.scenarios.catalog import DEFAULT_SEEDS, library

PAGING = {"warning", "major", "critical"}


def backtest(out: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, Any]:
    """Run the command; its exit status, its table and its JSON report."""
    status = main(["backtest", "--out", str(out), *argv])
    captured = capsys.readouterr()
    assert status in (0, 1), captured.err  # 2: it could not run at all
    return status, captured.out, orjson.loads((out / "backtest.json").read_bytes())


@pytest.mark.backtest_library
@pytest.mark.timeout(900)  # the whole library, both seeds: a few minutes on two cores
def test_every_scenario_of_the_library_gets_its_expected_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, table, report = backtest(tmp_path, capsys)
    expected = {(name, seed) for name in library() for seed in DEFAULT_SEEDS}
    assert {(r["scenario"], r["seed"]) for r in report["rows"]} == expected
    assert all(b["late_posts"] == b["too_late_posts"] == 0 for b in report["batches"])
    failed = [f"{r['scenario']} seed {r['seed']}: {'; '.join(r['reasons'])}"
              for r in report["rows"] if r["verdict"] != "pass"]  # fmt: skip
    assert not failed, "\n".join(["", *failed, "", table])
    assert status == 0


def test_intesa_and_calm_give_rows_a_report_and_times_that_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, table, report = backtest(tmp_path, capsys, "--seeds", "1", "intesa", "calm")
    rows = {r["scenario"]: r for r in report["rows"]}
    assert [(r["scenario"], r["seed"]) for r in report["rows"]] == [("intesa", 1), ("calm", 1)]
    # One brand, two scenarios: two runs, never one.
    assert [b["scenarios"] for b in report["batches"]] == [["intesa"], ["calm"]]
    for batch in report["batches"]:
        assert (batch["dead_letters"], batch["late_posts"], batch["too_late_posts"]) == (0, 0, 0)
        assert batch["timings"]["total_seconds"] > 0
    lines = table.splitlines()
    assert lines[0].startswith("scenario")
    assert any(line.startswith("intesa ") for line in lines)
    assert any(line.startswith("calm ") for line in lines)
    passed = sum(r["verdict"] == "pass" for r in rows.values())
    assert f"passed {passed} of 2 (seed 1: {passed} of 2)" in table
    assert status == (0 if passed == 2 else 1)

    intesa = library()["intesa"].build(1)
    assert intesa.onset is not None
    anchor = intesa.expected.anchor or intesa.onset
    assert rows["intesa"]["onset"] == intesa.onset.isoformat()
    assert rows["intesa"]["reference"] == anchor.isoformat()
    assert rows["calm"]["onset"] is None
    for row in rows.values():
        _check_row(row)
    if rows["intesa"]["first_page"] is not None:
        first = datetime.fromisoformat(rows["intesa"]["first_page"]["at"])
        assert rows["intesa"]["minutes_after"] == (first - anchor).total_seconds() / 60


def _check_row(row: dict[str, Any]) -> None:
    """What holds for any row, whatever the rules decided."""
    assert (row["verdict"] == "pass") == (row["reasons"] == [])
    assert row["messages_max"] == max(row["messages_per_person"].values(), default=0)
    assert row["incidents_opened"] == len(row["incidents"])
    pages = [n for i in row["incidents"] for n in i["notifications"] if n["page"]]
    assert all(n["severity"] in PAGING for n in pages)
    first = row["first_page"]
    if first is None:
        assert pages == []
        return
    at = datetime.fromisoformat(first["at"])
    assert at == min(datetime.fromisoformat(n["at"]) for n in pages)
    # A first page goes out when an alert of warning or higher fires, at its event time,
    # and shows the newest alert of that instant.
    fired = [(datetime.fromisoformat(a["fired_at"]), a) for a in row["alerts"]]
    assert at in {when for when, a in fired if a["severity"] in PAGING}
    assert first["rule"] in {a["rule"] for when, a in fired if when == at}
    incident = next(i for i in row["incidents"] if i["id"] == first["incident"])
    assert datetime.fromisoformat(incident["opened_at"]) <= at
