"""Loading the rules directory: brands.yaml, owners.yaml and alerts.yaml, and the optional
risks.yaml (the risk register) and notifiers.yaml (how people are reached), validated once.

Every problem in every file is collected before anything is refused, so one run of
``listener check`` lists all of them, each with its file and key path, instead of making the
person editing the YAML fix one typo per restart. References between files (a brand's owner
group, a rule's brands and window) are checked with "did you mean" suggestions.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final, Generic, TypeVar

from pydantic import BaseModel

from listener.errors import ConfigError, ConfigIssue
from listener.notifiers.config import NotifiersConfig, check_channels, check_people
from listener.rules.files.config import (
    OWNER_ID,
    SLUG,
    Brand,
    OwnerGroup,
    Person,
    WindowsConfig,
)
from listener.rules.files.durations import format_duration, parse_duration
from listener.rules.files.issues import did_you_mean, join_key, validate
from listener.rules.files.rulesfile import RuleContext, build_rules
from listener.rules.files.yamlfile import UNREADABLE, read_yaml
from listener.rules.risks import RegisterContext, RiskRegister, build_register, declared_rule_names
from listener.rules.ruleset import Owners, Rule, RuleSet

#: The files of a rules directory and the top-level keys each may hold (required ones first).
FILES: Final[Mapping[str, tuple[str, ...]]] = {
    "brands.yaml": ("brands",),
    "owners.yaml": ("people", "groups"),
    "alerts.yaml": ("rules", "windows"),
    "risks.yaml": ("risks", "alert_rules"),
    "notifiers.yaml": ("notifiers",),
}
_OPTIONAL_KEYS: Final = frozenset({"windows", "alert_rules"})
#: Files a directory may do without: without a register each rule is its own risk; without
#: notifiers, notifications are only written to the worker's log.
OPTIONAL_FILES: Final = frozenset({"risks.yaml", "notifiers.yaml"})

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class _Doc:
    label: str  # the file as shown in messages
    data: Mapping[object, object]


@dataclass(frozen=True)
class _Section(Generic[M]):
    """One mapping of entries (brands, people, groups). ``declared`` is every id written,
    valid or not, so a reference to an entry with a typo inside is not also reported as
    undefined; it is None when the section could not be read at all."""

    declared: frozenset[str] | None
    valid: dict[str, M]


def load_rules(directory: Path) -> RuleSet:
    """Read, validate and compile the rules directory; called once when a process starts.

    Raises :class:`ConfigError` carrying every problem found in every file.
    """
    with _collector_paused():
        return _load(directory)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the rules are built: they are many long-lived
    containers and no garbage, and with 10,000 brands the collector walking them again and
    again took more than half of the load (1.5-1.75 s of CPU with it, 0.65-0.75 s without).
    Reference counting still frees what is dropped; a reload, in a thread, pauses the
    collector for the whole worker as long."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(directory: Path) -> RuleSet:
    issues: list[ConfigIssue] = []
    docs = _read_directory(directory, issues)
    brands = _section(docs.get("brands.yaml"), "brands", Brand, issues)
    people = _section(docs.get("owners.yaml"), "people", Person, issues)
    groups = _section(docs.get("owners.yaml"), "groups", OwnerGroup, issues)
    _check_brand_owners(docs.get("brands.yaml"), groups.declared, issues)
    _check_group_people(docs.get("owners.yaml"), people.declared, issues)
    windows = _windows(docs.get("alerts.yaml"), issues)
    context = RuleContext(brands.declared, groups.declared, windows[0] if windows else None)
    rules = build_rules(_rules_doc(docs.get("alerts.yaml"), issues), context, issues)
    register = _register(docs, rules, brands, groups, issues)
    notifiers = _notifiers(docs, people, groups, issues)
    if issues or windows is None:
        order = {str(directory / name): index for index, name in enumerate(FILES)}
        raise ConfigError(sorted(issues, key=lambda issue: order.get(issue.file, -1)))
    return RuleSet(
        brands=MappingProxyType(brands.valid),
        owners=Owners(MappingProxyType(people.valid), MappingProxyType(groups.valid)),
        rules=rules,
        windows=tuple(sorted(windows[0])),
        window_names=MappingProxyType(windows[0]),
        step=windows[1],
        risks=register,
        notifiers=notifiers,
    )


def _read_directory(directory: Path, issues: list[ConfigIssue]) -> dict[str, _Doc]:
    """Every known file parsed; unknown YAML files and missing ones are reported."""
    if not directory.is_dir():
        issues.append(ConfigIssue(str(directory), "", "is not a directory of rules files"))
        return {}
    docs: dict[str, _Doc] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or path.suffix not in (".yaml", ".yml"):
            continue  # editor backups and READMEs are not configuration
        label = str(path)
        if path.name not in FILES:
            expected = ", ".join(FILES)
            hint = did_you_mean(path.name, FILES)
            issues.append(ConfigIssue(label, "", f"unknown file{hint}: expected {expected}"))
            continue
        data = read_yaml(path, label, issues)
        if data is not UNREADABLE:
            docs[path.name] = _Doc(label, _top_level(data, path.name, label, issues))
    for name in FILES:
        if name not in OPTIONAL_FILES and not (directory / name).exists():
            issues.append(ConfigIssue(str(directory / name), "", "file is missing"))
    return docs


def _top_level(
    data: object, name: str, label: str, issues: list[ConfigIssue]
) -> Mapping[object, object]:
    """The file's top-level mapping, with unknown and missing keys reported."""
    allowed = FILES[name]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        keys = ", ".join(allowed)
        issues.append(ConfigIssue(label, "", f"must be a mapping with the keys {keys}"))
        return {}
    for key in data:
        if key not in allowed:
            hint = did_you_mean(key, allowed)
            issues.append(ConfigIssue(label, str(key), f'unknown key "{key}"{hint}'))
    for key in allowed:
        if key not in data and key not in _OPTIONAL_KEYS:
            issues.append(ConfigIssue(label, "", f'missing required key "{key}"'))
    return data


