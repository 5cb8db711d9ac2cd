"""``listener replay``, ``listener report`` and ``listener demo``: what they print."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from listener.broker.topics import TopicNames
from listener.errors import ScenarioError
from listener.notifiers.sinks import MailSink, SlackSink
from listener.replay.cli import DEFAULT_ZONE
from listener.replay.driver import ReplayResult, cluster, replay_through
from listener.replay.inputs import Checked, check_file
from listener.replay.mapping import load_mapping
from listener.replay.namespace import copy_rules, stand_ins
from listener.replay.progress import Progress
from listener.replay.publish import ReplayReport, publish
from listener.replay.report import Produced, RunInfo, incident_timeline, timeline, write_report
from listener.replay.report.saved import SAVED, load, save
from listener.replay.run import Options, read_notices, replay_isolated
from listener.rules.files.loader import load_rules
from listener.settings import Settings

#: The Intesa Sanpaolo page's wave began with the first comment about the video.
WAVE_START = datetime.fromisoformat("2017-10-03T16:30:00+02:00")
ROME = "Europe/Rome"
#: How many messages the demo lists one by one.
SHOWN_MESSAGES = 12


async def replay_command(settings: Settings, args: argparse.Namespace) -> int:
    mapping = load_mapping(args.columns, args.column) if args.columns or args.column else None
    zone_name = args.timezone or default_zone(settings.rules_dir)
    zone = ZoneInfo(zone_name)
    progress = Progress.wanted(args.progress, 0, zone)
    checked = check_file(args.file, mapping, progress.checking)
    progress.done()
    _tell_bad(checked, args.file, args.strict)
    progress.total = len(checked.lines)
    if not args.run:
        return await _publish_only(settings, checked, args, progress)
    if args.live_notifiers:
        say("listener: --live-notifiers: messages go through the rules' notifiers.yaml")
    options = Options(args.speed, args.bundle, args.workers, zone_name, args.live_notifiers)
    outcome = await replay_isolated(settings, checked.lines, args.out, options, progress)
    _print_result(outcome.result, zone)
    if outcome.received is not None:
        print(f"{outcome.received} messages went to the local stand-ins, nobody real")
    if not args.no_report:
        facts = (f"file {args.file.name}", f"{len(checked.bad)} bad lines left out")
        info = RunInfo(
            f"Replay of {args.file.name}", zone, zone_name, outcome.result.report.posts, facts
        )
        for path in save_and_write(outcome.produced(), info, args.out):
            print(f"report: {path}")
    return 0


def say(text: str) -> None:
    """What is not the command's result goes to stderr."""
    print(text, file=sys.stderr, flush=True)


def _tell_bad(checked: Checked, path: Path, strict: bool) -> None:
    """Report the first bad lines; with ``strict``, or when no line is good, stop."""
    if not checked.bad:
        if not checked.lines:
            raise ScenarioError(f"{path}: no post to replay")
        return
    for line in checked.summary():
        say(f"{path}: {line}")
    total = len(checked.bad) + len(checked.lines)
    if strict:
        raise ScenarioError(
            f"{path}: {len(checked.bad)} of {total} lines are bad; nothing was published (--strict)"
        )
    if not checked.lines:
        raise ScenarioError(f"{path}: all {total} lines are bad; nothing to replay")
    say(f"{path}: {len(checked.bad)} of {total} lines are bad and left out; replaying the "
        f"{len(checked.lines)} good ones (--strict stops instead)")  # fmt: skip


def default_zone(rules_dir: Path) -> str:
    """The zone of notifiers.yaml when the rules have one, else :data:`DEFAULT_ZONE`."""
    notifiers = load_rules(rules_dir).notifiers
    return notifiers.timezone if notifiers is not None else DEFAULT_ZONE


async def _publish_only(
    settings: Settings, checked: Checked, args: argparse.Namespace, progress: Progress
) -> int:
    """Publish into the raw topic of the deployment named: its workers judge the posts."""
    if not settings.kafka_bootstrap:
        raise ScenarioError("name a Kafka cluster with --bootstrap (or use --run)")
    topic = TopicNames.for_settings(settings).raw
    report = await publish(
        settings.kafka_bootstrap, topic, checked.lines, speed=args.speed, bundle=args.bundle,
        on_sent=progress.published,
    )  # fmt: skip
    progress.done()
    _print_skipped(report)
    print(
        f"published {report.posts} posts in {report.messages} messages to {topic} "
        f"in {report.seconds:.1f}s{_skipped_note(report)}"
    )
    return 0


