"""Two rule sets side by side on the same scenarios (``backtest --rules A --against B``).

Pure: built from the rows each rule set's backtest judged, paired by scenario and seed.
For each pair it says which set paged first, and where they differ in false pages,
missed crises, messages per person and verdict; the text table marks each difference,
the HTML page colours the better and the worse cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Final

from listener.replay.backtest.judge import Row
from listener.replay.backtest.output import expected_text
from listener.replay.report.page import STYLE

#: Minutes apart under which two first pages count as the same time.
SAME_MINUTES: Final = 0.5
COLUMNS: Final = (
    "scenario", "seed", "expected", "first page A", "first page B", "earlier", "false A",
    "false B", "missed A", "missed B", "msgs A", "msgs B", "verdict A", "verdict B",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Pair:
    """One scenario and seed, judged under rule set A and under rule set B."""

    a: Row
    b: Row

    @property
    def earlier(self) -> str:
        """Which set paged first: ``A``, ``B``, ``same``, or ``-`` when neither paged."""
        ma, mb = self.a.minutes_after, self.b.minutes_after
        if ma is None and mb is None:
            return "-"
        if ma is None or mb is None:
            return "A" if mb is None else "B"
        if abs(ma - mb) < SAME_MINUTES:
            return "same"
        return "A" if ma < mb else "B"

    def cells(self) -> list[tuple[str, str, str]]:
        """(value, what A's cell is, what B's cell is) per column pair: ``better``,
        ``worse`` or empty, for the columns compared."""
        a, b = self.a, self.b
        return [
            (_first(a), *_rank(a.minutes_after, b.minutes_after, lower=True, none_worst=True)),
            (_first(b), "", ""),
            (str(len(a.false_pages)), *_rank(len(a.false_pages), len(b.false_pages))),
            (str(len(b.false_pages)), "", ""),
            (_yes(missed(a)), *_rank(int(missed(a)), int(missed(b)))),
            (_yes(missed(b)), "", ""),
            (str(a.most_messages), *_rank(a.most_messages, b.most_messages)),
            (str(b.most_messages), "", ""),
            (_verdict(a), *_rank(int(not a.passed), int(not b.passed))),
            (_verdict(b), "", ""),
        ]


def missed(row: Row) -> bool:
    """A crisis that paged nobody."""
    return row.expected.pages and row.first_page is None


def _first(row: Row) -> str:
    if row.minutes_after is None:
        return "-"
    return f"{row.minutes_after:+.0f}m"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _verdict(row: Row) -> str:
    return "pass" if row.passed else "FAIL"


def _rank(
    a: float | None, b: float | None, lower: bool = True, none_worst: bool = False
) -> tuple[str, str]:
    """How A and B compare on one figure (lower is better): ("better", "worse"), the
    reverse, or ("", "") when they are the same."""
    if a == b or (a is None and b is None):
        return "", ""
    if a is None or b is None:
        if not none_worst:
            return "", ""
        return ("worse", "better") if a is None else ("better", "worse")
    if abs(a - b) < SAME_MINUTES:
        return "", ""
    return ("better", "worse") if (a < b) == lower else ("worse", "better")


def pairs(rows_a: Sequence[Row], rows_b: Sequence[Row]) -> list[Pair]:
    """Rows paired by scenario and seed, in A's order."""
    by_key = {(r.scenario, r.seed): r for r in rows_b}
    return [Pair(r, by_key[(r.scenario, r.seed)]) for r in rows_a if (r.scenario, r.seed) in by_key]


def _line(pair: Pair) -> list[str]:
    values = [c[0] for c in pair.cells()]
    head = [pair.a.scenario, str(pair.a.seed), expected_text(pair.a.expected)]
    return [*head, values[0], values[1], pair.earlier, *values[2:]]


def table(found: Sequence[Pair]) -> str:
    """One line per scenario and seed; a line where the sets differ is marked with ``*``."""
    cells = [list(COLUMNS), *(_line(p) for p in found)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for index, line in enumerate(cells):
        differs = index > 0 and any(c[1] for c in found[index - 1].cells())
        text = "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        lines.append(("* " if differs else "  ") + text)
    return "\n".join(lines)


def tally(found: Sequence[Pair]) -> dict[str, dict[str, int]]:
    """Per rule set: scenarios where it paged first, false pages, missed crises,
    passes."""
    out = {}
    for side in ("A", "B"):
        rows = [p.a if side == "A" else p.b for p in found]
        out[side] = {
            "earlier": sum(1 for p in found if p.earlier == side),
            "false_pages": sum(len(r.false_pages) for r in rows),
            "missed": sum(1 for r in rows if missed(r)),
            "passed": sum(1 for r in rows if r.passed),
            "most_messages": max((r.most_messages for r in rows), default=0),
        }
    return out


def summary(found: Sequence[Pair], label_a: str, label_b: str) -> str:
    t = tally(found)
    return "\n".join(
        f"{side} ({label}): paged first in {t[side]['earlier']}, {t[side]['false_pages']} "
        f"false pages, {t[side]['missed']} crises missed, passed {t[side]['passed']} of "
        f"{len(found)}"
        for side, label in (("A", label_a), ("B", label_b))
    )


def as_dict(found: Sequence[Pair], label_a: str, label_b: str) -> dict[str, Any]:
    return {
        "a": label_a,
        "b": label_b,
        "tally": tally(found),
        "rows": [dict(zip(COLUMNS, _line(p), strict=True)) for p in found],
    }


def page(found: Sequence[Pair], label_a: str, label_b: str) -> str:
    """The comparison as one self-contained HTML page: better cells green, worse red."""
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    rows = [f"<tr>{head}</tr>"]
    for p in found:
        line = _line(p)
        marks = p.cells()
        classes = ["", "", "", marks[0][1], marks[0][2], ""]
        for _value, mark_a, mark_b in marks[2::2]:
            classes += [mark_a, mark_b]
        tds = "".join(
            f'<td class="{cls}">{escape(v)}</td>' if cls else f"<td>{escape(v)}</td>"
            for v, cls in zip(line, classes, strict=True)
        )
        rows.append(f'<tr class="pair" data-scenario="{escape(p.a.scenario)}">{tds}</tr>')
    style = STYLE + "td.better{background:#c8e6c9}td.worse{background:#ffcdd2}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Rule sets compared</title><style>{style}</style></head><body>"
        f"<h1>Rule sets compared</h1><p>A: {escape(label_a)}<br>B: {escape(label_b)}</p>"
        f"<pre>{escape(summary(found, label_a, label_b))}</pre>"
        f'<table class="compare">{"".join(rows)}</table>'
        "<p class=muted>First page: minutes after the onset (or anchor); earlier: the set "
        "that paged first. Green: the better of the two; red: the worse.</p>"
        "</body></html>\n"
    )
