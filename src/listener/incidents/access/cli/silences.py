"""``listener silences``: list, add, edit and expire silences through the incident API of a
running worker, as ``amtool silence`` does for Alertmanager.

```
listener silences add --match brand=mcdonalds_it --match "rule=~volume-.*" \
    --starts 2026-12-10T09:00:00+01:00 --for 6h --reason "product launch"
listener silences list --state active
listener silences edit 3f2a9c1e07aa1b2c --match brand=mcdonalds_it --for 2h --reason "shorter"
listener silences expire 3f2a9c1e07aa1b2c
```
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import httpx

from listener.incidents.access.cli.client import add_common, call, open_client, short


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``silences`` to the ``listener`` command's subparsers (``commands``)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "silences", help="page nobody for the incidents a silence matches, for a while"
    )
    add_common(parser)
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="silences: pending, active, then expired")
    listing.add_argument("--state", choices=["pending", "active", "expired"])
    _options(actions.add_parser("add", help="silence the incidents the matchers match"))
    edit = actions.add_parser("edit", help="replace a silence by a new one")
    edit.add_argument("silence")
    _options(edit)
    actions.add_parser("expire", help="end a silence now").add_argument("silence")
    parser.set_defaults(func=cmd_silences)
    return parser


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--match", dest="matchers", action="append", required=True,
        help="brand, rule, risk or severity with =, !=, =~ or !~, e.g. brand=acme (repeatable)",
    )  # fmt: skip
    parser.add_argument("--starts", help="RFC 3339 time, e.g. 2026-12-10T09:00:00+01:00")
    end = parser.add_mutually_exclusive_group(required=True)
    end.add_argument("--ends", help="RFC 3339 time")
    end.add_argument("--for", dest="duration", help='from the start, e.g. "6h"')
    parser.add_argument("--reason", required=True, help="why, for whoever reads it later")


def cmd_silences(args: argparse.Namespace) -> int:
    return asyncio.run(run_silences(args, os.environ))


async def run_silences(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Do what ``args`` says and print the outcome; raises ApiError when the API refuses
    or cannot be reached (the ``listener`` command prints it and exits 2)."""
    out = out or sys.stdout
    client, who = open_client(args, environ, transport)
    async with client:
        if args.action == "list":
            params = {"state": args.state} if args.state else {}
            _print(await call(client, "GET", "/silences", params=params), out)
        elif args.action == "expire":
            await call(client, "DELETE", f"/silences/{args.silence}", json={"who": who})
            print(f"{args.silence}: expired by {who}", file=out)
        else:
            body = _body(args, who)
            if args.action == "add":
                data = await call(client, "POST", "/silences", json=body)
            else:
                data = await call(client, "PUT", f"/silences/{args.silence}", json=body)
            print(f"{data['silence']}: {', '.join(args.matchers)} silenced", file=out)
    return 0


def _body(args: argparse.Namespace, who: str) -> dict[str, Any]:
    body: dict[str, Any] = {"matchers": args.matchers, "reason": args.reason, "who": who}
    given = {"starts": args.starts, "ends": args.ends, "for": args.duration}
    return body | {k: v for k, v in given.items() if v}


def _print(data: dict[str, Any], out: TextIO) -> None:
    if not data["silences"]:
        print("no silences", file=out)
        return
    for item in data["silences"]:
        print(
            f"{item['id']}  {item['state']:<8} {short(item['starts'])} -> {short(item['ends'])}"
            f"  {', '.join(item['matchers'])}  by {item['who']}: {item['reason']}",
            file=out,
        )
