"""What the incident engine reads from the configuration: the risk each rule raises, which
risk prevails when another joins an incident, how a risk's incidents resolve and who
answers for them, and each owner group's schedule.

Built once from the loaded rules and risk register; the engine's output is a pure
function of these policies and the incident log, so a replay under the same rules pages
exactly as the live run did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from listener.rules.escalation import EscalationPolicy, escalation_policies
from listener.rules.playbooks import Expectation
from listener.rules.risks import DEFAULT_RESOLVE_AFTER, Risk, RiskRegister
from listener.rules.ruleset import RuleSet

#: How long (event time) a resolved incident is kept, to show it and to recognise a late
#: copy of one of its alerts.
DEFAULT_RETENTION: Final = 7 * 86_400


@dataclass(frozen=True, slots=True)
class Policies:
    """The configuration the engine runs on."""

    register: RiskRegister
    escalation: Mapping[str, EscalationPolicy]
    retention: int = DEFAULT_RETENTION
    by_risk: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        grouped: dict[str, set[str]] = {}
        for rule, entry in self.register.rules.items():
            grouped.setdefault(entry.risk, set()).add(rule)
        frozen = {risk: frozenset(names) for risk, names in grouped.items()}
        # Derived once: the policies are immutable, and the engine asks on every tick.
        object.__setattr__(self, "by_risk", MappingProxyType(frozen))

    @classmethod
    def build(
        cls, rules: RuleSet, register: RiskRegister | None, retention: int = DEFAULT_RETENTION
    ) -> Policies:
        """The policies of loaded rules. Without a register, each rule is its own risk,
        owned by the group its alerts name, with no playbook and the default resolve_after."""
        if register is None:
            register = RiskRegister(MappingProxyType({}), MappingProxyType({}))
        return cls(register, escalation_policies(rules.owners.groups), retention)

    def risk_name(self, rule: str) -> str:
        """The risk ``rule`` raises: the register's answer, else the rule's own name (an
        alert of a rule removed from the configuration since still finds its incident)."""
        entry = self.register.rules.get(rule)
        return entry.risk if entry is not None else rule

    def risk(self, name: str) -> Risk | None:
        return self.register.risks.get(name)

    def prevailing(self, current: str, new: str) -> str:
        """The risk of an incident of risk ``current`` once an alert of risk ``new`` joins
        it (as Alertmanager's inhibition, the stronger explanation wins): ``new`` if it
        absorbs ``current``; ``current`` if it absorbs ``new``; else the higher score of
        the register, ``current`` on a tie or when neither is in the register."""
        if new == current:
            return current
        found, incoming = self.risk(current), self.risk(new)
        if incoming is not None and current in incoming.absorbs:
            return new
        if found is not None and new in found.absorbs:
            return current
        score = found.score if found is not None else 0
        return new if incoming is not None and incoming.score > score else current

    def rules_of(self, risk: str) -> frozenset[str]:
        """Every rule that raises ``risk``: while any holds, its incidents are not over."""
        return self.by_risk.get(risk, frozenset({risk}))

    def owners(self, risk: str, alert_owners: str) -> str:
        """The group paged: the risk's own, else the one the alert names (the rule's or
        the brand's owners)."""
        found = self.risk(risk)
        return found.owners if found is not None and found.owners is not None else alert_owners

    def resolve_after(self, risk: str) -> int:
        found = self.risk(risk)
        return found.resolve_after if found is not None else DEFAULT_RESOLVE_AFTER

    def playbook(self, risk: str, severity: str) -> tuple[str, ...]:
        found = self.risk(risk)
        return found.steps(severity) if found is not None else ()

    def expectations(self, risk: str, severity: str) -> tuple[Expectation, ...]:
        """The steps of the playbook at ``severity`` that name what they should bring about."""
        found = self.risk(risk)
        return found.expectations.get(severity, ()) if found is not None else ()

    def raise_after(self, rule: str) -> int | None:
        """Seconds of brand silence after which ``rule``'s alerts raise the level."""
        entry = self.register.rules.get(rule)
        return entry.raise_when_brand_silent if entry is not None else None
