"""``listener replay`` and ``listener demo``."""

from __future__ import annotations

import argparse
import secrets
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from listener.notifiers.sinks import MailSink, SlackSink
from listener.replay.driver import ReplayResult, cluster, replay_through
from listener.replay.publish import ReplayReport, publish, read_lines
from listener.replay.report import incident_timeline, plot, timeline
from listener.rules.loader import OPTIONAL_FILES, load_rules
from listener.settings import Settings
from listener.topics import TopicNames

#: The Intesa Sanpaolo page's wave began with the first comment about the video.
WAVE_START = datetime.fromisoformat("2017-10-03T16:30:00+02:00")
ROME_SUMMER = timedelta(hours=2)
#: How many messages the demo lists one by one.
SHOWN_MESSAGES = 12

#: The demo's notifiers: the Slack stand-in and the mail sink it starts itself.
DEMO_NOTIFIERS = """\
# Written by `listener demo`: every message goes to local stand-ins the demo started.
notifiers:
  timezone: Europe/Rome
  slack:
    webhook_url_env: LISTENER_SLACK_WEBHOOK_URL
    timeout: 5s
  email:
    host: 127.0.0.1
    port: {port}
    security: plain
    from_address: listener@example.com
    timeout: 5s
  delivery:
    max_attempts: 3
    first_delay: 1s
    max_delay: 5s
"""


async def replay_command(settings: Settings, args: argparse.Namespace) -> int:
    lines = read_lines(args.file)
    if not args.run:
        if not settings.kafka_bootstrap:
            print("listener: name a Kafka cluster with --bootstrap (or use --run)")
            return 2
        topic = TopicNames.for_settings(settings).raw
        report = await publish(
            settings.kafka_bootstrap, topic, lines, speed=args.speed, bundle=args.bundle
        )
        _print_skipped(report)
        print(
            f"published {report.posts} posts in {report.messages} messages to {topic} "
            f"in {report.seconds:.1f}s{_skipped_note(report)}"
        )
        return 0
    rules = load_rules(settings.rules_dir)
    async with cluster(settings, args.out / "run", bootstrap=settings.kafka_bootstrap) as group:
        result = await replay_through(group, args.file, rules.step, args.speed, args.bundle)
    _print_result(result, None, args.out)
    return 0


def _print_skipped(report: ReplayReport) -> None:
    for line in report.skipped:
        print(f"line {line.number} skipped: {line.reason}")


def _skipped_note(report: ReplayReport) -> str:
    count = len(report.skipped)
    return f"; {count} line{'s' if count != 1 else ''} too large, skipped" if count else ""


def _print_result(result: ReplayResult, offset: timedelta | None, out: Path) -> None:
    _print_skipped(result.report)
    print(timeline(result.alerts, offset))
    print("\nincidents (event time):\n")
    print(incident_timeline(result.transitions, offset))
    print()
    print(
        f"{result.report.posts} posts replayed in {result.report.seconds:.1f}s; "
        f"{len(result.alerts)} alerts; {len(result.dead_letters)} dead letters"
        f"{_skipped_note(result.report)}"
    )
    for brand in sorted({a.brand for a in result.alerts}):
        path = plot(result.stats, result.alerts, brand, out / f"{brand}.png")
        if path is not None:
            print(f"plot: {path}")


def demo_rules(source: Path, target: Path, mail_port: int) -> Path:
    """A copy of the rules directory whose notifiers are the demo's local stand-ins."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.yaml"):
        if path.name not in OPTIONAL_FILES or path.name == "risks.yaml":
            shutil.copy(path, target / path.name)
    (target / "notifiers.yaml").write_text(DEMO_NOTIFIERS.format(port=mail_port))
    return target


@asynccontextmanager
async def stand_ins() -> AsyncIterator[tuple[SlackSink, MailSink]]:
    slack, mail = SlackSink(), MailSink()
    await slack.start()
    await mail.start()
    try:
        yield slack, mail
    finally:
        await slack.stop()
        await mail.stop()


def _print_messages(slack: SlackSink, mail: MailSink) -> None:
    sent = [
        (p.at, "Slack", "(incoming webhook)", str(p.body.get("text", ""))) for p in slack.posted
    ]
    sent += [(at, "email", str(m["To"]), str(m["Subject"])) for at, m in mail.mails]
    sent.sort(key=lambda item: item[0])
    print(
        f"\nmessages the owners received ({len(slack.posted)} on the Slack stand-in, "
        f"{len(mail.mails)} in the mail sink), in the order they arrived:\n"
    )
    for _, channel, target, subject in sent[:SHOWN_MESSAGES]:
        print(f"  {channel:<5} {target[:44]:<44} {subject}")
    if len(sent) > SHOWN_MESSAGES:
        print(f"  ... and {len(sent) - SHOWN_MESSAGES} more")
    if mail.mails:
        first = mail.mails[0][1]
        body = first.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        print(f"\nthe first email, as {first['To']} read it:\n")
        print("    " + "\n    ".join(str(text).rstrip().splitlines()))


def _first_page(result: ReplayResult) -> bool:
    """Print when the first alert that pages someone fired (an info notice pages nobody);
    whether one did."""
    paging = [a for a in result.alerts if a.severity != "info"]
    if paging:
        first = paging[0]
        minutes = (first.fired_at - WAVE_START).total_seconds() / 60
        print(
            f"\nfirst page at {first.fired_at.astimezone(WAVE_START.tzinfo):%H:%M} event time "
            f"({first.severity}, {first.rule}), {minutes:.0f} minutes after the wave began "
            "at 16:30"
        )
    return bool(paging)


async def demo_command(settings: Settings, args: argparse.Namespace) -> int:
    from listener.replay.scenarios import generate_intesa, write_jsonl

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rules = load_rules(settings.rules_dir)
    path = out / "intesa-2017.jsonl"
    count = write_jsonl(generate_intesa(), path)
    print(f"scenario: {count} posts, 1-4 October 2017 on the Intesa Sanpaolo page ({path})")
    print("  a reconstruction for demonstration: the texts and authors are invented")
    started = time.perf_counter()
    async with stand_ins() as (slack, mail):
        rules_dir = demo_rules(settings.rules_dir, out / "rules", mail.port)
        demo = settings.model_copy(update={"rules_dir": rules_dir})
        env = {
            "LISTENER_SLACK_WEBHOOK_URL": slack.url,
            "LISTENER_ACK_SECRET": secrets.token_urlsafe(48),
        }
        async with cluster(demo, out / "run", env=env) as group:
            ready = time.perf_counter() - started
            print(f"embedded broker on {group.bootstrap}; worker ready in {ready:.1f}s")
            print(f"Slack stand-in on {slack.url}, mail sink on 127.0.0.1:{mail.port}")
            result = await replay_through(group, path, rules.step)
        print("\nalert timeline (event time, Europe/Rome):\n")
        _print_result(result, ROME_SUMMER, out)
        _print_messages(slack, mail)
    paged = _first_page(result)
    print(
        f"whole run {time.perf_counter() - started:.1f}s (publish "
        f"{result.timings['publish_seconds']:.1f}s, pipeline drained "
        f"{result.timings.get('drain_seconds', 0):.1f}s later, incidents and deliveries "
        f"{result.timings.get('incidents_seconds', 0):.1f}s after that)"
    )
    return 0 if paged else 1
