"""How long an alert took to go out, two ways.

``listener_alert_event_lag_seconds`` is the wall clock when the alert is sent minus the end
of its window (event time). Live, that is the delay a crisis owner feels; in a replay of a
2017 crisis it is years, so it cannot serve as the pipeline's latency.

``listener_alert_latency_seconds`` is therefore measured in processing time: from the moment
this worker had received every post of the window to the moment the alert was sent. That
moment is when the event-time progress the worker hears from upstream (the newest post time
of every raw partition, before the allowed lateness is taken off) first reached the window's
end: posts are sent before the progress that covers them, on the same partition, so by then
the window's last post is in. Live, the figure is the allowed lateness plus batching and
judging; in a replay it is batching, judging and any backlog ahead of the window.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable

from listener.ops.metrics import DeliveryMetrics

#: Most progress points remembered: at one per window batch, hours of them.
KEEP = 20_000


class AlertTiming:
    """Remembers when event-time progress was received, and times the alerts sent."""

    def __init__(
        self, metrics: DeliveryMetrics, keep: int = KEEP, wall: Callable[[], float] = time.time
    ) -> None:
        self.metrics = metrics
        self.keep = keep
        self.wall = wall
        #: Event time received through, ascending, and the wall-clock time it was received.
        self._through: list[float] = []
        self._at: list[float] = []

    def progress(self, through: float, at: float | None = None) -> None:
        """Called after each window batch: every post before ``through`` (event time) has
        been received, by wall-clock time ``at`` (default: now)."""
        if self._through and through <= self._through[-1]:
            return
        self._through.append(through)
        self._at.append(self.wall() if at is None else at)
        if len(self._through) > self.keep:
            drop = len(self._through) - self.keep
            del self._through[:drop], self._at[:drop]

    def received_at(self, window_end: float) -> float | None:
        """When every post before ``window_end`` had been received; None if progress has not
        reached it yet. A window already complete when this worker started counts from the
        worker's first batch: the wait before that was another worker's."""
        index = bisect.bisect_left(self._through, window_end)
        return self._at[index] if index < len(self._at) else None

    def sent(self, window_end: float, now: float | None = None) -> None:
        """Called when an alert for the window ending at ``window_end`` has been sent."""
        now = self.wall() if now is None else now
        self.metrics.alert_event_lag.observe(max(0.0, now - window_end))
        received = self.received_at(window_end)
        if received is not None:
            self.metrics.alert_latency.observe(max(0.0, now - received))
