"""``listener silences`` against a real local server hosting the incident API, on aiohttp
and on a Faust worker's web server: add (scheduled ahead), list, edit and expire."""

from __future__ import annotations

import argparse
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from test_incidents_cli import faust_server
from test_incidents_fixtures import T0, make_alert, policies

from listener.cli import build_parser
from listener.incidents.access.api import IncidentApi, Known
from listener.incidents.access.cli.client import KEY_ENV, ApiError
from listener.incidents.access.cli.silences import run_silences
from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.access.web import build_app
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import AlertReceived

KEY = "k" * 40


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore(Engine(policies()), clock=lambda: T0 + 30)
    store.apply(AlertReceived(make_alert(T0)))
    return store


@pytest.fixture(params=["aiohttp", "faust"])
async def url(
    request: pytest.FixtureRequest, store: MemoryStore, tmp_path: Path
) -> AsyncIterator[str]:
    known = Known(frozenset({"acme"}), frozenset({"negative-surge"}))
    api = IncidentApi(store, KEY, None, known, lambda: T0)
    application = build_app(api) if request.param == "aiohttp" else faust_server(api, tmp_path)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["silences", *argv])


async def run(url: str, *argv: str) -> str:
    out = io.StringIO()
    code = await run_silences(parse("--url", url, "--as", "dan", *argv), {KEY_ENV: KEY}, out)
    assert code == 0
    return out.getvalue()


async def test_add_list_edit_and_expire(url: str, store: MemoryStore) -> None:
    added = await run(
        url, "add", "--match", "brand=acme", "--match", "rule=~negative-.*",
        "--starts", "2025-03-01T09:00:00+01:00", "--for", "6h", "--reason", "product launch",
    )  # fmt: skip
    silence_id = added.split(":")[0]
    (line,) = (await run(url, "list", "--state", "pending")).splitlines()
    assert line.startswith(f"{silence_id}  pending  2025-03-01 08:00 -> 2025-03-01 14:00")
    assert line.endswith("brand=acme, rule=~negative-.*  by dan: product launch")
    (planned,) = store.book.silences
    assert planned.starts == T0 + 8 * 3600 and planned.who == "dan"
    edited = await run(
        url, "edit", silence_id, "--match", "brand=acme", "--for", "1h", "--reason", "now"
    )  # fmt: skip
    new_id = edited.split(":")[0]
    assert "active" in await run(url, "list", "--state", "active")
    assert await run(url, "expire", new_id) == f"{new_id}: expired by dan\n"
    states = [row.split()[1] for row in (await run(url, "list")).splitlines()]
    assert states == ["expired", "expired"]


async def test_a_refusal_is_one_clear_line(url: str) -> None:
    with pytest.raises(ApiError, match=r'400 unknown brand "acne" \(did you mean "acme"\?\)'):
        await run(url, "add", "--match", "brand=acne", "--for", "1h", "--reason", "x")
    with pytest.raises(ApiError, match="404 no silence 'nope'"):
        await run(url, "expire", "nope")


def test_an_end_is_required() -> None:
    with pytest.raises(SystemExit):
        parse("add", "--match", "brand=acme", "--reason", "x")
