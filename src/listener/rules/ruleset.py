"""What :func:`listener.rules.files.loader.load_rules` hands to the rest of listener: brands,
owners, compiled rules, the risk register and the notifiers, all checked against each other
and immutable from then on.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from listener.rules.conditions import Condition
from listener.rules.files.config import Brand, OwnerGroup, Person
from listener.rules.floors import Floors

if TYPE_CHECKING:
    # Only for annotations: both modules build on this one.
    from listener.notifiers.config import NotifiersConfig
    from listener.rules.risks import RiskRegister

#: In a rule's ``brands``, the one entry that means every brand.
ALL_BRANDS = "*"


@dataclass(frozen=True, slots=True)
class Rule:
    """An alert rule ready to evaluate: durations in seconds, condition compiled."""

    name: str
    description: str
    brands: frozenset[str] | None  # None: every brand
    window: str  # the window size as configured, e.g. "15m"
    window_seconds: int
    condition: Condition
    for_seconds: int
    severity: str
    cooldown_seconds: int
    owners: str | None  # overrides the brand's owner group when set

    def applies_to(self, brand: str) -> bool:
        """Whether the rule watches ``brand``."""
        return self.brands is None or brand in self.brands


@dataclass(frozen=True, slots=True)
class Owners:
    """People and the owner groups that escalate to them."""

    people: Mapping[str, Person]
    groups: Mapping[str, OwnerGroup]


class BrandTermsFields(Protocol):
    """What enrich needs to tell whether a post is about a brand (:meth:`RuleSet.brand_terms`)."""

    @property
    def brand(self) -> str: ...
    @property
    def terms(self) -> tuple[str, ...]: ...
    @property
    def hashtags(self) -> tuple[str, ...]: ...
    @property
    def handles(self) -> tuple[str, ...]: ...
    @property
    def exclude(self) -> tuple[str, ...]: ...
    @property
    def own_accounts(self) -> tuple[str, ...]: ...
    @property
    def channels(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class BrandTerms:
    """Stand-in with the fields of ``listener.enrich.brands.BrandTerms``, used only when
    that class cannot be imported, so rules/ never depends on enrich being present."""

    brand: str
    terms: tuple[str, ...]
    hashtags: tuple[str, ...]
    handles: tuple[str, ...]
    exclude: tuple[str, ...]
    own_accounts: tuple[str, ...]
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Everything in the rules directory, validated and cross-checked."""

    brands: Mapping[str, Brand]
    owners: Owners
    rules: tuple[Rule, ...]
    windows: tuple[int, ...]  # window sizes in seconds, ascending
    window_names: Mapping[int, str]  # seconds -> the size as configured, e.g. 900 -> "15m"
    step: int  # seconds between two evaluations of a hopping window
    #: The risk register (risks.yaml); None without the file: each rule is its own risk.
    risks: RiskRegister | None = None
    #: How people are reached (notifiers.yaml); None without the file: notifications are
    #: only written to the worker's log.
    notifiers: NotifiersConfig | None = None
    #: ``watching``'s answers by brand: the judge asks for every brand at every boundary.
    _watching: dict[str, tuple[tuple[Rule, str | None], ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    #: ``floors``' answers by brand, for the same reason.
    _floors: dict[str, Floors | None] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def brand_terms(self) -> tuple[BrandTermsFields, ...]:
        """Per brand, what enrich matches posts against; called once when the pipeline starts.

        Builds ``listener.enrich.brands.BrandTerms`` when enrich provides it, so enrich
        receives its own type; imported here, late, so the rules package loads on its own.
        """
        try:
            module = importlib.import_module("listener.enrich.brands")
            factory = getattr(module, "BrandTerms", BrandTerms)
        except ImportError:
            factory = BrandTerms
        return tuple(
            factory(
                brand=brand_id,
                terms=brand.terms,
                hashtags=brand.hashtags,
                handles=brand.handles,
                exclude=brand.exclude,
                own_accounts=brand.own_accounts,
                channels=brand.channels,
            )
            for brand_id, brand in self.brands.items()
        )

    def rules_for(self, brand: str) -> tuple[Rule, ...]:
        """The rules that watch ``brand``, in file order."""
        return rules_for_brand(self.rules, brand)

    def watching(self, brand: str) -> tuple[tuple[Rule, str | None], ...]:
        """The rules that watch ``brand``, in file order, each with the risk it raises in
        the register (None without one): the judge asks for every brand at every boundary."""
        found = self._watching.get(brand)
        if found is None:
            found = tuple((rule, self.risk_name(rule.name)) for rule in self.rules_for(brand))
            if brand in self.brands:  # kept for configured brands only: a bounded set
                self._watching[brand] = found
        return found

    def floors(self, brand: str) -> Floors | None:
        """The least counts below which every rule watching ``brand`` is false (None when
        some rule has none): see listener.rules.floors."""
        if brand in self._floors:
            return self._floors[brand]
        found = Floors.of(self.watching(brand))
        if brand in self.brands:  # kept for configured brands only: a bounded set
            self._floors[brand] = found
        return found

    def risk_name(self, rule: str) -> str | None:
        """The name of the risk ``rule`` raises in the register, None without one."""
        if self.risks is None:
            return None
        entry = self.risks.rules.get(rule)
        return entry.risk if entry is not None else None

    def owners_for(self, rule: Rule, brand: str) -> str:
        """The owner group told when ``rule`` fires for ``brand``: the rule's, else the brand's."""
        return rule.owners if rule.owners is not None else self.brands[brand].owners


def rules_for_brand(rules: Iterable[Rule], brand: str) -> tuple[Rule, ...]:
    """The rules among ``rules`` that watch ``brand``."""
    return tuple(rule for rule in rules if rule.applies_to(brand))


def windows_needed(rules: Iterable[Rule], brand: str | None = None) -> tuple[int, ...]:
    """Window sizes (seconds, ascending) the rules read, for ``brand`` or for any brand.

    The windows stage can skip computing a size no rule looks at.
    """
    chosen = rules if brand is None else rules_for_brand(rules, brand)
    return tuple(sorted({rule.window_seconds for rule in chosen}))
