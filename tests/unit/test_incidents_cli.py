"""``listener incidents`` against a real local server hosting the incident API: a plain
aiohttp application, and the web server of a Faust app with the API mounted as the worker
mounts it."""

from __future__ import annotations

import argparse
import asyncio
import io
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import faust
import httpx
import pytest
from aiohttp import web
from faust.web.drivers.aiohttp import Web as AiohttpWeb
from test_incidents_fixtures import MINUTE, T0, make_alert, policies

from listener.incidents.access.api import REFUSALS, IncidentApi, Known
from listener.incidents.access.cli.incidents import (
    KEY_ENV,
    ApiError,
    add_parser,
    cmd_incidents,
    run_command,
)
from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.access.tokens import LinkSigner
from listener.incidents.access.web import build_app, mount_on_faust
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import AlertReceived, Tick

KEY = "k" * 40


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore(Engine(policies()), clock=lambda: T0 + 30)
    store.apply(AlertReceived(make_alert(T0)))
    store.apply(Tick(T0 + 12 * MINUTE, {"acme": frozenset({"negative-surge"})}))
    return store


def faust_server(api: IncidentApi, datadir: Path) -> web.Application:
    """The web application of a Faust worker with the API mounted, as the worker has it;
    the app is never started, only its web server is served."""
    app = faust.App("incidents-test", broker="memory://", web_port=6066, datadir=str(datadir))
    mount_on_faust(app, api)
    server = app.web
    assert isinstance(server, AiohttpWeb)
    return server.web_app


@pytest.fixture(params=["aiohttp", "faust"])
async def url(
    request: pytest.FixtureRequest, store: MemoryStore, tmp_path: Path
) -> AsyncIterator[str]:
    api = IncidentApi(
        store, KEY, LinkSigner("s" * 40), Known(frozenset({"acme"}), frozenset()), lambda: T0
    )
    application = build_app(api) if request.param == "aiohttp" else faust_server(api, tmp_path)
    runner = web.AppRunner(application)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="listener")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["incidents", *argv])


async def run(url: str, *argv: str, key: str = KEY) -> str:
    out = io.StringIO()
    code = await run_command(parse("--url", url, "--as", "dan", *argv), {KEY_ENV: key}, out)
    assert code == 0
    return out.getvalue()


def acme(store: MemoryStore) -> str:
    (incident_id,) = store.book.incidents
    return incident_id


async def test_list_and_show(url: str, store: MemoryStore) -> None:
    listed = await run(url, "list")
    assert listed.split()[:3] == [acme(store), "notified", "critical"]
    assert "2025-03-01 00:00" in listed
    assert (await run(url, "list", "--status", "resolved")).strip() == "no incidents"
    shown = await run(url, "show", acme(store))
    assert "Acme: firestorm" in shown
    assert "paged: " in shown and "escalated: bob" in shown


async def test_ack_resolve_and_silence_change_the_incident(url: str, store: MemoryStore) -> None:
    incident_id = acme(store)
    assert (await run(url, "ack", incident_id)).strip() == f"{incident_id}: acknowledged as dan"
    assert store.book.incidents[incident_id].acknowledged_by == "dan"
    await run(url, "resolve", incident_id, "--reason", "statement published")
    resolved = store.book.incidents[incident_id]
    assert (resolved.status, resolved.history[-1].detail) == ("resolved", "statement published")
    said = await run(url, "silence", "--brand", "acme", "--for", "90m", "--reason", "launch day")
    assert said.strip() == "brand acme: silenced until 2025-03-01T01:30:00+00:00"
    assert [s.reason for s in store.book.silences] == ["launch day"]


async def test_refusals_are_one_clear_error(url: str, store: MemoryStore) -> None:
    await run(url, "ack", acme(store))
    with pytest.raises(ApiError, match="409 the incident is already acknowledged by dan"):
        await run(url, "ack", acme(store))
    with pytest.raises(ApiError, match="401 the API key is not valid"):
        await run(url, "list", key="wrong")
    with pytest.raises(ApiError, match='unknown brand "acm" \\(did you mean "acme"\\?\\)'):
        await run(url, "silence", "--brand", "acm", "--for", "1h", "--reason", "x")
    with pytest.raises(ApiError, match=f"{KEY_ENV} is not set"):
        await run_command(parse("list"), {}, io.StringIO())


async def test_an_unreachable_api_is_reported_not_raised_raw() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    with pytest.raises(ApiError, match=f"cannot reach the incident API at http://127.0.0.1:{port}"):
        await run(f"http://127.0.0.1:{port}", "list")


async def test_the_command_runs_its_own_event_loop(
    url: str,
    store: MemoryStore,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    args = parse("--url", url, "--as", "eve", "ack", acme(store))
    # As ``listener incidents ack`` does: a fresh loop, here in a thread so the server's
    # loop keeps serving.
    assert await asyncio.to_thread(cmd_incidents, args) == 0
    assert store.book.incidents[acme(store)].acknowledged_by == "eve"
    assert "acknowledged as eve" in capsys.readouterr().out


async def test_good_news_shows_as_open_and_paging_nobody(url: str, store: MemoryStore) -> None:
    (paged,) = store.book.incidents
    good = make_alert(T0 + 13 * MINUTE, brand="beta", rule="volume-spike", severity="info")
    store.apply(AlertReceived(good))
    listed = await run(url, "list")
    beta = next(line for line in listed.splitlines() if line.startswith("beta."))
    assert beta.split()[1:3] == ["open", "info"]
    shown = await run(url, "show", beta.split()[0])
    assert "paging    nobody: only good news (info) so far" in shown
    assert "paging    nobody" not in await run(url, "show", paged)


async def test_a_guesser_of_the_key_is_held_off_over_http(url: str) -> None:
    wrong = {"Authorization": "Bearer " + "g" * 40}
    async with httpx.AsyncClient(timeout=5) as client:
        statuses = [
            (await client.get(f"{url}/incidents", headers=wrong)).status_code
            for _ in range(REFUSALS[0])
        ]
        held = await client.get(f"{url}/incidents", headers={"Authorization": f"Bearer {KEY}"})
    assert statuses == [401] * REFUSALS[0]
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0
