"""The ``rules:`` list of alerts.yaml: each rule validated, its references checked against
the other files, its condition compiled.

References are checked on the raw entry as well as on the validated one, so a rule with a
wrong severity still has its misspelt metric or brand reported in the same run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from listener.errors import ConfigIssue
from listener.rules.conditions import (
    MAX_CONDITION_CHARS,
    Condition,
    ConditionError,
    all_of,
    compile_condition,
)
from listener.rules.files.config import RuleConfig
from listener.rules.files.durations import parse_duration
from listener.rules.files.issues import did_you_mean, join_key, validate
from listener.rules.ruleset import ALL_BRANDS, Rule


@dataclass(frozen=True)
class RuleContext:
    """What a rule may refer to; None where the defining file could not be read, so that
    one broken file does not make every reference to it look wrong too."""

    brands: frozenset[str] | None
    groups: frozenset[str] | None
    windows: Mapping[int, str] | None  # seconds -> the size as configured


@dataclass(frozen=True)
class _Where:
    label: str
    key: str
    issues: list[ConfigIssue]

    def report(self, message: str, *parts: int | str) -> None:
        self.issues.append(ConfigIssue(self.label, join_key(self.key, *parts), message))


def build_rules(
    doc: tuple[str, list[object]] | None, context: RuleContext, issues: list[ConfigIssue]
) -> tuple[Rule, ...]:
    """Compiled rules, in file order; problems go to ``issues`` (the caller refuses them)."""
    if doc is None:
        return ()
    label, raws = doc
    rules: list[Rule] = []
    names: dict[str, int] = {}
    for index, raw in enumerate(raws):
        where = _Where(label, join_key("rules", index), issues)
        config = validate(RuleConfig, raw, label, where.key, issues)
        if not isinstance(raw, dict):
            continue
        _check_name(raw.get("name"), index, names, where)
        brands = _check_brands(raw.get("brands"), context.brands, where)
        _check_owners(raw.get("owners"), context.groups, where)
        window = _check_window(raw.get("window"), context.windows, where)
        condition = _compile_when(raw.get("when"), raw.get("name"), where)
        if config is not None and window is not None and condition is not None:
            rules.append(_rule(config, brands, window, condition))
    return tuple(rules)


def _rule(
    config: RuleConfig, brands: frozenset[str] | None, window: tuple[str, int], when: Condition
) -> Rule:
    return Rule(
        name=config.name,
        description=config.description.strip(),
        brands=brands,
        window=window[0],
        window_seconds=window[1],
        condition=when,
        for_seconds=config.for_,
        severity=config.severity,
        cooldown_seconds=config.cooldown,
        owners=config.owners,
    )


def _check_name(name: object, index: int, names: dict[str, int], where: _Where) -> None:
    # Rule state is kept per rule name: two rules with one name would share it.
    if not isinstance(name, str):
        return
    if name in names:
        where.report(f'duplicate rule name "{name}" (also rules[{names[name]}])', "name")
    else:
        names[name] = index


def _check_brands(
    raw: object, declared: frozenset[str] | None, where: _Where
) -> frozenset[str] | None:
    """The brands the rule watches, None meaning all of them."""
    listed = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    ids = [(position, brand) for position, brand in enumerate(listed) if isinstance(brand, str)]
    if any(brand == ALL_BRANDS for _, brand in ids):
        if len(listed) > 1:
            where.report(f'"{ALL_BRANDS}" already means every brand: list nothing else', "brands")
        return None
    for position, brand in ids:
        if declared is not None and brand not in declared:
            parts: tuple[int | str, ...] = (
                ("brands",) if isinstance(raw, str) else ("brands", position)
            )
            where.report(f'undefined brand "{brand}"{did_you_mean(brand, declared)}', *parts)
    return frozenset(brand for _, brand in ids)


def _check_owners(raw: object, groups: frozenset[str] | None, where: _Where) -> None:
    if isinstance(raw, str) and groups is not None and raw not in groups:
        where.report(f'undefined owner group "{raw}"{did_you_mean(raw, groups)}', "owners")


def _check_window(
    raw: object, windows: Mapping[int, str] | None, where: _Where
) -> tuple[str, int] | None:
    """The window as configured (name, seconds); a rule can only read a computed window."""
    if not isinstance(raw, str) or windows is None:
        return None
    try:
        seconds = parse_duration(raw)
    except ValueError:
        return None  # reported by the model
    if seconds not in windows:
        configured = ", ".join(windows[size] for size in sorted(windows))
        where.report(f'window "{raw}" is not configured: windows.sizes has {configured}', "window")
        return None
    return windows[seconds], seconds


def _compile_when(raw: object, name: object, where: _Where) -> Condition | None:
    """One condition from a string or a list of strings (all must hold).

    Each problem names the rule as well as the key, so a long alerts.yaml reads quickly.
    """
    if isinstance(raw, str):
        texts: list[tuple[tuple[int | str, ...], str]] = [(("when",), raw)]
    elif isinstance(raw, list):
        texts = [(("when", i), text) for i, text in enumerate(raw) if isinstance(text, str)]
    else:
        return None
    rule = f'rule "{name}": ' if isinstance(name, str) else ""
    total = sum(len(text) for _, text in texts)
    if len(texts) > 1 and total > MAX_CONDITION_CHARS:
        # The list is one condition once compiled: the bound is on all of it.
        where.report(
            f"{rule}conditions have {total} characters together, at most {MAX_CONDITION_CHARS}",
            "when",
        )
        return None
    compiled: list[Condition] = []
    for parts, text in texts:
        try:
            compiled.append(compile_condition(text))
        except ConditionError as exc:
            where.report(f"{rule}{exc}", *parts)
    if len(compiled) != len(texts) or not compiled:
        return None
    return all_of(compiled)
