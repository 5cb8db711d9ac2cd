"""``listener incidents export``: an incident's whole timeline (signals, pages, actions,
the statement, recovery) as Markdown and JSON, through a real local API server, with
what posts say kept literal in the Markdown."""

from __future__ import annotations

import argparse
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from test_incidents_fixtures import MINUTE, T0, make_alert, policies

from listener.incidents.access.api import IncidentApi
from listener.incidents.access.cli.client import ApiError
from listener.incidents.access.cli.incidents import KEY_ENV, add_parser, run_command
from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.access.postmortem import escape
from listener.incidents.access.web import build_app
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import Acknowledge, AlertReceived, Note, Tick
from listener.records import SamplePost

KEY = "k" * 40
HOSTILE = "# Breaking | [win](http://evil.example) **now** <script>x</script>"
HOLD = {"acme": frozenset({"negative-surge"})}


@pytest.fixture
def store() -> MemoryStore:
    """An incident of acme: paged, a second alert, acknowledged, a statement, then the
    figures back to normal and the incident closed by itself 30 minutes later."""
    sample = SamplePost("x:1", "x", "2025-03-01T00:00:00+00:00", "troll|x", 10, HOSTILE,
                        "https://x.example/1", -0.9, "negative")  # fmt: skip
    clock = [T0]
    store = MemoryStore(Engine(policies()), clock=lambda: clock[0])
    store.apply(AlertReceived(make_alert(T0)))
    later = make_alert(T0 + 5 * MINUTE, rule="silent-brand", severity="major")
    store.apply(AlertReceived(replace(later, samples=(sample,))))
    (incident_id,) = store.book.incidents
    store.apply(Tick(T0 + 6 * MINUTE, HOLD))
    store.apply(Acknowledge(incident_id, "ann", T0 + 7 * MINUTE, "slack"))
    store.apply(Note(incident_id, "ann", T0 + 8 * MINUTE, "statement published", "statement"))
    for minute in range(10, 45):
        store.apply(Tick(T0 + minute * MINUTE, {}))
    return store


@pytest.fixture
async def url(store: MemoryStore) -> AsyncIterator[str]:
    runner = web.AppRunner(build_app(IncidentApi(store, KEY, None, clock=lambda: T0)))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="listener")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["incidents", *argv])


async def test_the_export_tells_the_whole_story(
    url: str, store: MemoryStore, tmp_path: Path
) -> None:
    (incident_id,) = store.book.incidents
    out = io.StringIO()
    args = parse("--url", url, "export", incident_id, "--out", str(tmp_path / "pm"))
    assert await run_command(args, {KEY_ENV: KEY}, out) == 0
    md_path, json_path = (Path(line) for line in out.getvalue().splitlines())
    report = orjson.loads(json_path.read_bytes())
    steps = [(s["category"], s["kind"], s["who"]) for s in report["timeline"]]
    assert steps[0] == ("signal", "began", "listener")
    assert ("signal", "opened", "listener") in steps and ("signal", "updated", "listener") in steps
    assert ("page", "paged", "listener") in steps
    assert ("action", "acknowledged", "ann") in steps
    assert ("statement", "statement", "ann") in steps
    assert steps[-2:] == [
        ("recovery", "recovered", "listener"),
        ("recovery", "resolved", "listener"),
    ]
    times = [s["at"] for s in report["timeline"]]
    assert times == sorted(times)
    assert report["incident"]["status"] == "resolved" and report["incident"]["recovery_seconds"]
    text = md_path.read_text(encoding="utf-8")
    assert text.startswith("# Post-mortem: Acme: firestorm\n")
    assert "| statement: statement | ann | statement published |" in text
    assert f"> {escape(HOSTILE)}" in text
    for raw in ("[win](http://evil.example)", "<script>", "> # Breaking", "troll|x"):
        assert raw not in text  # nothing a post says is read as Markdown


def test_escaping_leaves_every_character_literal() -> None:
    assert escape("a|b [c](d) *e* #f <g>\nh") == r"a\|b \[c\]\(d\) \*e\* \#f \<g\> h"


async def test_an_unknown_incident_writes_nothing(url: str, tmp_path: Path) -> None:
    with pytest.raises(ApiError, match="404"):
        await run_command(parse("--url", url, "export", "acme.nope.1", "--out", str(tmp_path)),
                          {KEY_ENV: KEY}, io.StringIO())  # fmt: skip
    assert list(tmp_path.iterdir()) == []


async def test_a_note_or_the_statement_goes_on_the_timeline_from_the_command_line(
    url: str, store: MemoryStore
) -> None:
    (incident_id,) = store.book.incidents
    env = {KEY_ENV: KEY}
    for extra in ((), ("--statement",)):
        args = parse("--url", url, "--as", "dan", "note", incident_id, "Holding line out", *extra)
        out = io.StringIO()
        assert await run_command(args, env, out) == 0
        assert out.getvalue() == f"{incident_id}: noted as dan\n"
    lines = [(t.kind, t.who, t.detail) for t in store.book.incidents[incident_id].history]
    assert lines[-2:] == [
        ("note", "dan", "Holding line out"),
        ("statement", "dan", "Holding line out"),
    ]
    with pytest.raises(ApiError, match="401"):
        await run_command(parse("--url", url, "note", incident_id, "x"), {KEY_ENV: "k" * 39}, out)