def save_and_write(produced: Produced, info: RunInfo, out: Path) -> list[Path]:
    """Save the run (run.json, for ``listener report``) and write its report files."""
    meta = {"title": info.title, "zone": info.zone_name, "posts": info.posts,
            "facts": list(info.facts)}  # fmt: skip
    saved = save(produced, out / SAVED, meta)
    return [*write_report(produced, info, out), saved]


async def report_command(args: argparse.Namespace) -> int:
    produced, meta = load(args.run)
    zone_name = args.timezone or str(meta.get("zone", DEFAULT_ZONE))
    info = RunInfo(
        str(meta.get("title", "listener run")), ZoneInfo(zone_name), zone_name,
        int(meta.get("posts", 0)), tuple(meta.get("facts", ())),
    )  # fmt: skip
    out = args.out or (args.run if args.run.is_dir() else args.run.parent)
    for path in write_report(produced, info, out, pngs=not args.no_png):
        print(f"report: {path}")
    return 0


def _print_skipped(report: ReplayReport) -> None:
    for line in report.skipped:
        print(f"line {line.number} skipped: {line.reason}", file=sys.stderr)


def _skipped_note(report: ReplayReport) -> str:
    count = len(report.skipped)
    return f"; {count} line{'s' if count != 1 else ''} too large, skipped" if count else ""


def _print_result(result: ReplayResult, zone: tzinfo) -> None:
    _print_skipped(result.report)
    print(timeline(result.alerts, zone))
    print("\nincidents (event time):\n")
    print(incident_timeline(result.transitions, zone))
    print()
    print(
        f"{result.report.posts} posts replayed in {result.report.seconds:.1f}s; "
        f"{len(result.alerts)} alerts; {len(result.dead_letters)} dead letters"
        f"{_skipped_note(result.report)}"
    )


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
    path = out / "intesa-2017.jsonl"
    count = write_jsonl(generate_intesa(), path)
    print(f"scenario: {count} posts, 1-4 October 2017 on the Intesa Sanpaolo page ({path})")
    print("  a reconstruction for demonstration: the texts and authors are invented")
    started = time.perf_counter()
    zone = ZoneInfo(ROME)
    async with stand_ins() as sinks:
        rules_dir = copy_rules(settings.rules_dir, out / "rules", sinks.notifiers(ROME))
        rules = load_rules(rules_dir)
        demo = settings.model_copy(update={"rules_dir": rules_dir})
        async with cluster(demo, out / "run", env=sinks.env) as group:
            ready = time.perf_counter() - started
            print(f"embedded broker on {group.bootstrap}; worker ready in {ready:.1f}s")
            print(f"Slack stand-in on {sinks.slack.url}, mail sink on 127.0.0.1:{sinks.mail.port}")
            result = await replay_through(group, path, rules.step)
            notices = await read_notices(group)
        print(f"\nalert timeline (event time, {ROME}):\n")
        _print_result(result, zone)
        _print_messages(sinks.slack, sinks.mail)
    paged = _first_page(result)
    print(
        f"whole run {time.perf_counter() - started:.1f}s (publish "
        f"{result.timings['publish_seconds']:.1f}s, pipeline drained "
        f"{result.timings.get('drain_seconds', 0):.1f}s later, incidents and deliveries "
        f"{result.timings.get('incidents_seconds', 0):.1f}s after that)"
    )
    channels = {pid: len(p.channels) for pid, p in rules.owners.people.items()}
    produced = Produced(result.alerts, result.stats, result.transitions, notices, channels)
    info = RunInfo("The Intesa Sanpaolo wave of 3 October 2017 (a reconstruction)", zone,
                   ROME, result.report.posts)  # fmt: skip
    print(f"report: {save_and_write(produced, info, out)[0]}")
    return 0 if paged else 1
