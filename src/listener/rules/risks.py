"""The risk register (rules/risks.yaml): what can go wrong for a brand, how likely and how
damaging it is, who answers for it, what they do first; and which risk each alert rule
raises, so alerts about the same brand and risk gather into one incident.

Severity follows the usual risk matrix: likelihood (1-5) times impact (1-5) gives a score
from 1 to 25, read as :data:`SEVERITY_MATRIX` says. Impact is estimated prudently (the
damage of a bad case, not of the average one), so the register errs towards preparing.

Every problem in the file is collected, with its key and a "did you mean" for misspelt
references, before anything is refused (see :mod:`listener.rules.files.loader`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Final

from pydantic import BeforeValidator, Field

from listener.errors import ConfigError, ConfigIssue
from listener.rules.escalation import SilenceRaiseContext, check_silence_raise
from listener.rules.files.config import RULE_NAME, Brand, Model, OwnerGroup, Seconds, Text
from listener.rules.files.issues import did_you_mean, join_key, validate
from listener.rules.files.yamlfile import UNREADABLE, read_yaml
from listener.rules.playbooks import Expectation, StepText, fill_playbook, playbook_value
from listener.rules.ruleset import Rule
from listener.windows.stats import TOPIC_METRICS

#: Lowest score of each severity, highest first; a score below them all is "info".
SEVERITY_MATRIX: Final = ((15, "critical"), (10, "major"), (5, "warning"))
#: In a risk's ``owners``: the group that answers for the brand concerned.
BRAND_OWNERS: Final = "brand"
#: How long the figures must stay back to normal before an incident closes on its own.
DEFAULT_RESOLVE_AFTER: Final = 1800
#: The top-level keys of risks.yaml, the required one first.
KEYS: Final = ("risks", "alert_rules")


def severity_of(likelihood: int, impact: int) -> str:
    """The severity of a risk scored ``likelihood`` x ``impact`` (each 1 to 5)."""
    score = likelihood * impact
    return next((name for floor, name in SEVERITY_MATRIX if score >= floor), "info")


class RiskConfig(Model):
    """One risk as written under ``risks:``."""

    description: Text
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    owners: Text = BRAND_OWNERS
    resolve_after: Annotated[Seconds, Field(gt=0)] = DEFAULT_RESOLVE_AFTER
    playbook: Annotated[dict[str, tuple[StepText, ...]], BeforeValidator(playbook_value)]
    #: Words and phrases, in any language, that mark a post as being about this risk.
    topics: tuple[Text, ...] = ()
    #: Risks this one takes over when both are raised for a brand in the same wave.
    absorbs: tuple[Text, ...] = ()


class RuleOptions(Model):
    """What an alert rule means for incidents, as written under ``alert_rules:``."""

    risk: Text | None = None
    raise_when_brand_silent: Annotated[Seconds, Field(gt=0)] | None = None


@dataclass(frozen=True, slots=True)
class Risk:
    """A risk ready to use: the playbook holds steps for every severity."""

    name: str
    description: str
    likelihood: int
    impact: int
    owners: str | None  # None: the owner group of the brand concerned
    resolve_after: int
    playbook: Mapping[str, tuple[str, ...]]
    topics: tuple[str, ...] = ()
    absorbs: frozenset[str] = frozenset()
    #: Per severity, the steps of its playbook that name an expectation.
    expectations: Mapping[str, tuple[Expectation, ...]] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def severity(self) -> str:
        """The severity assessed in the register (not the magnitude of one incident)."""
        return severity_of(self.likelihood, self.impact)

    def steps(self, severity: str) -> tuple[str, ...]:
        """The prepared actions for an incident of this risk at ``severity``."""
        return self.playbook[severity]


@dataclass(frozen=True, slots=True)
class RuleRisk:
    """The risk an alert rule raises, and its escalation option."""

    risk: str
    raise_when_brand_silent: int | None = None


@dataclass(frozen=True, slots=True)
class RiskRegister:
    """The validated register, with the risk of every alert rule resolved."""

    risks: Mapping[str, Risk]
    rules: Mapping[str, RuleRisk]

    def risk_of(self, rule: str) -> Risk | None:
        """The risk ``rule`` raises; None for a rule the register was not loaded with."""
        entry = self.rules.get(rule)
        return self.risks.get(entry.risk) if entry is not None else None


@dataclass(frozen=True, slots=True)
class RegisterContext:
    """What risks.yaml refers to. ``rule_names`` and ``group_ids`` are every name written,
    valid or not, so an entry with a typo inside is not also reported as undefined; any
    field is None when its file could not be read."""

    rules: tuple[Rule, ...] | None
    rule_names: frozenset[str] | None
    brands: Mapping[str, Brand] | None
    group_ids: frozenset[str] | None
    groups: Mapping[str, OwnerGroup] | None


def declared_rule_names(raw_rules: object) -> frozenset[str] | None:
    """Every rule name written in alerts.yaml's ``rules:`` list (None if it is not a list)."""
    if not isinstance(raw_rules, list):
        return None
    return frozenset(
        str(rule["name"]) for rule in raw_rules if isinstance(rule, dict) and "name" in rule
    )


