"""The crisis team's incident page in headless Chromium, against the incident API served by
a real aiohttp server: signing in, the open incidents, one incident's figures, posts and
who was told, acting on it (acknowledge, note, assign, silence) with each action in the
audit log under the signed-in name; a post's text shown as text, no script allowed to
run, and a form posted from another origin refused."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from browser import Browser, find_chromium
from notify_servers import free_port

from listener.incidents.access.api import IncidentApi
from listener.incidents.access.board import Board, Sessions
from listener.incidents.access.memory_store import MemoryStore
from listener.incidents.access.web import build_app
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import AlertReceived
from listener.incidents.lifecycle.model import ACKNOWLEDGED, Incident
from listener.incidents.lifecycle.policy import Policies
from listener.records import Alert, SamplePost
from listener.rules.files.loader import load_rules

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "out" / "test-artifacts"
CHROMIUM = find_chromium()
KEY = "board-key-" + "q7Zp" * 8
HOSTILE = '<img src=x onerror="document.title=\'owned\'"><script>document.title="owned"</script>'

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium not installed (Debian: apt-get install chromium): the incident page "
        "is not checked in a browser",
    ),
]


def alert(now: float) -> Alert:
    fired = datetime.fromtimestamp(now, UTC)
    post = SamplePost("x:1", "x", fired.isoformat(), "angry_client", 12_000, HOSTILE,
                      "javascript:alert(1)", -0.9, "negative")  # fmt: skip
    linked = replace(post, key="x:2", text="Branch closed again", url="https://x.example/2")
    return Alert(
        id=f"negative-surge|intesa_sanpaolo|{now}", rule="negative-surge",
        description="A surge of negative posts", brand="intesa_sanpaolo",
        brand_name="Intesa Sanpaolo", severity="critical", fired_at=fired, window="5m",
        condition="volume >= 20", figures={"volume": 42.0, "negative_share": 0.64},
        baseline={"volume_baseline": 3.0, "negative_share_baseline": 0.2},
        samples=(post, linked), owners="bank-crisis", first_true_at=fired, emitted_at=fired,
        about=("app down", "<b>bonifico</b>"),
    )  # fmt: skip


class Server:
    """The API on its own event loop in a thread: the browser is driven synchronously."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def attacker_app(target: str, incident_id: str) -> web.Application:
    """Another origin whose page posts a resolve form to the incident page at once."""
    html = (
        f'<form id="f" method="post" action="{target}/board/incidents/{incident_id}/act">'
        '<input name="action" value="resolve"><input name="csrf" value="guess"></form>'
        "<script>document.getElementById('f').submit()</script>"
    )

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    return app


@pytest.fixture
def store() -> MemoryStore:
    rules = load_rules(ROOT / "rules")
    store = MemoryStore(Engine(Policies.build(rules, rules.risks)))
    store.apply(AlertReceived(alert(time.time())))
    return store


def navigate(browser: Browser, action: str) -> None:
    """Run ``action`` (JavaScript that navigates) and wait for the next page to load."""
    browser.evaluate("window.__before = 1")
    browser.evaluate(action)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            state = browser.evaluate("window.__before === undefined && document.readyState")
            if state == "complete":
                return
        except RuntimeError:
            pass  # the old page went away between two questions
        time.sleep(0.05)
    raise TimeoutError(f"no new page after {action}")


def page_text(browser: Browser) -> str:
    """The page's text, or "" while it is between two documents (the attacker's form posts)."""
    try:
        return str(browser.evaluate("document.body ? document.body.textContent : ''") or "")
    except RuntimeError:
        return ""  # the inspected document navigated away while it was being asked


def submit(browser: Browser, form: str, **values: str) -> None:
    fill = "".join(
        f"document.querySelector('#{form} [name={name}]').value = {json.dumps(value)};"
        for name, value in values.items()
    )
    navigate(browser, f"{fill} document.getElementById('{form}').submit()")


def audit(browser: Browser) -> list[list[str]]:
    return list(browser.evaluate(
        "[...document.querySelectorAll('#audit tbody tr')]"
        ".map(r => [...r.cells].map(c => c.textContent))"
    ))  # fmt: skip


