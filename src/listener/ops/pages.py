"""The worker's own pages on its web port: health, readiness, how far the windows got, and
the metrics. (Liveness for probes is served by a thread of its own: see liveness.py.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import faust
from prometheus_client import CollectorRegistry, generate_latest

from listener.ops.monitor import OpsMonitor
from listener.windows.stage import WindowStage


class Served(Protocol):
    """What the pages read of the worker's pipeline."""

    @property
    def registry(self) -> CollectorRegistry: ...

    @property
    def ops(self) -> OpsMonitor: ...

    @property
    def windows(self) -> WindowStage: ...

    @property
    def judged_to(self) -> Mapping[int, float]:
        """Per scored partition, the boundary judged and published."""
        ...

    @property
    def counted(self) -> int:
        """Posts counted into windows since the start."""
        ...


def serve_pages(app: faust.App, pipeline: Served) -> None:
    async def live(web: Any, request: Any) -> Any:
        return web.json({"live": True})

    async def ready(web: Any, request: Any) -> Any:
        readiness = await pipeline.ops.readiness(app.consumer, pipeline.windows.states.keys())
        return web.json(readiness.to_dict(), status=200 if readiness.ready else 503)

    async def metrics(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(pipeline.registry), content_type="text/plain")

    async def windows(web: Any, request: Any) -> Any:
        # What listener_event_clock_seconds and _posts_counted say, without every metric,
        # and what each scored partition has heard from upstream: what holds its clock.
        clocks = {str(p): c for p, c in pipeline.judged_to.items()}
        upstream = {str(p): s.upstream.view() for p, s in pipeline.windows.states.items()}
        return web.json({"clocks": clocks, "counted": pipeline.counted, "upstream": upstream})

    app.page("/health/live")(live)
    app.page("/health/windows")(windows)
    app.page("/health/ready")(ready)
    app.page("/metrics")(metrics)
