"""What the scaling and latency benchmarks share: the embedded broker's process, the
machine's load, and the workers' counters.

The figures these benchmarks print are CPU seconds read from /proc, so they stay
meaningful when other processes share the cores; the load average printed beside them
says how much they did.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from listener.broker.process import WorkerProcess
from listener.broker.tansu import EmbeddedBroker


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, as /proc/loadavg gives them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine_cpu_seconds() -> float:
    """CPU seconds every core of the machine spent busy so far, whoever ran (/proc/stat):
    beside this run's own processes, it says what other processes took meanwhile."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait; guest time is inside user already
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU time of this process: the producer, the stand-ins and the polling."""
    times = os.times()
    return times.user + times.system


def broker_pid(broker: EmbeddedBroker) -> int:
    """The Tansu process of ``broker``: its CPU time is the broker's cost per post, which
    the broker's client API does not expose."""
    process = broker._process
    if process is None:
        raise RuntimeError("the broker is not running")
    return process.pid


def worker_pid(worker: WorkerProcess) -> int:
    if worker.process is None:
        raise RuntimeError("the worker is not running")
    return worker.process.pid


async def metric_total(client: httpx.AsyncClient, worker: WorkerProcess, sample: str) -> float:
    """The sum over labels of the samples named ``sample`` on ``worker`` (a counter's
    ``..._total``, a histogram's ``..._sum`` or ``..._count``, a gauge); 0 when none yet."""
    text = (await client.get(f"{worker.url}/metrics")).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == sample
    )


async def totals(
    client: httpx.AsyncClient, workers: Iterable[WorkerProcess], sample: str
) -> list[float]:
    """``sample``'s total on each of ``workers``, in order."""
    return [await metric_total(client, worker, sample) for worker in workers]
