"""Liveness that answers in milliseconds whatever the worker is doing.

The worker's web server runs on its event loop, which judges windows and writes snapshots
between two requests: with thousands of busy brands one boundary or one snapshot holds the
loop for seconds, and a liveness probe with a timeout of a few seconds would restart a
worker that is only busy. So liveness is answered by a thread of its own, on its own port
(``LISTENER_HEALTH_PORT``), from a heartbeat the event loop writes every second: the worker
is live while the loop has beaten within ``LISTENER_LIVENESS_SECONDS``. A loop stuck for
longer (a deadlock, an endless computation) fails the probe, and the orchestrator restarts
the worker; a broker outage does not, since restarting would not bring the broker back.

The thread holds the GIL only to answer, and Python hands the GIL to a waiting thread every
few milliseconds, so the answer does not wait for the loop's work to end.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

import faust
import orjson

from listener.errors import ListenerError
from listener.settings import Settings

log = logging.getLogger(__name__)

#: The one path served.
PATH: Final = "/health/live"


class Heartbeat:
    """When the event loop last beat, on the monotonic clock; read from any thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last = clock()

    def beat(self) -> None:
        self.last = self.clock()

    def age(self) -> float:
        return max(0.0, self.clock() - self.last)


class LivenessServer:
    """``GET /health/live`` on ``host:port`` in a daemon thread: 200 while the heartbeat is
    younger than ``limit`` seconds, else 503; a JSON body says how old it is."""

    def __init__(self, host: str, port: int, heartbeat: Heartbeat, limit: float) -> None:
        self.heartbeat = heartbeat
        self.limit = limit
        server = ThreadingHTTPServer((host, port), _handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="liveness", kwargs={"poll_interval": 0.5}
        )
        self._thread.daemon = True

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()
        log.info("liveness on http://%s:%d%s", *self._server.server_address[:2], PATH)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self) -> tuple[int, dict[str, Any]]:
        age = self.heartbeat.age()
        live = age < self.limit
        body = {"live": live, "loop_heartbeat_age_seconds": round(age, 3), "limit": self.limit}
        return (200 if live else 503), body


def serve_liveness(app: faust.App, settings: Settings) -> LivenessServer:
    """Liveness for the worker ``app``: the server, started with the app, and the event
    loop's heartbeat every second. A port that cannot be listened on stops the worker."""
    heartbeat = Heartbeat()
    try:
        server = LivenessServer(
            settings.web_host, settings.health_port, heartbeat, settings.liveness_seconds
        )
    except OSError as exc:
        raise ListenerError(
            f"LISTENER_HEALTH_PORT={settings.health_port}: cannot listen ({exc.strerror})"
        ) from exc

    async def beat() -> None:
        heartbeat.beat()

    async def start() -> None:
        server.start()

    app.timer(interval=1.0)(beat)
    app.task(start)
    return server


def _handler(server: LivenessServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != PATH:
                self._send(404, {"error": "not_found", "message": f"only {PATH} here"})
                return
            self._send(*server.answer())

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = orjson.dumps(body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a probe every few seconds is not news

    return Handler
