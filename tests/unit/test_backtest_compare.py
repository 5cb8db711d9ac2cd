"""Two rule sets side by side: who paged first, who paged falsely, who missed."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from listener.cli import build_parser
from listener.replay.backtest import command
from listener.replay.backtest.batches import Batch
from listener.replay.backtest.compare import Pair, page, pairs, table, tally
from listener.replay.backtest.judge import Notice, Row
from listener.replay.backtest.output import BatchRun
from listener.replay.scenarios.catalog import Expected
from listener.settings import Settings

AT = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
CRISIS = Expected(risk="outage", within_minutes=15)


def notice() -> Notice:
    return Notice("i1", "opened", 1, ("ana",), AT, "major", "outage", "negative-surge")


def row(scenario: str, minutes: float | None, **changes: object) -> Row:
    base = Row(
        scenario=scenario, seed=1, title=scenario, kind="crisis", brand="acme",
        expected=CRISIS, onset=AT, reference=AT,
        first_page=None if minutes is None else notice(), minutes_after=minutes,
        incidents=(), messages={"ana": 3}, false_pages=(), silence_escalation=False,
        own_account_named=None, alerts=(), reasons=(),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_earlier_first_page_wins_and_a_missed_crisis_loses() -> None:
    assert Pair(row("s", 6), row("s", 11)).earlier == "A"
    assert Pair(row("s", 11), row("s", 6)).earlier == "B"
    assert Pair(row("s", 6), row("s", 6.2)).earlier == "same"
    assert Pair(row("s", None, reasons=("nobody paged",)), row("s", 20)).earlier == "B"
    assert Pair(row("s", None), row("s", None)).earlier == "-"


def test_rows_pair_by_scenario_and_seed_and_the_tally_counts_each_side() -> None:
    a = [
        row("outage", 6),
        row("calm", None, expected=Expected(risk=None), false_pages=(notice(),),
            reasons=("paged",)),
        row("leak", None, reasons=("nobody paged",)),
    ]  # fmt: skip
    b = [row("leak", 9), row("outage", 12), row("calm", None, expected=Expected(risk=None))]
    found = pairs(a, b)
    assert [(p.a.scenario, p.b.scenario) for p in found] == [
        ("outage", "outage"), ("calm", "calm"), ("leak", "leak"),
    ]  # fmt: skip
    counts = tally(found)
    assert counts["A"] == {
        "earlier": 1, "false_pages": 1, "missed": 1, "passed": 1, "most_messages": 3,
    }  # fmt: skip
    assert counts["B"] == {
        "earlier": 1, "false_pages": 0, "missed": 0, "passed": 3, "most_messages": 3,
    }  # fmt: skip


def test_differences_are_marked_in_the_table_and_coloured_in_the_page() -> None:
    found = pairs(
        [row("outage", 6), row("same", 8)],
        [row("outage", 12, messages={"ana": 9}), row("same", 8)],
    )
    lines = table(found).splitlines()
    assert lines[1].startswith("* outage") and lines[2].startswith("  same")
    html = page(found, "rules/<a>", "rules/b")
    assert "rules/&lt;a&gt;" in html and "<script" not in html
    outage = re.search(r'<tr class="pair" data-scenario="outage">(.*?)</tr>', html)
    assert outage is not None
    cells = re.findall(r'<td(?: class="(\w+)")?>([^<]*)</td>', outage.group(1))
    assert cells[3] == ("better", "+6m") and cells[4] == ("worse", "+12m")
    assert cells[5] == ("", "A")
    assert cells[10] == ("better", "3") and cells[11] == ("worse", "9")
    same = re.search(r'<tr class="pair" data-scenario="same">(.*?)</tr>', html)
    assert same is not None and "better" not in same.group(1) and "worse" not in same.group(1)


async def test_against_runs_both_rule_sets_and_writes_the_comparison(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[tuple[Path, Path]] = []

    async def backtest(settings: Settings, args: object, chosen: object, out: Path) -> object:
        ran.append((settings.rules_dir, out))
        rows = [row("intesa", 12 if settings.rules_dir.name == "b" else 8)]
        run = BatchRun(Batch(1, 1, ()), settings.rules_dir, out / "posts.jsonl", rows=rows)
        return rows, [run], {"seconds": 1.0}

    monkeypatch.setattr(command, "_backtest", backtest)
    args = build_parser().parse_args(
        ["backtest", "intesa", "--rules", str(tmp_path / "a"), "--against", str(tmp_path / "b"),
         "--out", str(tmp_path / "out")]
    )  # fmt: skip
    code = await command.backtest_command(Settings(rules_dir=tmp_path / "a"), args)

    assert code == 0
    assert ran == [
        (tmp_path / "a", tmp_path / "out" / "A"),
        (tmp_path / "b", tmp_path / "out" / "B"),
    ]
    printed = capsys.readouterr().out
    assert "* intesa" in printed and "paged first in 1" in printed
    data = orjson.loads((tmp_path / "out" / "compare.json").read_bytes())
    assert data["tally"]["A"]["earlier"] == 1 and data["tally"]["B"]["earlier"] == 0
    assert data["rows"][0]["first page A"] == "+8m" and data["rows"][0]["first page B"] == "+12m"
    assert 'class="better">+8m' in (tmp_path / "out" / "compare.html").read_text()
