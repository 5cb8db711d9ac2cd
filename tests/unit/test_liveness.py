"""Liveness on a thread of its own: live while the event loop beats, answered while the
loop is busy."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import orjson
import pytest

from listener.ops.liveness import Heartbeat, LivenessServer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> Iterator[LivenessServer]:
    found = LivenessServer("127.0.0.1", 0, Heartbeat(clock), limit=60.0)
    found.start()
    yield found
    found.stop()


def get(server: LivenessServer, path: str = "/health/live") -> tuple[int, dict]:
    url = f"http://127.0.0.1:{server.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, orjson.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, orjson.loads(refused.read())


def test_live_while_the_loop_beats_and_not_once_it_stops(
    server: LivenessServer, clock: Clock
) -> None:
    clock.now += 59.0
    status, body = get(server)
    assert status == 200 and body["live"] is True and body["loop_heartbeat_age_seconds"] == 59.0
    server.heartbeat.beat()
    clock.now += 61.0  # the loop has not run for a minute: stuck
    status, body = get(server)
    assert status == 503 and body["live"] is False
    server.heartbeat.beat()
    assert get(server)[0] == 200
    assert get(server, "/metrics")[0] == 404


def test_it_answers_while_the_main_thread_is_busy_in_python(server: LivenessServer) -> None:
    answered: list[int] = []
    busy = threading.Event()

    def probe() -> None:
        busy.wait(30.0)  # ask only once the main thread is busy
        answered.append(get(server)[0])

    prober = threading.Thread(target=probe)
    # The loop ends at the answer; the bound only keeps a broken server from hanging the
    # test, and is generous because a loaded machine (the suite runs two processes) slows
    # the hand-offs of the GIL between the three threads.
    busy_until = time.monotonic() + 30.0
    prober.start()
    spins = 0
    while time.monotonic() < busy_until and not answered:
        spins += 1  # pure Python work, as judging windows is
        if spins == 1000:
            busy.set()
    prober.join()
    assert answered == [200], "no answer while the main thread was busy"
