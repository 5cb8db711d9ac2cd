"""``listener schema``: where the JSON Schema of each rules file lies, or the schema itself,
for an editor's settings or a ``# yaml-language-server: $schema=`` line."""

from __future__ import annotations

import argparse
from typing import Any

from listener.schemas import KINDS, schema_path


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Adds ``schema`` to the ``listener`` command's subcommands."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "schema",
        help="print the JSON Schema of a rules file (without KIND: where each one lies)",
        description="The JSON Schema of rules/KIND.yaml, for editors (docs/editing-rules.md).",
    )
    parser.add_argument("kind", nargs="?", choices=KINDS, help="which rules file")
    parser.add_argument("--path", action="store_true", help="print the schema's path, not it")
    parser.set_defaults(func=schema_command)
    return parser


def schema_command(args: argparse.Namespace) -> int:
    if args.kind is None:
        for kind in KINDS:
            print(f"{kind}.yaml\t{schema_path(kind)}")
    elif args.path:
        print(schema_path(args.kind))
    else:
        print(schema_path(args.kind).read_text(encoding="utf-8"), end="")
    return 0
