"""``listener incidents``: list, show, acknowledge, resolve and silence incidents from a
terminal, through the incident HTTP API of a running worker (``listener silences``, added
beside it, manages the silences).

The API key is read from ``LISTENER_API_KEY`` only, never from the command line, where
every user of the machine could read it in the process list. ``LISTENER_API_URL`` says
where the API is; ``--as`` (or ``LISTENER_USER``, or the login name) who is acting.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import httpx
import orjson

from listener.incidents.access import postmortem
from listener.incidents.access.cli.client import (
    KEY_ENV,
    ApiError,
    add_common,
    open_client,
)
from listener.incidents.access.cli.client import call as _call
from listener.incidents.access.cli.client import short as _short
from listener.incidents.access.cli.silences import add_parser as add_silences
from listener.rules.files.durations import format_duration

__all__ = ["KEY_ENV", "ApiError", "add_parser", "cmd_incidents", "run_command"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``incidents`` and ``silences`` to the ``listener`` command's subparsers
    (``commands``)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "incidents", help="list and act on incidents through a worker's API"
    )
    add_common(parser)
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="incidents, newest first")
    listing.add_argument("--status", help="e.g. notified,acknowledged (default: all)")
    listing.add_argument("--brand")
    actions.add_parser("show", help="one incident with its history").add_argument("incident")
    actions.add_parser("ack", help="take an incident in hand").add_argument("incident")
    resolve = actions.add_parser("resolve", help="close an incident")
    resolve.add_argument("incident")
    resolve.add_argument("--reason", default="")
    note = actions.add_parser("note", help="add a line to an incident's timeline")
    note.add_argument("incident")
    note.add_argument("text")
    note.add_argument("--statement", action="store_true", help="the brand's statement is out")
    silence = actions.add_parser("silence", help="page nobody for a brand or a rule for a while")
    target = silence.add_mutually_exclusive_group(required=True)
    target.add_argument("--brand")
    target.add_argument("--rule")
    silence.add_argument("--for", dest="duration", required=True, help='e.g. "2h"')
    silence.add_argument("--reason", required=True)
    export = actions.add_parser("export", help="write an incident's post-mortem timeline")
    export.add_argument("incident")
    export.add_argument("--out", type=Path, default=Path("."), help="folder (default: here)")
    parser.set_defaults(func=cmd_incidents)
    add_silences(commands)
    return parser


def cmd_incidents(args: argparse.Namespace) -> int:
    return asyncio.run(run_command(args, os.environ))


async def run_command(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Do what ``args`` says and print the outcome; raises :class:`ApiError` when the API
    refuses or cannot be reached (the ``listener`` command prints it and exits 2)."""
    out = out or sys.stdout
    client, who = open_client(args, environ, transport)
    async with client:
        if args.action == "list":
            query = {k: v for k, v in (("status", args.status), ("brand", args.brand)) if v}
            data = await _call(client, "GET", "/incidents", params=query)
            _print_list(data["incidents"], out)
        elif args.action == "show":
            data = await _call(client, "GET", f"/incidents/{args.incident}")
            _print_incident(data["incident"], out)
        elif args.action in ("ack", "resolve"):
            body = {"who": who, "reason": getattr(args, "reason", "")}
            await _call(client, "POST", f"/incidents/{args.incident}/{args.action}", json=body)
            done = "acknowledged" if args.action == "ack" else "resolved"
            print(f"{args.incident}: {done} as {who}", file=out)
        elif args.action == "note":
            body = {"who": who, "text": args.text, "statement": "yes" if args.statement else ""}
            await _call(client, "POST", f"/incidents/{args.incident}/note", json=body)
            print(f"{args.incident}: noted as {who}", file=out)
        elif args.action == "export":
            data = await _call(client, "GET", f"/incidents/{args.incident}")
            for path in write_postmortem(data["incident"], args.out):
                print(path, file=out)
        else:
            await _silence(client, args, who, out)
    return 0


def write_postmortem(incident: dict[str, Any], folder: Path) -> list[Path]:
    """Write ``<id>.md`` and ``<id>.json`` in ``folder``; returns their paths."""
    name = re.sub(r"[^\w.-]", "_", incident["id"])
    folder.mkdir(parents=True, exist_ok=True)
    markdown_path, json_path = folder / f"{name}.md", folder / f"{name}.json"
    markdown_path.write_text(postmortem.markdown(incident), encoding="utf-8")
    json_path.write_bytes(orjson.dumps(postmortem.report(incident), option=orjson.OPT_INDENT_2))
    return [markdown_path, json_path]


async def _silence(
    client: httpx.AsyncClient, args: argparse.Namespace, who: str, out: TextIO
) -> None:
    scope, target = ("brand", args.brand) if args.brand else ("rule", args.rule)
    body = {scope: target, "for": args.duration, "reason": args.reason, "who": who}
    data = await _call(client, "POST", "/silences", json=body)
    print(f"{scope} {target}: silenced until {data['until']}", file=out)


def _print_list(incidents: list[dict[str, Any]], out: TextIO) -> None:
    if not incidents:
        print("no incidents", file=out)
        return
    for item in incidents:
        by = item["acknowledged_by"] or item["resolved_by"] or ""
        print(
            f"{item['id']:<52} {item['status']:<12} {item['severity']:<8} "
            f"{_short(item['opened_at'])}  {by}",
            file=out,
        )


def _print_incident(item: dict[str, Any], out: TextIO) -> None:
    print(f"{item['id']}  {item['brand_name']}: {item['risk']}", file=out)
    print(f"  status    {item['status']} ({item['severity']})", file=out)
    print(f"  opened    {_short(item['opened_at'])}, owners {item['owners']}", file=out)
    if "paging_from" in item and item["paging_from"] is None:
        print("  paging    nobody: only good news (info) so far", file=out)
    if item["recovery_seconds"] is not None:
        print(f"  recovered in {format_duration(round(item['recovery_seconds']))}", file=out)
    print(f"  {item['description']}", file=out)
    for step in item["history"]:
        who = "" if step["who"] == "listener" else f" by {step['who']}"
        print(f"  {_short(step['event_at'])}  {step['kind']}{who}: {step['detail']}", file=out)
