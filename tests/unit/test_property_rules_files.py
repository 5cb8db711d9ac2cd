"""Properties of loading a rules directory: whatever a brands, owners, alerts or risks file
holds, the loader returns compiled rules or raises :class:`ConfigError` whose every issue
names a file of the directory; no other exception escapes, and a file that is not a mapping
is always named."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from listener.errors import ConfigError
from listener.rules.files.loader import load_rules
from listener.rules.files.yamlfile import MAX_YAML_NESTING
from listener.rules.ruleset import RuleSet
from listener.windows.stats import METRICS

pytestmark = pytest.mark.filterwarnings("error")

VALID: dict[str, Any] = {
    "brands": {
        "brands": {
            "acme_bank": {
                "name": "Acme Bank",
                "terms": ["acme bank"],
                "owners": "bank-crisis",
                "baseline": {"volume_per_hour": 12},
            }
        }
    },
    "owners": {
        "people": {
            "maria.rossi": {"name": "Maria Rossi", "slack": "@maria", "email": "maria@example.com"}
        },
        "groups": {
            "bank-crisis": {
                "description": "Bank crisis team",
                "levels": [{"after": "0m", "notify": ["maria.rossi"]}],
            }
        },
    },
    "alerts": {
        "rules": [
            {
                "name": "negative-surge",
                "description": "Many angry posts.",
                "brands": "*",
                "window": "5m",
                "when": "negative >= 6 and negative_share >= 0.5",
                "severity": "critical",
            }
        ]
    },
    "risks": {
        "risks": {
            "online-firestorm": {
                "description": "A wave of anger.",
                "likelihood": 3,
                "impact": 5,
                "owners": "bank-crisis",
                "playbook": ["Read the posts."],
            }
        },
        "alert_rules": {"negative-surge": {"risk": "online-firestorm"}},
    },
}
FILES = tuple(VALID)
# Places a person edits, where a wrong value must be reported, not crash the loader.
PATHS: dict[str, list[tuple[str | int, ...]]] = {
    "brands": [
        ("brands",),
        ("brands", "acme_bank"),
        ("brands", "acme_bank", "terms"),
        ("brands", "acme_bank", "owners"),
        ("brands", "acme_bank", "baseline"),
        ("brands", "acme_bank", "baseline", "volume_per_hour"),
        ("brands", "acme_bank", "name"),
    ],
    "owners": [
        ("people",),
        ("people", "maria.rossi"),
        ("people", "maria.rossi", "email"),
        ("groups", "bank-crisis", "levels"),
        ("groups", "bank-crisis", "levels", 0),
        ("groups", "bank-crisis", "levels", 0, "after"),
        ("groups", "bank-crisis", "levels", 0, "notify"),
    ],
    "alerts": [
        ("rules",),
        ("rules", 0),
        ("rules", 0, "name"),
        ("rules", 0, "brands"),
        ("rules", 0, "window"),
        ("rules", 0, "when"),
        ("rules", 0, "severity"),
        ("windows",),
    ],
    "risks": [
        ("risks",),
        ("risks", "online-firestorm"),
        ("risks", "online-firestorm", "likelihood"),
        ("risks", "online-firestorm", "playbook"),
        ("risks", "online-firestorm", "owners"),
        ("alert_rules",),
        ("alert_rules", "negative-surge"),
        ("alert_rules", "negative-surge", "risk"),
    ],
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),  # with inf and nan
    st.text(max_size=30),
    st.text(min_size=3000, max_size=5000, alphabet="x(not ) "),
    st.binary(max_size=10),
    st.dates(min_value=date(1, 1, 1)),
    st.sampled_from(["*", "5m", "0m", "-1m", "1h30m", "volume >= 1", "bank-crisis", "\u202e"]),
)
keys = st.one_of(st.text(max_size=12), st.integers(-3, 3), st.none(), st.booleans())
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)


@pytest.fixture(scope="module")
def directory() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def load(directory: Path, replaced: str, content: str) -> RuleSet | ConfigError:
    """Load the valid directory with ``replaced``.yaml holding ``content``."""
    for name in FILES:
        text = content if name == replaced else yaml.safe_dump(VALID[name], allow_unicode=True)
        (directory / f"{name}.yaml").write_text(text, encoding="utf-8")
    try:
        return load_rules(directory)
    except ConfigError as exc:
        assert exc.issues
        files = {str(directory / f"{name}.yaml") for name in FILES}
        for issue in exc.issues:
            assert issue.file in files, issue
            assert issue.message.strip(), issue
        return exc


def named(outcome: RuleSet | ConfigError, directory: Path, name: str) -> bool:
    path = str(directory / f"{name}.yaml")
    return isinstance(outcome, ConfigError) and any(i.file == path for i in outcome.issues)


def test_the_valid_directory_loads(directory: Path) -> None:
    outcome = load(directory, "brands", yaml.safe_dump(VALID["brands"]))
    assert isinstance(outcome, RuleSet)
    assert [rule.name for rule in outcome.rules] == ["negative-surge"]


def replace_at(data: Any, path: tuple[str | int, ...], value: object) -> Any:
    changed = copy.deepcopy(data)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


@FAST
@given(data=st.data(), name=st.sampled_from(FILES), value=values)
@example(data=None, name="brands", value=[[[[]]]])
@example(data=None, name="alerts", value=None)  # an empty rules: list, still checked by risks
def test_a_wrong_value_anywhere_is_reported_or_accepted(
    directory: Path, data: st.DataObject | None, name: str, value: object
) -> None:
    path = data.draw(st.sampled_from(PATHS[name])) if data else PATHS[name][0]
    changed = replace_at(VALID[name], path, value)
    outcome = load(directory, name, yaml.safe_dump(changed, allow_unicode=True))
    if isinstance(outcome, RuleSet):
        # What the check accepts, a worker evaluates.
        for rule in outcome.rules:
            assert rule.condition({metric: 1.0 for metric in METRICS}) in (True, False)
    # The top-level sections are a list of rules or mappings of entries: another shape is
    # a mistake in that file, whatever else it causes.
    expected = list if name == "alerts" else dict
    if path == PATHS[name][0] and not isinstance(value, expected | None):
        assert named(outcome, directory, name)
    # Rules whose every entry is gone leave the risks' references to them undefined.
    if name == "alerts" and path == ("rules",) and (value is None or value == []):
        assert named(outcome, directory, "risks")


@FAST
@given(name=st.sampled_from(FILES), value=values)
def test_a_file_of_any_shape_is_reported_by_its_name(
    directory: Path, name: str, value: object
) -> None:
    outcome = load(directory, name, yaml.safe_dump(value, allow_unicode=True))
    if not isinstance(value, dict):
        assert named(outcome, directory, name)


@FAST
@given(name=st.sampled_from(FILES), text=st.text(max_size=200))
@example(name="owners", text="people: " + "[" * 3000 + "]" * 3000)  # once a RecursionError
@example(name="alerts", text="rules: {when: &a [*a]}")
@example(name="brands", text="\x1f")  # once a ReaderError traceback
@example(name="brands", text="\ufeffbrands:\n\t- x")
def test_a_file_of_any_text_is_reported_by_its_name(directory: Path, name: str, text: str) -> None:
    outcome = load(directory, name, text)
    if not is_mapping(text):
        assert named(outcome, directory, name)


def is_mapping(text: str) -> bool:
    """Whether plain PyYAML reads ``text`` as a mapping (it cannot read every text)."""
    try:
        return isinstance(yaml.safe_load(text), dict)
    except (yaml.YAMLError, RecursionError):
        return False


@FAST
@given(depth=st.integers(min_value=1, max_value=4 * MAX_YAML_NESTING), name=st.sampled_from(FILES))
@example(depth=MAX_YAML_NESTING - 1, name="alerts")  # with the file's mapping: at the bound
@example(depth=MAX_YAML_NESTING, name="alerts")
def test_nesting_deeper_than_the_parser_allows_is_a_config_error(
    directory: Path, depth: int, name: str
) -> None:
    key = next(iter(VALID[name]))
    outcome = load(directory, name, f"{key}: " + "[" * depth + "]" * depth)
    too_deep = isinstance(outcome, ConfigError) and any(
        "nested more than" in issue.message for issue in outcome.issues
    )
    # The file's own mapping is the first level.
    assert too_deep is (depth + 1 > MAX_YAML_NESTING)
    if too_deep:
        assert named(outcome, directory, name)