def read_page(browser: Browser) -> dict[str, Any]:
    return dict(
        browser.evaluate("""(() => ({
        title: document.title,
        quotes: [...document.querySelectorAll('blockquote')].map(q => q.firstChild.textContent),
        links: [...document.querySelectorAll('blockquote a')].map(a => a.href),
        figures: [...document.querySelectorAll('h2 + table th')].map(th => th.textContent),
        images: document.images.length,
        scripts: document.scripts.length,
        about: [...document.querySelectorAll('p')].map(p => p.textContent)
                 .filter(t => t.startsWith('About:')),
    }))()""")
    )


def test_the_crisis_team_acts_from_the_incident_page(store: MemoryStore) -> None:
    assert CHROMIUM is not None
    (incident_id,) = store.book.incidents
    people = ("luca.bianchi", "maria.rossi")
    api = IncidentApi(store, KEY, None, board=Board(Sessions(KEY.encode(), False), people))
    with Server(build_app(api)) as server, Browser(CHROMIUM) as browser:
        browser.open(server.url + "/board")
        assert browser.evaluate("document.title") == "listener: incidents"
        navigate(browser, (
            "const f = document.forms[0]; f.who.value = 'maria.rossi';"
            f" f.key.value = {json.dumps(KEY)}; f.submit()"
        ))  # fmt: skip
        rows = browser.evaluate(
            "[...document.querySelectorAll('tbody tr')].map(r => r.textContent)"
        )
        assert len(rows) == 1 and "Intesa Sanpaolo" in rows[0] and "critical" in rows[0]
        navigate(browser, "document.querySelector('tbody a').click()")
        seen = read_page(browser)
        assert seen["title"] == "Intesa Sanpaolo: online-firestorm"
        assert seen["quotes"][0] == HOSTILE  # shown as text: no element made from it
        assert seen["images"] == 0 and seen["scripts"] == 0
        assert seen["links"] == ["https://x.example/2"]  # javascript: is not a link
        assert seen["about"] == ["About: app down, <b>bonifico</b>"]
        assert {"Posts", "Negative"} <= set(seen["figures"])
        submit(browser, "ack")
        assert "Acknowledgement sent" in browser.evaluate("document.body.textContent")
        submit(browser, "note", text="Holding statement drafted <i>v2</i>")
        submit(browser, "assign", person="luca.bianchi")
        submit(browser, "silence", reason="statement out, watching")
        log = audit(browser)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.screenshot(ARTIFACTS / "incident-page.png")
        problems = browser.problems()
    incident: Incident = store.book.incidents[incident_id]
    assert incident.status == ACKNOWLEDGED and incident.acknowledged_by == "maria.rossi"
    done = [(row[1], row[2], row[3]) for row in log]
    assert ("maria.rossi", "acknowledged", "via board") in done
    assert ("maria.rossi", "note", "Holding statement drafted <i>v2</i>") in done
    assert ("maria.rossi", "assigned", "assigned to luca.bianchi") in done
    assert any(who == "maria.rossi" and kind == "silenced" for who, kind, _ in done)
    (silence,) = store.book.silences
    assert silence.who == "maria.rossi" and [str(m) for m in silence.matchers] == [
        "brand=intesa_sanpaolo"
    ]
    assert problems == []


def test_a_form_posted_from_another_origin_changes_nothing(store: MemoryStore) -> None:
    assert CHROMIUM is not None
    (incident_id,) = store.book.incidents
    api = IncidentApi(store, KEY, None, board=Board(Sessions(KEY.encode(), False)))
    app = build_app(api)
    with Server(app) as server, Browser(CHROMIUM) as browser:
        attacker = Server(attacker_app(server.url, incident_id))
        with attacker:
            browser.open(server.url + "/board")
            navigate(browser, (
                "const f = document.forms[0]; f.who.value = 'maria.rossi';"
                f" f.key.value = {json.dumps(KEY)}; f.submit()"
            ))  # fmt: skip
            navigate(browser, f"location.href = {json.dumps(attacker.url + '/')}")
            deadline = time.monotonic() + 10
            while "not from this page" not in page_text(browser):
                assert time.monotonic() < deadline, "the forged form was not refused"
                time.sleep(0.1)
    assert store.book.incidents[incident_id].status != "resolved"
    assert store.book.silences == ()
