"""Properties of the rules files' JSON Schemas against the loader: whatever value is put in
a place a person edits, a file that `listener check` accepts meets its schema, so an editor
never marks as wrong what listener takes.

Left out on purpose: booleans, and strings that read as numbers or booleans. The loader's
models are lenient there (``likelihood: true`` is 1, ``"12"`` is 12, ``"yes"`` is true);
the schemas, written for people typing, want numbers and booleans written as such
(docs/editing-rules.md).
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError
from test_property_rules_files import VALID as FILES_VALID

from listener.errors import ConfigError
from listener.rules.files.loader import load_rules
from listener.schemas import KINDS, load_schema

pytestmark = pytest.mark.filterwarnings("error")

#: The loader's property test's valid files, with a notifiers.yaml besides.
VALID: dict[str, Any] = {
    **FILES_VALID,
    "notifiers": {
        "notifiers": {
            "email": {"host": "smtp.example.com", "from_address": "alerts@example.com"},
        }
    },
}
# Places a person edits.
PATHS: dict[str, list[tuple[str | int, ...]]] = {
    "brands": [
        ("brands",),
        ("brands", "acme_bank"),
        *[
            ("brands", "acme_bank", key)
            for key in ("name", "terms", "hashtags", "handles", "exclude", "own_accounts")
        ],
        *[("brands", "acme_bank", key) for key in ("channels", "language", "topics", "baseline")],
        ("brands", "acme_bank", "baseline", "volume_per_hour"),
        ("brands", "acme_bank", "baseline", "negative_share"),
    ],
    "owners": [
        ("people",),
        *[("people", "maria.rossi", key) for key in ("name", "slack", "email", "phone")],
        ("people", "maria.rossi", "channels"),
        *[("groups", "bank-crisis", key) for key in ("levels", "repeat", "reminders", "channels")],
        ("groups", "bank-crisis", "levels", 0, "after"),
        ("groups", "bank-crisis", "levels", 0, "notify"),
    ],
    "alerts": [
        ("rules",),
        ("windows",),
        *[
            ("rules", 0, key)
            for key in ("name", "brands", "window", "when", "for", "severity", "cooldown")
        ],
    ],
    "risks": [
        *[
            ("risks", "online-firestorm", key)
            for key in ("likelihood", "impact", "playbook", "topics", "absorbs", "resolve_after")
        ],
        ("alert_rules",),
        ("alert_rules", "negative-surge", "risk"),
        ("alert_rules", "negative-surge", "raise_when_brand_silent"),
    ],
    "notifiers": [
        *[("notifiers", key) for key in ("timezone", "slack", "webhooks", "teams", "delivery")],
        *[("notifiers", "email", key) for key in ("port", "security", "username", "from_name")],
        ("notifiers", "email", "from_address"),
    ],
}
# Values that fit somewhere, so that accepted files are common.
SAMPLES = [
    *("*", "5m", "0m", " 15m ", "1h30m", "60m", "2h", "volume >= 1", "bank-crisis"),
    *("maria.rossi", "#caffè", "#acme", "@acme.bank", "facebook:123", "it", "slack", "email"),
    *("critical", "info", "online-firestorm", "negative-surge", "brand", "Europe/Rome"),
    *("https://example.com/x", "HTTP://example.com", "LISTENER_X", "alerts@example.com"),
    *("+393331234567", "U012AB3CD", "#crisis", "starttls", "plain", "", " ", "a\nb"),
]


def lax(text: str) -> bool:
    """Whether the loader's models would read ``text`` as a number or a boolean."""
    for kind in (float, bool):
        try:
            TypeAdapter(kind).validate_python(text)
        except ValidationError:
            continue
        return True
    return False


scalars = st.one_of(
    st.none(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20).filter(lambda text: not lax(text)),
    st.sampled_from(SAMPLES),
)
keys = st.one_of(st.sampled_from(SAMPLES), st.text(max_size=12).filter(lambda t: not lax(t)))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=10,
)
FAST = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


@pytest.fixture(scope="module")
def directory() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def accepted(directory: Path, kind: str, text: str) -> bool:
    for name, data in VALID.items():
        content = text if name == kind else yaml.safe_dump(data, allow_unicode=True)
        (directory / f"{name}.yaml").write_text(content, encoding="utf-8")
    try:
        load_rules(directory)
    except ConfigError:
        return False
    return True


def schema_errors(kind: str, text: str) -> list[str]:
    validator = Draft202012Validator(load_schema(kind))
    return [error.message for error in validator.iter_errors(yaml.safe_load(text))]


def replace_at(data: Any, path: tuple[str | int, ...], value: object) -> Any:
    changed = copy.deepcopy(data)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(data=st.data())
def test_a_file_listener_accepts_meets_its_schema(
    directory: Path, kind: str, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(PATHS[kind]), label="path")
    value = data.draw(values, label="value")
    text = yaml.safe_dump(replace_at(VALID[kind], path, value), allow_unicode=True)
    if accepted(directory, kind, text):
        assert schema_errors(kind, text) == [], text


# Accepted files written in the less usual ways the loader allows: each must meet its
# schema (so the property above is seen to hold on files that load, not only vacuously).
ACCEPTED = [
    ("brands", ("brands", "acme_bank", "hashtags"), ["#caffè", "#acme_bank"]),
    ("brands", ("brands", "acme_bank", "handles"), ["@acme.bank"]),
    ("brands", ("brands", "acme_bank", "language"), None),
    ("brands", ("brands", "acme_bank", "baseline", "volume_per_hour"), 0.5),
    ("owners", ("groups", "bank-crisis", "levels", 0, "after"), " 0m "),
    ("owners", ("groups", "bank-crisis", "reminders"), "30m"),
    ("owners", ("groups", "bank-crisis", "repeat"), None),
    ("alerts", ("rules", 0, "brands"), ["*"]),
    ("alerts", ("rules", 0, "when"), ["negative >= 6", "negative_share >= 0.5"]),
    ("alerts", ("rules", 0, "for"), "1h30m"),
    ("risks", ("risks", "online-firestorm", "likelihood"), 3.0),
    ("risks", ("risks", "online-firestorm", "playbook"), {"info": ["a"], "critical": ["b"]}),
    (
        "risks",
        ("risks", "online-firestorm", "playbook"),
        ["Read the posts.", {"step": "Answer.", "expect": "statement", "within": "30m"}],
    ),
    ("notifiers", ("notifiers", "webhooks"), {"ops": {"url": "HTTP://example.com/h"}}),
    ("notifiers", ("notifiers", "email", "from_name"), "Crisis desk"),
]


@pytest.mark.parametrize(("kind", "path", "value"), ACCEPTED)
def test_files_written_the_less_usual_ways_load_and_meet_their_schema(
    directory: Path, kind: str, path: tuple[str | int, ...], value: object
) -> None:
    text = yaml.safe_dump(replace_at(VALID[kind], path, value), allow_unicode=True)
    assert accepted(directory, kind, text), text
    assert schema_errors(kind, text) == [], text
