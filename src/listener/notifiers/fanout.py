"""From one notification to every delivery it needs, and back to who could not be reached.

:func:`plan` decides the targets: one Slack message per incident channel (the level's people
mentioned in it), one email per person who is told by email, one request per webhook,
PagerDuty service and Teams channel the owner group names.
:func:`deliver_all` sends them concurrently, each with its own retries and dedupe key, and
hands each result to the caller as soon as that one settles.
:func:`unreached` turns the failures into the words of a ``delivery_failed`` notification
for the next level.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from functools import partial

import httpx

from listener.errors import ConfigError, ConfigIssue
from listener.notifiers.base import Notifier
from listener.notifiers.config import NotifiersConfig
from listener.notifiers.delivery import (
    DeliveryLedger,
    DeliveryResult,
    Observe,
    RetryPolicy,
    Sleep,
    Target,
    deliver,
)
from listener.notifiers.email.notifier import email_notifier
from listener.notifiers.message import Notification
from listener.notifiers.pagerduty.notifier import pagerduty_notifier
from listener.notifiers.slack.notifier import SlackThreads, slack_notifier
from listener.notifiers.teams.notifier import teams_notifier
from listener.notifiers.webhook.notifier import webhook_notifier

#: The Slack target of a message without a group channel: the notifier's own channel.
DEFAULT_SLACK = "default"
#: Channels that reach a system or a room, not the people paged: no acknowledge link, and
#: a failure there leaves nobody unreached.
SYSTEMS = frozenset({"webhook", "pagerduty", "teams"})
_WORDS = {"webhook": "webhook", "pagerduty": "PagerDuty", "teams": "Teams"}


@dataclass(frozen=True, slots=True)
class Route:
    """One delivery to make: where, and the message as that target should get it."""

    where: Target
    message: Notification


@dataclass(frozen=True, slots=True)
class Notifiers:
    """The notifiers built from the configuration, by channel."""

    slack: Notifier | None = None
    email: Notifier | None = None
    webhooks: Mapping[str, Notifier] = field(default_factory=dict)
    pagerduty: Mapping[str, Notifier] = field(default_factory=dict)
    teams: Mapping[str, Notifier] = field(default_factory=dict)

    def for_target(self, where: Target) -> Notifier:
        """The notifier for ``where``; KeyError when that channel is not configured."""
        found = {"slack": self.slack, "email": self.email}.get(where.channel)
        named = {"webhook": self.webhooks, "pagerduty": self.pagerduty, "teams": self.teams}
        if where.channel in named:
            found = named[where.channel].get(where.target)
        if found is None:
            raise KeyError(f"no notifier for {where.channel} {where.target}")
        return found


def plan(
    message: Notification,
    notifiers: Notifiers,
    webhooks: Sequence[str] = (),
    pagerduty: Sequence[str] = (),
    teams: Sequence[str] = (),
) -> list[Route]:
    """The deliveries ``message`` needs, given which channels are configured and which
    webhooks, PagerDuty services and Teams channels the owner group names. A person is
    told by email only if they list email."""
    routes: list[Route] = []
    if notifiers.slack is not None and any("slack" in r.channels for r in message.recipients):
        routes.append(Route(Target("slack", message.slack_channel or DEFAULT_SLACK), message))
    if notifiers.email is not None:
        told = message.told or tuple(r.name for r in message.recipients)
        for person in message.recipients:
            if "email" in person.channels and person.email:
                one = replace(message, recipients=(person,), told=told)
                routes.append(Route(Target("email", person.email), one))
    routes += [Route(Target("webhook", name), message) for name in webhooks]
    routes += [Route(Target("pagerduty", name), message) for name in pagerduty]
    routes += [Route(Target("teams", name), message) for name in teams]
    return routes


#: Called with each route and its result as soon as that route settles, before the others
#: have: the caller saves what was sent there and then, so a crash cannot send it again.
Settled = Callable[[Route, DeliveryResult], Awaitable[None]]


async def deliver_all(
    routes: Sequence[Route],
    notifiers: Notifiers,
    ledger: DeliveryLedger,
    policy: RetryPolicy,
    *,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
    on_attempt: Observe | None = None,
    on_settled: Settled | None = None,
) -> list[DeliveryResult]:
    """Deliver every route concurrently; results come in the order of ``routes``.
    ``on_attempt`` hears of every attempt as it ends, ``on_settled`` of every route as it
    settles (a duplicate included)."""

    async def one(route: Route) -> DeliveryResult:
        notifier = notifiers.for_target(route.where)
        result = await deliver(
            notifier, route.message, route.where, ledger, policy,
            sleep=sleep, rng=rng, on_attempt=on_attempt,
        )  # fmt: skip
        if on_settled is not None:
            await on_settled(route, result)
        return result

    return list(await asyncio.gather(*(one(route) for route in routes)))


def unreached(routes: Sequence[Route], results: Sequence[DeliveryResult]) -> tuple[str, ...]:
    """Who could not be reached, in words: "Maria Rossi by email", "the Slack channel"."""
    out: list[str] = []
    for route, result in zip(routes, results, strict=True):
        if not result.failed:
            continue
        if route.where.channel == "email":
            out.append(f"{route.message.recipients[0].name} by email")
        elif route.where.channel == "slack":
            out.append(f"Slack ({', '.join(r.name for r in route.message.recipients)})")
        else:
            out.append(f"{_WORDS[route.where.channel]} {route.where.target}")
    return tuple(out)


def unreached_people(routes: Sequence[Route], results: Sequence[DeliveryResult]) -> tuple[str, ...]:
    """Ids of the people no route reached: every route to them failed. A person told on
    Slack whose email bounced was reached; a duplicate counts as reached (it was before).
    Webhooks, PagerDuty and Teams reach systems and rooms, not people, and do not count."""
    reached: set[str] = set()
    missed: list[str] = []
    for route, result in zip(routes, results, strict=True):
        if route.where.channel in SYSTEMS:
            continue
        for person in route.message.recipients:
            if not result.failed:
                reached.add(person.id)
            elif person.id not in missed:
                missed.append(person.id)
    return tuple(p for p in missed if p not in reached)


def build_notifiers(
    config: NotifiersConfig,
    environ: Mapping[str, str],
    client: httpx.AsyncClient,
    threads: SlackThreads,
    tz: tzinfo | None = None,
) -> Notifiers:
    """Every notifier ``config`` describes. Raises one ConfigError listing every variable
    that is unset, not just the first."""
    zone = tz or config.zone
    issues: list[ConfigIssue] = []

    def built(make: Callable[[], Notifier]) -> Notifier | None:
        try:
            return make()
        except ConfigError as exc:
            issues.extend(exc.issues)
            return None

    slack = email = None
    if config.slack is not None:
        slack_config = config.slack
        slack = built(
            lambda: slack_notifier(slack_config, environ, client, threads=threads, tz=zone)
        )
    if config.email is not None:
        email_config = config.email
        email = built(lambda: email_notifier(email_config, environ, tz=zone))
    webhooks = {n: built(partial(webhook_notifier, n, c, environ, client, tz=zone))
                for n, c in config.webhooks.items()}  # fmt: skip
    pagerduty = {n: built(partial(pagerduty_notifier, n, c, environ, client, tz=zone))
                 for n, c in config.pagerduty.items()}  # fmt: skip
    teams = {n: built(partial(teams_notifier, n, c, environ, client, tz=zone))
             for n, c in config.teams.items()}  # fmt: skip
    if issues:
        raise ConfigError(issues)
    return Notifiers(slack, email, _present(webhooks), _present(pagerduty), _present(teams))


def _present(notifiers: Mapping[str, Notifier | None]) -> dict[str, Notifier]:
    return {name: notifier for name, notifier in notifiers.items() if notifier is not None}
