"""What the backtest shows: the table on stdout, the summary line, and the JSON report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from listener.replay.backtest.batches import Batch
from listener.replay.backtest.judge import AlertSeen, IncidentSeen, Notice, Row
from listener.replay.scenarios.catalog import Expected

COLUMNS = (
    "scenario", "seed", "expected", "first page (brand's time)", "rule", "risk", "severity",
    "after", "incidents", "msgs", "false", "silence", "own", "verdict",
)  # fmt: skip


@dataclass
class BatchRun:
    """One pipeline run: its batch, its rows, what it read and how long each part took."""

    batch: Batch
    rules_dir: Path
    replay_file: Path
    rows: list[Row] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    alerts: int = 0
    dead_letters: int = 0
    #: Posts the windows counted late, and posts they refused as too late.
    late: int = 0
    too_late: int = 0


def expected_text(expected: Expected) -> str:
    if not expected.pages:
        return "no page"
    within = f" ≤{expected.within_minutes:g}m" if expected.within_minutes is not None else ""
    return f"{expected.risk}{within}"


def _cells(row: Row) -> list[str]:
    page = row.first_page
    after = "-" if row.minutes_after is None else f"{row.minutes_after:+.0f}m"
    risks = _counted(i.risk for i in row.incidents)
    own = "-" if row.own_account_named is None else ("yes" if row.own_account_named else "no")
    return [
        row.scenario,
        str(row.seed),
        expected_text(row.expected),
        "-" if page is None else f"{page.at:%Y-%m-%d %H:%M %z}",
        "-" if page is None else page.rule,
        "-" if page is None else page.risk,
        "-" if page is None else page.severity,
        after,
        f"{len(row.incidents)}: {risks}" if row.incidents else "0",
        str(row.most_messages),
        str(len(row.false_pages)),
        "yes" if row.silence_escalation else "no",
        own,
        "pass" if row.passed else "FAIL",
    ]


def _counted(names: Iterable[str]) -> str:
    """``a ×3, b``: each name once, in the order first seen, with how often it came."""
    counts = Counter(names)
    return ", ".join(name if n == 1 else f"{name} ×{n}" for name, n in counts.items())


def table(rows: Sequence[Row]) -> str:
    """One line per row, aligned, each failing row followed by its reasons."""
    cells = [list(COLUMNS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines: list[str] = []
    for index, line in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if index and not rows[index - 1].passed:
            lines.append(f"    why: {'; '.join(rows[index - 1].reasons)}")
    return "\n".join(lines)


def summary(rows: Sequence[Row], seconds: float | None = None) -> str:
    """``passed N of M (seed 1: a of b, seed 2: c of d)``."""
    seeds = sorted({row.seed for row in rows})
    per_seed = ", ".join(
        f"seed {seed}: {_passed([r for r in rows if r.seed == seed])}" for seed in seeds
    )
    took = "" if seconds is None else f" in {seconds:.0f}s"
    return f"passed {_passed(rows)} ({per_seed}){took}"


def _passed(rows: Sequence[Row]) -> str:
    return f"{sum(1 for row in rows if row.passed)} of {len(rows)}"


def _at(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def expected_dict(expected: Expected) -> dict[str, Any]:
    return {
        "risk": expected.risk,
        "within_minutes": expected.within_minutes,
        "anchor": _at(expected.anchor),
        "own_account": expected.own_account,
        "silence_escalation": expected.silence_escalation,
    }


def notice_dict(notice: Notice) -> dict[str, Any]:
    return {
        "at": notice.at.isoformat(),
        "kind": notice.kind,
        "page": notice.is_page,
        "level": notice.level,
        "people": list(notice.people),
        "severity": notice.severity,
        "risk": notice.risk,
        "rule": notice.rule,
        "incident": notice.incident,
    }


def incident_dict(incident: IncidentSeen) -> dict[str, Any]:
    return {
        "id": incident.id,
        "risk": incident.risk,
        "risk_history": list(incident.risks),
        "severity": incident.severity,
        "status": incident.status,
        "opened_at": incident.opened_at.isoformat(),
        "acknowledged_at": _at(incident.acknowledged_at),
        "rules": list(incident.rules),
        "alerts": len(incident.alert_ids),
        "paged": bool(incident.pages),
        "notifications": [notice_dict(n) for n in incident.notices],
    }


def alert_dict(alert: AlertSeen) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule": alert.rule,
        "severity": alert.severity,
        "fired_at": alert.fired_at.isoformat(),
        "risk": alert.risk,
    }


def row_dict(row: Row, batch: int) -> dict[str, Any]:
    """Every field of a row, with its alerts and incidents."""
    return {
        "scenario": row.scenario,
        "seed": row.seed,
        "title": row.title,
        "kind": row.kind,
        "brand": row.brand,
        "batch": batch,
        "expected": expected_dict(row.expected),
        "onset": _at(row.onset),
        "reference": _at(row.reference),
        "first_page": None if row.first_page is None else notice_dict(row.first_page),
        "minutes_after": row.minutes_after,
        "incidents_opened": len(row.incidents),
        "incident_risks": [i.risk for i in row.incidents],
        "incidents_paged": len(row.paged_incidents),
        "messages_max": row.most_messages,
        "messages_per_person": dict(row.messages),
        "false_pages": [notice_dict(n) for n in row.false_pages],
        "silence_escalation": row.silence_escalation,
        "own_account_named": row.own_account_named,
        "verdict": "pass" if row.passed else "fail",
        "reasons": list(row.reasons),
        "alerts": [alert_dict(a) for a in row.alerts],
        "incidents": [incident_dict(i) for i in row.incidents],
    }


def batch_dict(run: BatchRun) -> dict[str, Any]:
    batch = run.batch
    return {
        "number": batch.number,
        "seed": batch.seed,
        "scenarios": [s.name for s in batch.scenarios],
        "brands": [b.id for b in batch.brands],
        "posts": batch.posts,
        "brand_minutes": batch.minutes,
        "alerts": run.alerts,
        "dead_letters": run.dead_letters,
        "late_posts": run.late,
        "too_late_posts": run.too_late,
        "rules_dir": str(run.rules_dir),
        "replay_file": str(run.replay_file),
        "timings": {name: round(value, 3) for name, value in run.timings.items()},
    }


def report(runs: Sequence[BatchRun], rows: Sequence[Row], meta: Mapping[str, Any]) -> bytes:
    """The JSON report: the run's settings and timings, every batch, every row."""
    batch_of = {(r.scenario, r.seed): run.batch.number for run in runs for r in run.rows}
    data = {
        **meta,
        "passed": sum(1 for row in rows if row.passed),
        "total": len(rows),
        "per_seed": {
            str(seed): {
                "passed": sum(1 for r in rows if r.seed == seed and r.passed),
                "total": sum(1 for r in rows if r.seed == seed),
            }
            for seed in sorted({r.seed for r in rows})
        },
        "batches": [batch_dict(run) for run in runs],
        "rows": [row_dict(row, batch_of[(row.scenario, row.seed)]) for row in rows],
    }
    return orjson.dumps(data, option=orjson.OPT_INDENT_2)