def load_register(path: Path, context: RegisterContext) -> RiskRegister:
    """Read and check risks.yaml alone; raises :class:`ConfigError` with every problem."""
    issues: list[ConfigIssue] = []
    label = str(path)
    data = read_yaml(path, label, issues) if path.exists() else UNREADABLE
    if data is UNREADABLE and not issues:
        issues.append(ConfigIssue(label, "", "file is missing"))
    register = None
    if data is not UNREADABLE:
        register = build_register((label, _top_level(data, label, issues)), context, issues)
    if issues or register is None:
        raise ConfigError(issues)
    return register


def _top_level(data: object, label: str, issues: list[ConfigIssue]) -> Mapping[object, object]:
    if not isinstance(data, dict):
        issues.append(ConfigIssue(label, "", f"must be a mapping with the keys {', '.join(KEYS)}"))
        return {}
    for key in data:
        if key not in KEYS:
            issues.append(
                ConfigIssue(label, str(key), f'unknown key "{key}"{did_you_mean(key, KEYS)}')
            )
    if KEYS[0] not in data:
        issues.append(ConfigIssue(label, "", f'missing required key "{KEYS[0]}"'))
    return data


def build_register(
    doc: tuple[str, Mapping[object, object]] | None,
    context: RegisterContext,
    issues: list[ConfigIssue],
) -> RiskRegister | None:
    """The register from risks.yaml's parsed content, checked against the other files;
    problems go to ``issues`` (the caller refuses them). None when there is no file."""
    if doc is None:
        return None
    label, data = doc
    declared, risks = _risks(label, data.get("risks"), context, issues)
    options = _alert_rules(label, data.get("alert_rules"), context, data.get("risks"), issues)
    # A rule listed with a mistake in its entry is reported there, not here as well.
    raw_rules = data.get("alert_rules")
    listed = {str(name) for name in raw_rules} if isinstance(raw_rules, dict) else set()
    rules: dict[str, RuleRisk] = {}
    for rule in context.rules or ():
        entry = options.get(rule.name, RuleRisk(rule.name))
        rules[rule.name] = entry
        if declared is not None and entry.risk not in declared and rule.name not in listed:
            issues.append(
                ConfigIssue(
                    label,
                    "alert_rules",
                    f'alert rule "{rule.name}" raises the risk of its own name, which "risks"'
                    f' does not list: add it, or map the rule to a risk under "alert_rules"',
                )
            )
    _check_topics(label, rules, risks, context.rules or (), issues)
    _check_absorption_order(label, risks, issues)
    return RiskRegister(MappingProxyType(risks), MappingProxyType(rules))


def _check_topics(
    label: str,
    entries: Mapping[str, RuleRisk],
    risks: Mapping[str, Risk],
    rules: tuple[Rule, ...],
    issues: list[ConfigIssue],
) -> None:
    """A rule that reads the topic figures must raise a risk that has topics to count."""
    for rule in rules:
        named = sorted(rule.condition.names & TOPIC_METRICS)
        risk = risks.get(entries[rule.name].risk)
        if named and risk is not None and not risk.topics:
            issues.append(
                ConfigIssue(
                    label,
                    join_key("risks", risk.name, "topics"),
                    f'alert rule "{rule.name}" reads {", ".join(named)} but risk "{risk.name}"'
                    " lists no topics: add the words and phrases that mark a post about it",
                )
            )


def _check_absorption_order(
    label: str, risks: Mapping[str, Risk], issues: list[ConfigIssue]
) -> None:
    """Absorption must run one way: two risks that absorb each other, directly or through
    others, would pass an incident back and forth with every alert."""
    for name in sorted(risks):
        seen: set[str] = set()
        todo = list(risks[name].absorbs)
        while todo:
            other = todo.pop()
            if other == name:
                issues.append(
                    ConfigIssue(
                        label,
                        join_key("risks", name, "absorbs"),
                        f'"{name}" is absorbed back by a risk it absorbs: absorption must'
                        " run one way",
                    )
                )
                break
            if other in seen or other not in risks:
                continue
            seen.add(other)
            todo.extend(risks[other].absorbs)


def unraised(register: RiskRegister) -> list[str]:
    """Risks of the register that no alert rule raises: listed, prepared for, never paged."""
    raised = {entry.risk for entry in register.rules.values()}
    return sorted(name for name in register.risks if name not in raised)


