"""The ``listener backtest`` command line: its options, each with its default."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Final

#: Where the batches' replay files, rules copies, logs and the JSON report go by default.
DEFAULT_OUT: Final = Path("out/backtest")
#: The most brand-minutes (each scenario's span of event time, summed) one pipeline run
#: judges: about four scenarios of four days. A run must end well within the two minutes
#: the replay driver waits for the windows, on a loaded two-core machine too, and judging
#: a brand's minute is what takes the time (about 1 ms unloaded, 2.5 ms loaded).
DEFAULT_MAX_MINUTES: Final = 24_000
#: Pipeline runs at once: two overlap one run's start-up and waits with the other's work.
DEFAULT_JOBS: Final = 2


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more: {text!r}")
    return value


def seed_list(text: str) -> tuple[int, ...]:
    """``"1,2"`` as (1, 2): whole numbers, each once."""
    try:
        seeds = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"seeds must be whole numbers like 1,2: {text!r}"
        ) from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"name each seed once, like 1,2: {text!r}")
    return seeds


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``backtest`` to the ``listener`` command's subparsers (``commands``); the caller
    sets the function that runs it."""
    from listener.replay import backtest
    from listener.replay.scenarios.catalog import DEFAULT_SEEDS

    parser: argparse.ArgumentParser = commands.add_parser(
        "backtest",
        help="replay the scenario library through the pipeline and judge every outcome",
        description=backtest.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO",
        help="scenarios to run, by name (default: the whole library; see --list)",
    )  # fmt: skip
    parser.add_argument(
        "--rules", type=Path, metavar="DIR",
        help="rules directory whose alerts.yaml, risks.yaml and owners.yaml are used; its "
        "brands.yaml is replaced by the scenario brands in a copy (default: "
        "$LISTENER_RULES_DIR or rules/)",
    )  # fmt: skip
    parser.add_argument(
        "--owners", metavar="GROUP",
        help="owner group of owners.yaml that owns every scenario brand (default: the first "
        "group in owners.yaml)",
    )  # fmt: skip
    default_seeds = ",".join(map(str, DEFAULT_SEEDS))
    parser.add_argument(
        "--seeds", type=seed_list, default=DEFAULT_SEEDS, metavar="LIST",
        help=f"seeds to build each scenario with, comma-separated (default: {default_seeds})",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
        help="where each run's replay file, rules copy and logs go (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--json", type=Path, metavar="FILE",
        help="the JSON report: every row, alert, incident and timing (default: "
        "<out>/backtest.json)",
    )  # fmt: skip
    parser.add_argument(
        "--jobs", type=positive, default=DEFAULT_JOBS, metavar="N",
        help="pipeline runs at once, each a broker and a worker process of its own "
        "(default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--max-minutes", type=positive, default=DEFAULT_MAX_MINUTES, metavar="N",
        help="most brand-minutes one pipeline run judges (each scenario's event time from "
        "its first post to its last, summed); scenarios of different brands share runs up "
        "to it, a longer one runs alone (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--against", type=Path, metavar="DIR",
        help="a second rules directory: run the same scenarios with both and show them side "
        "by side (who paged first, false pages, missed crises, messages), in <out>/A, "
        "<out>/B and <out>/compare.html",
    )  # fmt: skip
    parser.add_argument(
        "--no-report", action="store_true",
        help="do not write each run's report (default: <out>/batch-N/report/report.html)",
    )  # fmt: skip
    parser.add_argument(
        "--no-fail", action="store_true",
        help="exit 0 even when rows fail (default: exit 1 unless every row passes)",
    )  # fmt: skip
    parser.add_argument(
        "--list", action="store_true", help="list the scenarios of the library and exit"
    )
    return parser