def _section(doc: _Doc | None, key: str, model: type[M], issues: list[ConfigIssue]) -> _Section[M]:
    """The entries under ``key``, each validated on its own so one bad entry hides nothing."""
    if doc is None:
        return _Section(None, {})
    raw = doc.data.get(key)
    if not isinstance(raw, dict):
        if raw is not None:
            issues.append(ConfigIssue(doc.label, key, "must be a mapping of ids to entries"))
        return _Section(None, {})
    pattern = SLUG if key == "brands" else OWNER_ID
    valid: dict[str, M] = {}
    for entry_id, value in raw.items():
        entry_key = join_key(key, str(entry_id))
        if not isinstance(entry_id, str) or not pattern.match(entry_id):
            example = "intesa_sanpaolo" if key == "brands" else "maria.rossi"
            issues.append(
                ConfigIssue(
                    doc.label, entry_key, f'id must look like "{example}", got {entry_id!r}'
                )
            )
        entry = validate(model, value, doc.label, entry_key, issues)
        if entry is not None:
            valid[str(entry_id)] = entry
    return _Section(frozenset(str(entry_id) for entry_id in raw), valid)


def _entries(doc: _Doc | None, key: str) -> list[tuple[str, Mapping[object, object]]]:
    """The raw entries under ``key`` that are mappings, by id (shape errors are reported
    by :func:`_section`)."""
    raw = doc.data.get(key) if doc else None
    if not isinstance(raw, dict):
        return []
    return [(str(entry_id), value) for entry_id, value in raw.items() if isinstance(value, dict)]


def _check_brand_owners(
    doc: _Doc | None, groups: frozenset[str] | None, issues: list[ConfigIssue]
) -> None:
    if doc is None or groups is None:
        return
    for brand_id, brand in _entries(doc, "brands"):
        owners = brand.get("owners")
        if isinstance(owners, str) and owners not in groups:
            hint = did_you_mean(owners, groups)
            key = join_key("brands", brand_id, "owners")
            issues.append(ConfigIssue(doc.label, key, f'undefined owner group "{owners}"{hint}'))


def _check_group_people(
    doc: _Doc | None, people: frozenset[str] | None, issues: list[ConfigIssue]
) -> None:
    if doc is None or people is None:
        return
    for group_id, group in _entries(doc, "groups"):
        levels = group.get("levels")
        for index, level in enumerate(levels if isinstance(levels, list) else []):
            notify = level.get("notify") if isinstance(level, dict) else None
            for position, person in enumerate(notify if isinstance(notify, list) else []):
                if isinstance(person, str) and person not in people:
                    hint = did_you_mean(person, people)
                    key = join_key("groups", group_id, "levels", index, "notify", position)
                    issues.append(ConfigIssue(doc.label, key, f'undefined person "{person}"{hint}'))


