"""Escalation policies: the owner groups of owners.yaml turned into paging schedules, and the
checks on the one escalation option an alert rule can carry (raising the level when the
brand stays silent, set under ``alert_rules:`` in risks.yaml).

The schedule itself (which level is due when, on the event-time clock) is computed by
:mod:`listener.incidents.lifecycle.escalation`; this module only says what the YAML means and
refuses what would never work, at load, with the file and key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from listener.rules.files.config import Brand, OwnerGroup
from listener.rules.files.durations import format_duration
from listener.rules.ruleset import Rule


@dataclass(frozen=True, slots=True)
class Level:
    """Who is paged once an incident has gone ``after`` seconds without acknowledgement."""

    after: int
    notify: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """One owner group's schedule: its levels, then, while nobody acknowledges, reminder
    rounds ``reminders[0]``, ``reminders[1]``... seconds apart after the last level, the
    last gap repeating (no reminders when empty). ``repeat: X`` in owners.yaml is read
    as ``reminders: [X]``."""

    group: str
    levels: tuple[Level, ...]
    reminders: tuple[int, ...] = ()

    @property
    def everyone(self) -> tuple[str, ...]:
        """Every person of every level, in the order the levels page them."""
        people: list[str] = []
        for level in self.levels:
            people += [person for person in level.notify if person not in people]
        return tuple(people)

    @classmethod
    def from_group(cls, name: str, group: OwnerGroup) -> EscalationPolicy:
        levels = tuple(Level(level.after, tuple(level.notify)) for level in group.levels)
        gaps = group.reminders or ((group.repeat,) if group.repeat is not None else ())
        return cls(group=name, levels=levels, reminders=tuple(gaps))


def escalation_policies(groups: Mapping[str, OwnerGroup]) -> Mapping[str, EscalationPolicy]:
    """Every valid owner group's schedule, by group id; built once when a worker starts."""
    return MappingProxyType(
        {name: EscalationPolicy.from_group(name, group) for name, group in groups.items()}
    )


@dataclass(frozen=True, slots=True)
class SilenceRaiseContext:
    """What the brand-silence option is checked against; None where a file was unreadable,
    so one broken file does not make every reference to it look wrong too."""

    rules: Mapping[str, Rule] | None
    brands: Mapping[str, Brand] | None
    groups: Mapping[str, OwnerGroup] | None


def check_silence_raise(
    rule_name: str,
    seconds: int,
    owners: str | None,
    context: SilenceRaiseContext,
    report: Callable[[str], None],
) -> None:
    """Refuse a ``raise_when_brand_silent`` that could never work as meant.

    ``owners`` is the risk's owner group, None when the risk is owned by each brand's own
    group. Raising needs a second level to raise to, and a brand whose own accounts are
    known: a brand listener never sees posting counts as silent for ever, so the option
    would page its second level on every incident.
    """
    rule = context.rules.get(rule_name) if context.rules is not None else None
    if rule is None or context.brands is None:
        return
    brands = [b for b in sorted(context.brands) if rule.applies_to(b)]
    mute = [b for b in brands if not context.brands[b].own_accounts]
    if mute:
        report(
            f"brand(s) {', '.join(mute)} list no own_accounts in brands.yaml: listener never"
            f" sees them post, so they would always count as silent for"
            f" {format_duration(seconds)}"
        )
    groups = {owners} if owners else _rule_groups(rule, brands, context.brands)
    for group in sorted(groups):
        found = context.groups.get(group) if context.groups is not None else None
        if found is not None and len(found.levels) < 2:
            report(f'owner group "{group}" has a single level: there is no level to raise to')


def _rule_groups(rule: Rule, brands: Iterable[str], known: Mapping[str, Brand]) -> set[str]:
    """The owner groups paged for ``rule``'s alerts when its risk follows the brand."""
    if rule.owners is not None:
        return {rule.owners}
    return {known[brand].owners for brand in brands}
