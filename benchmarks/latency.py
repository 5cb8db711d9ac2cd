"""Latency from a post to its alert, and from the alert to Slack, under live-paced traffic.

One worker runs against an embedded broker, its notifiers pointed at the local Slack and
mail stand-ins that replays use. A producer then publishes ``--rate`` posts a second for
``--seconds`` seconds, each dated the moment it is handed to the Kafka client (a post
followed live), about ``--brands`` brands that start from their usual; every
``--wave-every`` seconds a crisis wave begins about one more brand: ``--wave-rate`` angry
posts a second for ``--wave-seconds`` seconds, enough to fire the shipped negative-surge
rule within a minute. The total rate stays ``--rate``. Posts go in bundles of ``--bundle``
(a connector publishes a page of posts as one message).

For each alert (brand b, window ending at E, event time) it prints, as p50, p99 and max:

- post to alert: from the publication of the last post about b dated before E (the last
  post of the firing minute) to the alert record's publication (its Kafka timestamp);
- the lateness the clock waited for: the allowed lateness, or less once the worker has
  learnt how late the posts of each raw partition come (docs/architecture.md, "How long
  the clock waits for late posts"), as the score agent's marks said;
- of which the clock's wait: from that post to the moment every raw partition had two
  posts dated at or after E + that lateness, which is when the window's event-time clock
  may pass E (docs/architecture.md, "Event time"): the wait for the minute to end, and
  then for late posts;
- and the pipeline's part: from that moment to the alert's publication, split at the
  publication of the first marks on the scored topic that let the clock pass E (scoring
  before, judging after);

and, for the first Slack message of each incident (its page; an escalation or an
acknowledgement later in the incident is not an alert's delivery), from the publication of
the alert it reports to its arrival at the stand-in. Only windows the posts themselves
closed are counted: those ending in the last allowed lateness of the run are judged after
the stream stops, when the partitions are seen idle, and are shown apart. So are those of a
minute that closed while the worker was still learning how late each raw partition's posts
come (``--learning``), whose clock waited for that learning to end.

    .venv/bin/python benchmarks/latency.py [--rate 1000] [--seconds 180] [--lateness 60]
        [--learning SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import random
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fleet import broker_pid, cpu_seconds, load_average, metric_total, worker_pid
from prometheus_client.parser import text_string_to_metric_families
from throughput import worker_env

from listener.broker.admin import ensure_topics
from listener.broker.kafka_client import client_kwargs
from listener.broker.process import WorkerProcess
from listener.broker.tansu import EmbeddedBroker
from listener.broker.topics import TopicNames
from listener.notifiers.sinks import Posted
from listener.records import Alert
from listener.replay.namespace import stand_ins
from listener.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
#: Ordinary posts: eight of ten positive or neutral, two negative (VADER), so a brand's
#: negative share is its prior's 0.2.
CALM = [
    "customer service was friendly and fixed my card in minutes :)",
    "the new branch opening hours are great, thanks for listening",
    "the delivery arrived early and everything was perfect",
    "solid update, the new features are actually useful",
    "does anyone know when the new card design comes out?",
    "just opened an account, the process took ten minutes",
    "their ad on the tram today made me laugh",
    "switching my plan next month, any tips?",
    "I waited 40 minutes in line, worst service ever",
    "they charged me twice and nobody answers the phone. Terrible.",
]
NEGATIVE_SHARE = 0.2
ANGRY = [
    "this is a scandal, they lost my savings and nobody answers. Disgusting!",
    "worst company ever, a shameful disgrace, I am furious",
    "absolutely terrible, they lied to us and stole our money",
    "boycott them, horrible people, what a disgusting scam",
    "angry and disappointed, this is a disaster, shame on you",
    "they ruined my week, awful, pathetic, never again",
]
STEP = 60.0
#: Seconds the worker and the broker are watched with no post coming, before the stream.
IDLE_SECONDS = 10.0


#: How a message's details name its incident (notifiers/render.py).
INCIDENT = re.compile(r"Incident: ([\w.-]+)")


@dataclass(frozen=True)
class Wave:
    brand: str
    start: float  # seconds into the run
    end: float


@dataclass
class Published:
    """Publication times (POSIX seconds, equal to each post's created_at) of every post,
    by raw partition and by brand, ascending."""

    by_partition: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    by_brand: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    first: float = 0.0
    last: float = 0.0

    def minute(self, brand: str, end: float) -> tuple[float, float] | None:
        """The first and the last post about ``brand`` in the minute before ``end``."""
        times = self.by_brand[brand]
        first, last = bisect.bisect_left(times, end - STEP), bisect.bisect_left(times, end)
        return (times[first], times[last - 1]) if last > first else None

    def closed_at(self, moment: float) -> float | None:
        """When every partition had two posts dated at or after ``moment``: the event-time
        clock may then pass ``moment`` (None: the stream never got there)."""
        latest = 0.0
        for times in self.by_partition.values():
            index = bisect.bisect_left(times, moment)
            if index + 1 >= len(times):
                return None
            latest = max(latest, times[index + 1])
        return latest


@dataclass(frozen=True)
class Seen:
    """An alert as read back: the record, and when it was published (its Kafka timestamp)."""

    alert: Alert
    published: float


def write_rules(target: Path, brands: list[str], per_hour: float, notifiers: str) -> None:
    """The shipped owners and alert rules, the generated brands, the stand-ins' notifiers;
    no risk register (it names the shipped brands), so each rule is its own risk."""
    target.mkdir(parents=True)
    for name in ("alerts.yaml", "owners.yaml"):
        shutil.copy(ROOT / "rules" / name, target / name)
    owners = yaml.safe_load((ROOT / "rules" / "owners.yaml").read_text())
    group = next(iter(owners["groups"]))
    doc = {
        "brands": {
            b: {
                "name": title(b),
                "terms": [title(b).lower()],
                "owners": group,
                "baseline": {"volume_per_hour": per_hour, "negative_share": NEGATIVE_SHARE},
            }
            for b in brands
        }
    }
    (target / "brands.yaml").write_text(yaml.safe_dump(doc))
    (target / "notifiers.yaml").write_text(notifiers)


def title(brand: str) -> str:
    return brand.replace("_", " ").title()


def plan_waves(args: argparse.Namespace, brands: list[str]) -> list[Wave]:
    waves, start = [], args.wave_start
    while start + 10 < args.seconds and len(waves) < len(brands):
        waves.append(Wave(brands[len(waves)], start, start + args.wave_seconds))
        start += args.wave_every
    return waves


def make_post(n: int, brand: str, body: str, rng: random.Random) -> tuple[float, bytes]:
    now = time.time()
    post = {
        "id": str(n),
        "source": "x",
        "created_at": datetime.fromtimestamp(now, UTC).isoformat(),
        "text": f"{title(brand)} {body} #{n % 97}",
        "author_id": f"user{rng.randrange(1_000_000)}",
        "author_handle": f"user{n % 5000}",
        # No voice loud enough for the influential-critic rule: the waves are crowds.
        "author_followers": min(10_000, int(rng.paretovariate(1.2) * 50)),
        "lang": "en",
    }
    return now, orjson.dumps(post)


async def produce(
    args: argparse.Namespace, bootstrap: str, topic: str, brands: list[str], waves: list[Wave]
) -> Published:
    """Publish at ``args.rate`` posts a second for ``args.seconds``, in ticks of 10 ms, as
    bundles of ``args.bundle`` posts (a connector publishes a page of posts as one message),
    each bundle to the next raw partition in turn."""
    rng = random.Random(7)
    out = Published()
    producer = AIOKafkaProducer(**client_kwargs(bootstrap), linger_ms=5)
    await producer.start()
    try:
        started = out.first = time.time()
        sent = bundles = 0
        while (elapsed := time.time() - started) < args.seconds:
            active = [w for w in waves if w.start <= elapsed < w.end]
            angry = min(1.0, len(active) * args.wave_rate / args.rate)
            due = int(elapsed * args.rate) - sent
            while due > 0:
                partition = bundles % args.partitions
                values = []
                for _ in range(min(due, args.bundle)):
                    if active and rng.random() < angry:
                        brand, body = rng.choice(active).brand, rng.choice(ANGRY)
                    else:
                        brand, body = rng.choice(brands), rng.choice(CALM)
                    ts, value = make_post(sent, brand, body, rng)
                    values.append(value)
                    out.by_partition[partition].append(ts)
                    out.by_brand[brand].append(ts)
                    sent += 1
                    due -= 1
                value = values[0] if args.bundle == 1 else b"[" + b",".join(values) + b"]"
                await producer.send(topic, value, key=f"x:{bundles}".encode(), partition=partition)
                bundles += 1
            await asyncio.sleep(0.01)
        await producer.flush()
        out.last = time.time()
    finally:
        await producer.stop()
    return out


async def follow(bootstrap: str, topic: str, partitions: int, take: Callable[[Any], None]) -> None:
    """Hand every message of ``topic`` to ``take`` as it arrives, for as long as the run
    lasts (cancelled at its end)."""
    consumer = AIOKafkaConsumer(
        **client_kwargs(bootstrap), group_id=None, enable_auto_commit=False, fetch_max_wait_ms=50
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        while True:
            for messages in (await consumer.getmany(timeout_ms=200)).values():
                for message in messages:
                    take(message)
    finally:
        await consumer.stop()


@dataclass
class Marks:
    """The score agent's news of event time, as sent to the scored topic: when each was
    published, how far it lets the windows' clock go (the least of its raw partitions'
    marks, each less the lateness it is waited for; None while a partition has none), and
    the longest of those waits."""

    lateness: float
    sent: list[tuple[float, float | None, float]] = field(default_factory=list)

    def take(self, message: Any) -> None:
        # Only marks messages, which ScoredBatch.dumps begins with a null brand; the posts
        # are not decoded.
        if message.value.startswith(b'{"brand":null'):
            data = orjson.loads(message.value)
            marks, waits = data["watermarks"], data.get("waits", {})
            wait = {p: min(self.lateness, waits.get(p, self.lateness)) for p in marks}
            reach = None
            if marks and None not in marks.values():
                reach = min(mark - wait[p] for p, mark in marks.items())
            self.sent.append((message.timestamp / 1000, reach, max(wait.values(), default=0.0)))

    def learnt_at(self) -> float | None:
        """When the first marks were published that waited for every raw partition only as
        long as its posts were learnt to come late (before: the whole allowed lateness)."""
        return min((at for at, _, wait in self.sent if wait < self.lateness), default=None)

    def first_reaching(self, moment: float) -> tuple[float, float] | None:
        """When the first marks letting the clock reach ``moment`` were published, and the
        longest wait for late posts they asked."""
        for at, reach, wait in sorted(self.sent):
            if reach is not None and reach >= moment:
                return at, wait
        return None


async def batch_times(client: httpx.AsyncClient, worker: WorkerProcess) -> dict[str, str]:
    """Per agent: micro-batches, their seconds in all, and how many took over 0.5, 1 and
    2.5 s (listener_batch_seconds): a long batch holds the worker's one event loop."""
    text = (await client.get(f"{worker.url}/metrics")).text
    found: dict[str, dict[str, float]] = defaultdict(dict)
    for family in text_string_to_metric_families(text):
        if family.name == "listener_batch_seconds":
            for sample in family.samples:
                agent = sample.labels["agent"]
                if sample.name.endswith("_bucket"):
                    found[agent][sample.labels["le"]] = sample.value
                elif sample.name.endswith(("_sum", "_count")):
                    found[agent][sample.name.rsplit("_", 1)[1]] = sample.value
    out = {}
    for agent, f in sorted(found.items()):
        over = [f["count"] - f[le] for le in ("0.5", "1.0", "2.5")]
        out[agent] = (
            f"{f['count']:,.0f} batches, {f['sum']:.1f} s; over 0.5 / 1 / 2.5 s: "
            + " / ".join(f"{n:.0f}" for n in over)
        )
    return out


def percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    n = len(values)
    return f"p50 {at(0.5):7.3f} s   p99 {at(0.99):7.3f} s   max {ordered[-1]:7.3f} s   (n={n})"


def incident_of(message: Posted) -> str | None:
    """The incident a Slack message is about, as its details name it (None: not named)."""
    found = INCIDENT.search(orjson.dumps(message.body).decode())
    return found.group(1) if found else None


def alert_for(message: Posted, alerts: list[Seen]) -> Seen | None:
    """The alert a Slack message reports: the newest one published before it arrived whose
    brand and rule it names."""
    text = orjson.dumps(message.body).decode()
    named = [
        seen
        for seen in alerts
        if seen.published <= message.at
        and seen.alert.brand_name in text
        and seen.alert.rule in text
    ]
    return max(named, key=lambda s: s.published) if named else None


def report(
    args: argparse.Namespace,
    published: Published,
    waves: list[Wave],
    alerts: list[Seen],
    marks: Marks,
    slack: list[Posted],
) -> None:
    total, first, clock, pipeline, scoring, judging, after = [], [], [], [], [], [], []
    # Alerts whose minute closed while the worker was still learning how late each raw
    # partition's posts come, and whose clock was let through when that learning ended
    # (until then it waits the whole allowed lateness): a worker's first minutes.
    learning: list[float] = []
    learnt = marks.learnt_at()
    waits: list[float] = []
    for seen in alerts:
        end = seen.alert.fired_at.timestamp()
        minute = published.minute(seen.alert.brand, end)
        reached = marks.first_reaching(end)
        if minute is None or reached is None:
            after.append(seen)
            continue
        announced, wait = reached
        closed = published.closed_at(end + wait)
        if closed is None:
            after.append(seen)
            continue
        if learnt is not None and closed < learnt <= announced:
            learning.append(seen.published - minute[1])
            continue
        waits.append(wait)
        first.append(seen.published - minute[0])
        total.append(seen.published - minute[1])
        clock.append(closed - minute[1])
        pipeline.append(seen.published - closed)
        scoring.append(announced - closed)
        judging.append(seen.published - announced)
    stamps = [abs(s.published - s.alert.emitted_at.timestamp()) for s in alerts]
    onset = []
    for wave in waves:
        theirs = [s.published for s in alerts if s.alert.brand == wave.brand]
        if theirs:
            onset.append(min(theirs) - (published.first + wave.start))
    to_slack, unmatched, later = [], 0, 0
    paged: set[str] = set()
    for message in sorted(slack, key=lambda m: m.at):
        incident = incident_of(message)
        if incident is not None and incident in paged:
            later += 1  # an escalation or an acknowledgement: not the alert's own page
            continue
        if incident is not None:
            paged.add(incident)
        seen = alert_for(message, alerts)
        if seen is None:
            unmatched += 1
        else:
            to_slack.append(message.at - seen.published)
    print(f"alerts                              {len(alerts)} "
          f"({len(after)} judged after the stream stopped, not counted; "
          f"{len(learning)} closed while the lateness was being learnt, shown apart)")  # fmt: skip
    for seen in sorted(alerts, key=lambda s: s.published):
        a = seen.alert
        print(f"  {a.fired_at:%H:%M} {a.severity:<8s} {a.rule:<16s} {a.brand}")
    print(f"lateness waited for, by alert            {percentiles(waits)}")
    print(f"post to alert, last post of the minute   {percentiles(total)}")
    print(f"  of which the clock's wait              {percentiles(clock)}")
    print(f"  of which the pipeline                  {percentiles(pipeline)}")
    print(f"    scoring, to the marks that close it  {percentiles(scoring)}")
    print(f"    windows, from those marks            {percentiles(judging)}")
    print(f"  closed while learning the lateness     {percentiles(learning)}")
    if len(set(waits)) > 1:
        for label, learnt in (("the allowed lateness", False), ("what the posts taught", True)):
            part = [t for t, w in zip(total, waits, strict=True) if (w < args.lateness) == learnt]
            print(f"  waiting {label:<31s}  {percentiles(part)}")
    print(f"post to alert, first post of the minute  {percentiles(first)}")
    print(f"wave's first post to its first alert     {percentiles(onset)}")
    print(f"alert to Slack                           {percentiles(to_slack)}")
    print(f"Slack messages                           {len(slack)} ({unmatched} not matched, "
          f"{later} later messages of an incident paged already, not counted)")  # fmt: skip
    if stamps:
        print(f"alert record's timestamp - its emitted_at  at most {max(stamps) * 1000:.0f} ms")