def _windows(doc: _Doc | None, issues: list[ConfigIssue]) -> tuple[dict[int, str], int] | None:
    """Window sizes (seconds -> as written) and the step, or None if they are unusable."""
    if doc is None:
        return None
    config = validate(WindowsConfig, doc.data.get("windows", {}), doc.label, "windows", issues)
    if config is None:
        return None
    sizes: dict[int, str] = {}
    for index, text in enumerate(config.sizes):
        seconds = parse_duration(text)
        key = join_key("windows", "sizes", index)
        problem = None
        if seconds == 0:
            problem = "a window cannot be empty"
        elif seconds in sizes:
            problem = f'"{text}" is the same size as "{sizes[seconds]}"'
        elif seconds % config.step:
            problem = f'"{text}" is not a whole number of steps ({format_duration(config.step)})'
        if problem:
            issues.append(ConfigIssue(doc.label, key, problem))
        else:
            sizes[seconds] = text
    return sizes, config.step


def _rules_doc(doc: _Doc | None, issues: list[ConfigIssue]) -> tuple[str, list[object]] | None:
    """The raw list of rules with its file, or None when it is missing or not a list."""
    if doc is None or "rules" not in doc.data:
        return None
    raw = doc.data["rules"]
    if raw is None:
        return doc.label, []
    if not isinstance(raw, list):
        issues.append(ConfigIssue(doc.label, "rules", "must be a list of rules"))
        return None
    return doc.label, raw


def _register(
    docs: Mapping[str, _Doc],
    rules: tuple[Rule, ...],
    brands: _Section[Brand],
    groups: _Section[OwnerGroup],
    issues: list[ConfigIssue],
) -> RiskRegister | None:
    """The risk register of risks.yaml, checked against the other files; None without it."""
    doc = docs.get("risks.yaml")
    if doc is None:
        return None
    alerts = docs.get("alerts.yaml")
    context = RegisterContext(
        rules=rules if alerts is not None else None,
        rule_names=_declared_rules(alerts),
        brands=brands.valid if brands.declared is not None else None,
        group_ids=groups.declared,
        groups=groups.valid if groups.declared is not None else None,
    )
    register = build_register((doc.label, doc.data), context, issues)
    _check_brand_topics(docs.get("brands.yaml"), brands, register, issues)
    return register


def _declared_rules(alerts: _Doc | None) -> frozenset[str] | None:
    """The rule names alerts.yaml declares for risks.yaml to refer to. An empty ``rules:``
    declares none, as :func:`_rules_doc` reads it; None (references unchecked) only when
    the file or the key is missing, which is reported on its own."""
    if alerts is None or "rules" not in alerts.data:
        return None
    raw = alerts.data["rules"]
    return declared_rule_names([] if raw is None else raw)


def _check_brand_topics(
    doc: _Doc | None,
    brands: _Section[Brand],
    register: RiskRegister | None,
    issues: list[ConfigIssue],
) -> None:
    """A brand's ``topics`` name risks of the register."""
    if doc is None or register is None:
        return
    for brand_id, brand in brands.valid.items():
        for risk in brand.topics:
            if risk not in register.risks:
                key = join_key("brands", brand_id, "topics", risk)
                hint = did_you_mean(risk, register.risks)
                issues.append(ConfigIssue(doc.label, key, f'undefined risk "{risk}"{hint}'))


def _notifiers(
    docs: Mapping[str, _Doc],
    people: _Section[Person],
    groups: _Section[OwnerGroup],
    issues: list[ConfigIssue],
) -> NotifiersConfig | None:
    """The ``notifiers:`` of notifiers.yaml, with the ``channels:`` of owners.yaml checked
    against it; None without the file."""
    owners = docs.get("owners.yaml")
    label = owners.label if owners is not None else "owners.yaml"
    doc = docs.get("notifiers.yaml")
    if doc is None:
        for group_id, group in groups.valid.items():
            if group.channels is not None and (group.channels.slack or group.channels.webhooks):
                key = join_key("groups", group_id, "channels")
                issues.append(ConfigIssue(label, key, "needs notifiers.yaml to say how"))
        return None
    config = validate(NotifiersConfig, doc.data.get("notifiers"), doc.label, "notifiers", issues)
    if config is not None:
        channels = {group_id: group.channels for group_id, group in groups.valid.items()}
        issues.extend(check_channels(config, channels, label))
        told = {person_id: person.channels for person_id, person in people.valid.items()}
        issues.extend(check_people(config, told, label))
    return config
