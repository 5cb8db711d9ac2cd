"""The ``listener replay`` and ``listener report`` command lines: options and defaults.

Kept apart from what runs them, so building the ``listener`` parser imports no Kafka
client.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from listener.replay.backtest.cli import positive

#: Where ``replay --run`` writes its report, rules copy and worker logs by default.
DEFAULT_OUT: Final = Path("out/replay")
#: The zone times are shown in when neither --timezone nor notifiers.yaml names one.
DEFAULT_ZONE: Final = "Europe/Rome"


def zone_name(text: str) -> str:
    """An IANA time zone name, checked."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"unknown time zone {text!r}: name one like Europe/Rome or UTC"
        ) from None
    return text


def add_replay_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``replay`` to the ``listener`` subparsers; the caller sets its function."""
    replay: argparse.ArgumentParser = commands.add_parser(
        "replay", help="replay a file of posts (JSONL or CSV) through the pipeline",
        description="Check every line of FILE, then publish the good ones in event-time "
        "order. With --run, in a namespace of the run's own (topics and consumer group), "
        "with messages going to local stand-ins, and write the report.",
    )  # fmt: skip
    replay.add_argument("file", type=Path, help="replay file: JSONL, or CSV (see --columns)")
    replay.add_argument("--bootstrap", help="Kafka cluster (default: an embedded broker)")
    replay.add_argument("--rules", type=Path, help="rules directory (default: rules/)")
    replay.add_argument(
        "--speed", type=float, help="times real time (default: as fast as possible)"
    )
    replay.add_argument("--bundle", type=positive, default=1, help="posts per message")
    replay.add_argument(
        "--workers", type=positive, default=1,
        help="with --run, worker processes sharing the run's partitions (default: 1)",
    )  # fmt: skip
    replay.add_argument(
        "--run", action="store_true",
        help="start a worker (and a broker, unless --bootstrap) in a namespace of the run's "
        "own, replay, and report the alerts and incidents",
    )  # fmt: skip
    replay.add_argument(
        "--out", type=Path, default=DEFAULT_OUT,
        help="report directory of --run (default: %(default)s)",
    )  # fmt: skip
    _add_input_options(replay)
    replay.add_argument(
        "--timezone", type=zone_name,
        help=f"zone of the times shown (default: notifiers.yaml's, else {DEFAULT_ZONE})",
    )  # fmt: skip
    replay.add_argument(
        "--progress", action="store_true",
        help="print a progress line to stderr every few seconds (it is shown anyway when "
        "stderr is a terminal)",
    )  # fmt: skip
    replay.add_argument(
        "--live-notifiers", action="store_true",
        help="with --run, deliver messages through the rules' own notifiers.yaml: real "
        "people are told (default: local stand-ins receive them)",
    )  # fmt: skip
    replay.add_argument(
        "--no-report", action="store_true", help="with --run, print the timeline only"
    )
    return replay


def _add_input_options(replay: argparse.ArgumentParser) -> None:
    replay.add_argument(
        "--columns", type=Path, metavar="FILE",
        help="YAML naming the CSV column of each post field (columns: {id: ..., time: ..., "
        "text: ..., author: ..., followers: ...}); reads FILE as CSV",
    )  # fmt: skip
    replay.add_argument(
        "--column", action="append", default=[], metavar="FIELD=COLUMN",
        help="the CSV column of one field, e.g. time=Date (repeatable; over --columns)",
    )  # fmt: skip
    replay.add_argument(
        "--strict", action="store_true",
        help="stop before publishing anything when a line is bad (default: report the "
        "first bad lines and replay the good ones)",
    )  # fmt: skip


def add_report_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``report`` to the ``listener`` subparsers; the caller sets its function."""
    report: argparse.ArgumentParser = commands.add_parser(
        "report", help="draw the report of a saved run again (its run.json)",
        description="Write report.html, a PNG per incident and the alerts and incidents as "
        "JSON and CSV from the run.json a replay or backtest run saved.",
    )  # fmt: skip
    report.add_argument("run", type=Path, help="a run's directory or its run.json")
    report.add_argument("--out", type=Path, help="where to write (default: beside the run.json)")
    report.add_argument(
        "--timezone", type=zone_name, help="zone of the times shown (default: the run's)"
    )
    report.add_argument("--no-png", action="store_true", help="skip the PNG of each incident")
    return report
