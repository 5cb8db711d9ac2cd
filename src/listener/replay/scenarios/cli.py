"""Writing scenarios to replay files, and the command that does it.

The files hold a reconstruction for demonstration or labelled synthetic data, not real
posts; authors are fictional.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from listener.records import Post
from listener.replay.scenarios.calm import generate_calm_day
from listener.replay.scenarios.catalog import TUNING_SEED, Entry, library
from listener.replay.scenarios.intesa import generate_intesa


class Generator(Protocol):
    """Builds a scenario's posts; the same seed always gives the same posts."""

    def __call__(self, seed: int = ...) -> list[Post]: ...


@dataclass(frozen=True, slots=True)
class _FromLibrary:
    """A library scenario's posts; without a seed, those of the seed rules are tuned on."""

    entry: Entry

    def __call__(self, seed: int = TUNING_SEED) -> list[Post]:
        return self.entry.build(seed).posts


def _scenarios() -> dict[str, Generator]:
    # The demo's two keep their own generators, seeds and defaults (2017 and 7); the
    # library maps its seeds 1, 2, ... onto theirs.
    known: dict[str, Generator] = {"intesa": generate_intesa, "calm": generate_calm_day}
    for name, entry in library().items():
        known.setdefault(name, _FromLibrary(entry))
    return known


#: Every scenario the command knows, by name: the demo's two and the whole library.
SCENARIOS: Final[Mapping[str, Generator]] = _scenarios()


def write_jsonl(posts: Iterable[Post], path: str | Path) -> int:
    """Write posts as a replay file (one JSON object per line, UTF-8); returns how many."""
    count = 0
    with Path(path).open("wb") as out:
        for post in posts:
            out.write(post.dumps())
            out.write(b"\n")
            count += 1
    return count


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m listener.replay.scenarios",
        description="Write a scenario replay file (reconstructed or synthetic, not real posts).",
    )
    parser.add_argument("scenario", choices=sorted(SCENARIOS), help="which scenario")
    parser.add_argument("--out", required=True, type=Path, help="replay file to write")
    parser.add_argument(
        "--seed",
        type=int,
        help=f"random seed (default: the scenario's own; {TUNING_SEED} for the library's)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Generate one scenario into a file; returns the exit status (argparse exits on bad usage)."""
    args = _parser().parse_args(argv)
    generate = SCENARIOS[args.scenario]
    posts = generate() if args.seed is None else generate(args.seed)
    count = write_jsonl(posts, args.out)
    print(f"wrote {count} posts to {args.out}")
    return 0
