"""The ``listener`` command: the only place that catches everything and exits non-zero
with one clear line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from listener.broker import kafka_client
from listener.errors import ListenerError
from listener.ops import logs
from listener.rules.ruleset import RuleSet
from listener.settings import Settings, describe

log = logging.getLogger("listener")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "bootstrap", None):
        overrides["kafka_bootstrap"] = args.bootstrap
    if getattr(args, "rules", None):
        overrides["rules_dir"] = args.rules
    # The command line's level and format win over LISTENER_LOG_*, in the worker too.
    for name in ("log_level", "log_format"):
        if getattr(args, name, None):
            overrides[name] = getattr(args, name)
    settings = Settings(**overrides)
    kafka_client.use(settings)
    return settings


def cmd_check(args: argparse.Namespace) -> int:
    from listener.rules.files.loader import load_rules
    from listener.rules.risks import unraised

    settings = _settings(args)
    rules = load_rules(settings.rules_dir)
    risks = len(rules.risks.risks) if rules.risks is not None else 0
    for name in unraised(rules.risks) if rules.risks is not None else ():
        print(
            f"warning: {settings.rules_dir / 'risks.yaml'}: risks.{name}: no alert rule raises"
            " this risk, so it can never be paged: map a rule to it under alert_rules",
            file=sys.stderr,
        )
    print(
        f"{settings.rules_dir}: {len(rules.brands)} brands, {len(rules.rules)} rules, "
        f"{len(rules.owners.groups)} owner groups, {risks} risks, "
        f"notifiers: {_channels(rules)}: OK"
    )
    return 0


def _channels(rules: RuleSet) -> str:
    config = rules.notifiers
    if config is None:
        return "none (notifications go to the worker's log)"
    names = [name for name in ("slack", "email") if getattr(config, name) is not None]
    names += [f"webhook {name}" for name in config.webhooks]
    return ", ".join(names)


def cmd_worker(args: argparse.Namespace) -> int:
    from listener.worker import run_worker

    return run_worker(_settings(args))


def cmd_topics(args: argparse.Namespace) -> int:
    from listener.worker import create_topics

    names = asyncio.run(create_topics(_settings(args)))
    print(f"{len(names)} topics present: {', '.join(names)}")
    return 0


def cmd_broker(args: argparse.Namespace) -> int:
    from listener.broker.serve import serve_broker

    return asyncio.run(serve_broker(args.port, args.durable))


def cmd_scenario(args: argparse.Namespace) -> int:
    from listener.replay.scenarios import main as scenario_main

    seed = [] if args.seed is None else ["--seed", str(args.seed)]
    return scenario_main([args.name, "--out", str(args.out), *seed])


def cmd_replay(args: argparse.Namespace) -> int:
    from listener.replay.commands import replay_command

    return asyncio.run(replay_command(_settings(args), args))


def cmd_report(args: argparse.Namespace) -> int:
    from listener.replay.commands import report_command

    return asyncio.run(report_command(args))


def cmd_backtest(args: argparse.Namespace) -> int:
    from listener.replay.backtest.command import backtest_command

    return asyncio.run(backtest_command(_settings(args), args))


def cmd_demo(args: argparse.Namespace) -> int:
    from listener.replay.commands import demo_command

    return asyncio.run(demo_command(_settings(args), args))


def cmd_connectors(args: argparse.Namespace) -> int:
    from listener.connectors import load_connectors, run_connectors

    if args.check:
        instances = load_connectors(args.dir)
        enabled = [i.name for i in instances if i.config.enabled]
        print(f"{args.dir}: {len(instances)} connectors, {len(enabled)} enabled: OK")
        return 0
    return asyncio.run(run_connectors(_settings(args), args.dir, metrics_port=args.metrics_port))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="listener",
        description=__doc__,
        epilog="Settings are LISTENER_* environment variables: docs/operations.md, Settings.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--log-level", choices=logs.LEVELS, help="default: LISTENER_LOG_LEVEL, else info"
    )
    parser.add_argument(
        "--log-format", choices=logs.FORMATS, help="default: LISTENER_LOG_FORMAT, else text"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_service_commands(sub)
    _add_replay_commands(sub)
    from listener.incidents.access.cli.incidents import add_parser as add_incidents

    add_incidents(sub)
    from listener.schemas.cli import add_parser as add_schema

    add_schema(sub)
    demo = sub.add_parser("demo", help="replay the Intesa Sanpaolo incident of October 2017")
    demo.add_argument("--rules", type=Path, help="rules directory (default: rules/)")
    demo.add_argument(
        "--out", type=Path, default=Path("out/demo"), help="plots go here (default: %(default)s)"
    )
    demo.set_defaults(func=cmd_demo)
    return parser


def _add_service_commands(sub: Any) -> None:
    """check, worker, broker, connectors: what runs a deployment."""
    check = sub.add_parser("check", help="validate the rules directory and exit")
    check.add_argument("--rules", type=Path, help="rules directory (default: rules/)")
    check.set_defaults(func=cmd_check)

    worker = sub.add_parser("worker", help="run a worker against LISTENER_KAFKA_BOOTSTRAP")
    worker.add_argument("--bootstrap", help="Kafka bootstrap servers, host:port[,host:port]")
    worker.add_argument("--rules", type=Path, help="rules directory (default: rules/)")
    worker.set_defaults(func=cmd_worker)

    topics = sub.add_parser(
        "topics", help="create listener's missing topics with their configs, then exit"
    )
    topics.add_argument("--bootstrap", help="Kafka bootstrap servers, host:port[,host:port]")
    topics.set_defaults(func=cmd_topics)

    broker = sub.add_parser("broker", help="run the embedded broker in the foreground")
    broker.add_argument(
        "--port", type=int, default=9092,
        help="port on 127.0.0.1 (default: %(default)s); one that is taken is an error",
    )  # fmt: skip
    broker.add_argument(
        "--durable", type=Path, help="keep topics in this directory (local S3 store)"
    )
    broker.set_defaults(func=cmd_broker)

    connectors = sub.add_parser(
        "connectors", help="listen to the sources in connectors/ and publish to the raw topic"
    )
    connectors.add_argument("--bootstrap", help="Kafka bootstrap servers, host:port[,host:port]")
    connectors.add_argument(
        "--dir",
        type=Path,
        default=Path("connectors"),
        help="connector files (default: %(default)s)",
    )
    connectors.add_argument("--metrics-port", type=int, default=6067, help="/metrics port")
    connectors.add_argument("--check", action="store_true", help="validate the files and exit")
    connectors.set_defaults(func=cmd_connectors)


def _add_replay_commands(sub: Any) -> None:
    """scenario, replay, report and backtest: past incidents through the pipeline."""
    from listener.replay.scenarios import SCENARIOS

    scenario = sub.add_parser("scenario", help="write a scenario file (JSONL)")
    scenario.add_argument("name", choices=sorted(SCENARIOS), help="which scenario")
    scenario.add_argument("--out", type=Path, required=True, help="replay file to write")
    scenario.add_argument(
        "--seed", type=int, help="random seed (default: the scenario's own); another seed, "
        "another variant"
    )  # fmt: skip
    scenario.set_defaults(func=cmd_scenario)

    from listener.replay.cli import add_replay_parser, add_report_parser

    add_replay_parser(sub).set_defaults(func=cmd_replay)
    add_report_parser(sub).set_defaults(func=cmd_report)

    from listener.replay.backtest import add_parser as add_backtest

    add_backtest(sub).set_defaults(func=cmd_backtest)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("listener-crisis")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.log_level = logs.choice(args.log_level, "LISTENER_LOG_LEVEL", logs.LEVELS, "info")
        args.log_format = logs.choice(args.log_format, "LISTENER_LOG_FORMAT", logs.FORMATS, "text")
        logs.setup_logging(args.log_level, args.log_format)
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, not at exit with a traceback
        return code
    except BrokenPipeError:
        # The reader went away (`listener incidents list | head`): nothing more to say there.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("listener: output closed before the end (broken pipe)", file=sys.stderr)
        return 141
    except ListenerError as exc:
        print(f"listener: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"listener: invalid setting: {describe(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a missing directory, a file that cannot be written
        where = f": {exc.filename}" if exc.filename else ""
        print(f"listener: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