async def run(args: argparse.Namespace) -> None:
    brands = [f"brand_{i:03d}" for i in range(args.brands)]
    waves = plan_waves(args, brands)
    work = Path(tempfile.mkdtemp(prefix="listener-latency-"))
    settings = Settings(partitions=args.partitions)
    names = TopicNames.for_settings(settings)
    alerts: list[Seen] = []
    marks = Marks(float(args.lateness))
    async with stand_ins() as sinks, EmbeddedBroker(log_file=work / "broker.log") as broker:
        write_rules(work / "rules", brands, args.rate / args.brands * 3600, sinks.notifiers("UTC"))
        await ensure_topics(broker.bootstrap, names.all(), args.partitions)
        learning = {}
        if args.learning is not None:
            learning["LISTENER_LATENESS_LEARNING_SECONDS"] = str(args.learning)
        worker = WorkerProcess(
            broker.bootstrap,
            work,
            env={
                **sinks.env,
                **worker_env(work / "rules", args.partitions, args.bundle),
                "LISTENER_ALLOWED_LATENESS_SECONDS": str(args.lateness),
                **learning,
            },
        )
        worker.start()

        def take_alert(message: Any) -> None:
            alerts.append(Seen(Alert.loads(message.value), message.timestamp / 1000))

        readers = [
            asyncio.create_task(follow(broker.bootstrap, topic, args.partitions, take))
            for topic, take in ((names.alerts, take_alert), (names.scored, marks.take))
        ]
        try:
            await worker.wait_ready()
            pids = worker_pid(worker), broker_pid(broker)
            # What the worker and the broker spend with no post coming: fetches answered
            # every 100 ms, timers, health.
            cpu = [cpu_seconds(pid) for pid in pids]
            await asyncio.sleep(IDLE_SECONDS)
            idle = [
                (cpu_seconds(pid) - was) / IDLE_SECONDS for pid, was in zip(pids, cpu, strict=True)
            ]
            cpu = [cpu_seconds(pid) for pid in pids]
            load_started = load_average()
            published = await produce(args, broker.bootstrap, names.raw, brands, waves)
            cpu = [cpu_seconds(pid) - was for pid, was in zip(pids, cpu, strict=True)]
            load_ended = load_average()
            # The windows the stream's end leaves open are judged once the partitions are
            # seen idle; wait for them and their messages too.
            await asyncio.sleep(args.drain)
            async with httpx.AsyncClient(timeout=10.0) as client:
                counted = await metric_total(client, worker, "listener_window_posts_counted_total")
                late = await metric_total(client, worker, "listener_window_posts_late_total")
                snapshots = await metric_total(client, worker, "listener_snapshots_written_total")
                own = [
                    await metric_total(client, worker, f"listener_alert_latency_seconds_{s}")
                    for s in ("sum", "count")
                ]
                batches = await batch_times(client, worker)
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            await worker.stop()
    posts = sum(len(t) for t in published.by_partition.values())
    seconds = published.last - published.first
    print(f"published                           {posts:,} posts in {seconds:.1f} s "
          f"({posts / seconds:,.0f}/s), {len(waves)} waves; counted {counted:,.0f}, "
          f"late {late:,.0f}")  # fmt: skip
    print(f"allowed lateness                    {args.lateness} s")
    print(f"load average                        {load_started} at start, {load_ended} at end")
    print(f"worker CPU                          {cpu[0] / seconds:.0%} of a core, "
          f"{cpu[0] / posts * 1e6:.0f} µs per post; broker {cpu[1] / seconds:.0%}, "
          f"{cpu[1] / posts * 1e6:.0f} µs per post")  # fmt: skip
    print(f"  with no post coming             worker {idle[0]:.0%} of a core, broker {idle[1]:.0%}")
    print(f"  window state snapshots written  {snapshots:,.0f}")
    if own[1]:
        print(f"worker's listener_alert_latency     mean {own[0] / own[1]:.3f} s (n={own[1]:.0f})")
    for agent, figures in batches.items():
        print(f"  {agent + ' agent':<34s}{figures}")
    report(args, published, waves, alerts, marks, sinks.slack.posted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=1000.0, help="posts per second")
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--brands", type=int, default=200)
    parser.add_argument("--lateness", type=int, default=Settings().allowed_lateness_seconds)
    parser.add_argument(
        "--learning",
        type=float,
        default=None,
        help="LISTENER_LATENESS_LEARNING_SECONDS (default: the worker's)",
    )
    parser.add_argument("--wave-start", type=float, default=20.0)
    parser.add_argument("--wave-every", type=float, default=10.0)
    parser.add_argument("--wave-seconds", type=float, default=60.0)
    parser.add_argument("--wave-rate", type=float, default=40.0, help="angry posts per second")
    parser.add_argument("--bundle", type=int, default=10, help="posts per raw message")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--drain", type=float, default=15.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
