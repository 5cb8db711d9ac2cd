"""Builders shared by the incident tests: alerts, policies and a driver that feeds events.

Holds no tests itself; named like the incident test modules so it lives beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

import yaml

from listener.incidents.lifecycle.actions import Action, Notify, Record
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import Event, Tick
from listener.incidents.lifecycle.model import Book
from listener.incidents.lifecycle.policy import Policies
from listener.records import Alert
from listener.rules.escalation import escalation_policies
from listener.rules.files.config import OwnerGroup
from listener.rules.files.loader import load_rules
from listener.rules.playbooks import StepText, fill_playbook
from listener.rules.risks import (
    RegisterContext,
    Risk,
    RiskRegister,
    RuleRisk,
    declared_rule_names,
    load_register,
)

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
#: The shipped register.
REGISTER = RULES / "risks.yaml"

#: 2025-03-01T00:00:00Z, as in conftest.
T0 = 1_740_787_200.0
MINUTE = 60.0


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def make_alert(
    ts: float,
    *,
    rule: str = "negative-surge",
    brand: str = "acme",
    severity: str = "critical",
    owners: str = "acme-care",
    since: float | None = None,
    silent_minutes: float | None = 5.0,
    figures: Mapping[str, float | None] | None = None,
) -> Alert:
    """An alert of ``rule`` for ``brand`` fired at event time ``ts``; its id is derived as
    the window stage derives it, so the same firing always has the same id."""
    values: dict[str, float | None] = {"volume": 40.0, "minutes_since_brand_post": silent_minutes}
    values.update(figures or {})
    return Alert(
        id=f"{rule}|{brand}|{ts:.3f}",
        rule=rule,
        description=f"{rule} fired",
        brand=brand,
        brand_name=brand.title(),
        severity=severity,
        fired_at=at(ts),
        window="5m",
        condition="volume >= 20",
        figures=values,
        baseline={"volume_baseline": 4.0},
        samples=(),
        owners=owners,
        first_true_at=at(since if since is not None else ts - 2 * MINUTE),
        emitted_at=at(ts + 1),
    )


def group(levels: Sequence[tuple[str, Sequence[str]]], repeat: str | None = None) -> OwnerGroup:
    data: dict[str, object] = {
        "description": "test group",
        "levels": [{"after": after, "notify": list(people)} for after, people in levels],
    }
    if repeat is not None:
        data["repeat"] = repeat
    return OwnerGroup.model_validate(data)


def risk(
    name: str,
    *,
    resolve_after: int = 1800,
    owners: str | None = None,
    likelihood: int = 3,
    impact: int = 5,
    absorbs: Iterable[str] = (),
    playbook: Mapping[str, tuple[StepText, ...]] | None = None,
) -> Risk:
    books = fill_playbook(playbook or {"warning": ("look",), "critical": ("call", "post")})
    return Risk(
        name=name,
        description=f"{name} happens",
        likelihood=likelihood,
        impact=impact,
        owners=owners,
        resolve_after=resolve_after,
        playbook=MappingProxyType({severity: book.steps for severity, book in books.items()}),
        absorbs=frozenset(absorbs),
        expectations=MappingProxyType({s: book.expectations for s, book in books.items()}),
    )


def policies(
    *,
    groups: Mapping[str, OwnerGroup] | None = None,
    risks: Iterable[Risk] | None = None,
    rules: Mapping[str, RuleRisk] | None = None,
    retention: int = 7 * 86_400,
) -> Policies:
    """Policies for the brand "acme": by default its group pages ann at once, bob after
    10 minutes and cat after 30, again every hour; both surge rules raise "firestorm"."""
    groups = groups or {
        "acme-care": group([("0m", ["ann"]), ("10m", ["bob"]), ("30m", ["cat"])], "30m")
    }
    risks = risks or [risk("firestorm"), risk("attention", resolve_after=600)]
    rules = rules or {
        "negative-surge": RuleRisk("firestorm", raise_when_brand_silent=3600),
        "silent-brand": RuleRisk("firestorm"),
        "volume-spike": RuleRisk("attention"),
    }
    register = RiskRegister(
        MappingProxyType({r.name: r for r in risks}), MappingProxyType(dict(rules))
    )
    return Policies(register, escalation_policies(groups), retention)


def shipped_policies() -> Policies:
    """The policies of the shipped rules directory and risk register."""
    ruleset = load_rules(RULES)
    raw = yaml.safe_load((RULES / "alerts.yaml").read_text(encoding="utf-8"))["rules"]
    context = RegisterContext(
        ruleset.rules,
        declared_rule_names(raw),
        ruleset.brands,
        frozenset(ruleset.owners.groups),
        ruleset.owners.groups,
    )
    return Policies.build(ruleset, load_register(REGISTER, context))


def feed(
    engine: Engine, events: Iterable[Event], book: Book | None = None, first: int = 0
) -> tuple[Book, list[Action]]:
    """Apply ``events`` in order as the messages ``first``, ``first + 1``... of the log,
    each recorded one second of wall time after the one before."""
    book = book or Book()
    actions: list[Action] = []
    for index, event in enumerate(events, start=first):
        book, out = engine.step(book, event, 1_900_000_000.0 + index)
        actions.extend(out)
    return book, actions


def notices(actions: Iterable[Action]) -> list[Notify]:
    return [action for action in actions if isinstance(action, Notify)]


def pages(actions: Iterable[Action]) -> list[tuple[float, int | None, tuple[str, ...], str]]:
    """(due event time, level, people, kind) of every page among ``actions``."""
    return [(n.due_at, n.level, n.people, n.kind) for n in notices(actions) if n.is_page]


def kinds(actions: Iterable[Action]) -> list[str]:
    return [a.transition.kind for a in actions if isinstance(a, Record)]


HOLD = {"acme": frozenset({"negative-surge"})}


def ticks(start: float, minutes: int, holding_until: float | None = None) -> list[Event]:
    """A tick a minute from ``start``; the surge rule holds for acme before ``holding_until``."""
    return [
        Tick(
            start + m * MINUTE, HOLD if holding_until and start + m * MINUTE < holding_until else {}
        )
        for m in range(minutes)
    ]


def only(book: Book) -> str:
    """The id of the one incident of ``book``."""
    (incident_id,) = book.incidents
    return incident_id