def _risks(
    label: str, raw: object, context: RegisterContext, issues: list[ConfigIssue]
) -> tuple[frozenset[str] | None, dict[str, Risk]]:
    """Every risk id written (None if ``risks`` is unusable) and the valid risks."""
    if not isinstance(raw, dict):
        if raw is not None:
            issues.append(ConfigIssue(label, "risks", "must be a mapping of risk names to risks"))
        return None, {}
    risks: dict[str, Risk] = {}
    for name, value in raw.items():
        key = join_key("risks", str(name))
        if not isinstance(name, str) or not RULE_NAME.match(name):
            issues.append(
                ConfigIssue(label, key, f'name must look like "data-breach", got {name!r}')
            )
        config = validate(RiskConfig, value, label, key, issues)
        owners = value.get("owners") if isinstance(value, dict) else None
        _check_owners(owners, context.group_ids, label, join_key(key, "owners"), issues)
        if config is not None:
            risks[str(name)] = _risk(str(name), config)
            _check_absorbs(config.absorbs, str(name), raw, label, join_key(key, "absorbs"), issues)
    return frozenset(str(name) for name in raw), risks


def _check_absorbs(
    absorbs: tuple[str, ...],
    name: str,
    raw: Mapping[object, object],
    label: str,
    key: str,
    issues: list[ConfigIssue],
) -> None:
    known = frozenset(str(r) for r in raw)
    for other in absorbs:
        if other == name:
            issues.append(ConfigIssue(label, key, f'"{name}" cannot absorb itself'))
        elif other not in known:
            hint = did_you_mean(other, known)
            issues.append(ConfigIssue(label, key, f'undefined risk "{other}"{hint}'))


def _check_owners(
    owners: object, groups: frozenset[str] | None, label: str, key: str, issues: list[ConfigIssue]
) -> None:
    if not isinstance(owners, str) or groups is None:
        return
    if owners == BRAND_OWNERS and BRAND_OWNERS in groups:
        issues.append(
            ConfigIssue(label, key, f'"{BRAND_OWNERS}" is ambiguous: an owner group has that id')
        )
    elif owners != BRAND_OWNERS and owners not in groups:
        hint = did_you_mean(owners, groups)
        issues.append(
            ConfigIssue(label, key, f'undefined owner group "{owners}"{hint} (or "{BRAND_OWNERS}")')
        )


def _risk(name: str, config: RiskConfig) -> Risk:
    playbooks = fill_playbook(config.playbook)
    return Risk(
        name=name,
        description=config.description.strip(),
        likelihood=config.likelihood,
        impact=config.impact,
        owners=None if config.owners == BRAND_OWNERS else config.owners,
        resolve_after=config.resolve_after,
        playbook=MappingProxyType({s: book.steps for s, book in playbooks.items()}),
        topics=tuple(t.strip().lower() for t in config.topics),
        absorbs=frozenset(config.absorbs),
        expectations=MappingProxyType({s: book.expectations for s, book in playbooks.items()}),
    )


def _alert_rules(
    label: str,
    raw: object,
    context: RegisterContext,
    raw_risks: object,
    issues: list[ConfigIssue],
) -> dict[str, RuleRisk]:
    """The options of each alert rule listed under ``alert_rules``, references checked."""
    risks = frozenset(map(str, raw_risks)) if isinstance(raw_risks, dict) else None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        issues.append(ConfigIssue(label, "alert_rules", "must be a mapping of rule names"))
        return {}
    options: dict[str, RuleRisk] = {}
    for name, value in raw.items():
        key = join_key("alert_rules", str(name))
        if context.rule_names is not None and name not in context.rule_names:
            hint = did_you_mean(name, context.rule_names)
            issues.append(ConfigIssue(label, key, f'undefined alert rule "{name}"{hint}'))
        config = validate(RuleOptions, value, label, key, issues)
        if config is None:
            continue
        risk = config.risk or str(name)
        if risks is not None and risk not in risks:
            where = join_key(key, "risk") if config.risk else key
            message = f'undefined risk "{risk}"{did_you_mean(risk, risks)}'
            issues.append(ConfigIssue(label, where, message))
        if config.raise_when_brand_silent is not None:
            where = join_key(key, "raise_when_brand_silent")
            check_silence_raise(
                str(name),
                config.raise_when_brand_silent,
                _named_owners(raw_risks, risk),
                SilenceRaiseContext(_by_name(context.rules), context.brands, context.groups),
                _reporter(issues, label, where),
            )
        options[str(name)] = RuleRisk(risk, config.raise_when_brand_silent)
    return options


def _named_owners(raw_risks: object, risk: str) -> str | None:
    """The owner group a risk names as written, None when it follows the brand (or is
    unreadable: its own problems are reported where it is defined)."""
    entry = raw_risks.get(risk) if isinstance(raw_risks, dict) else None
    owners = entry.get("owners") if isinstance(entry, dict) else None
    return owners if isinstance(owners, str) and owners != BRAND_OWNERS else None


def _reporter(issues: list[ConfigIssue], label: str, key: str) -> Callable[[str], None]:
    def report(message: str) -> None:
        issues.append(ConfigIssue(label, key, message))

    return report


def _by_name(rules: tuple[Rule, ...] | None) -> Mapping[str, Rule] | None:
    return None if rules is None else {rule.name: rule for rule in rules}
