"""Reading one YAML file: plain data is built straight from libyaml's events, and gives
what the full loader gives; everything else is left to the full loader, which reports it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from listener.errors import ConfigIssue
from listener.rules.files import yamlfile
from listener.rules.files.yamlfile import MAX_YAML_NESTING, read_yaml

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")


def full(text: str) -> tuple[Any, list[str]]:
    """What the full loader builds from ``text``, and the duplicate keys it saw."""
    loader = yamlfile._StrictLoader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()


def same(a: Any, b: Any) -> bool:
    """Equal, type for type (1 is not 1.0 nor True), with NaN equal to itself."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def shipped() -> list[Path]:
    files = [*(ROOT / "rules").glob("*.yaml"), *(ROOT / "connectors").glob("*.yaml")]
    assert len(files) >= 5
    return sorted(files)


@pytest.mark.parametrize("path", shipped(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_file_is_plain_data_read_as_the_full_loader_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    plain = yamlfile._plain_data(text)
    assert plain is not yamlfile._NOT_PLAIN
    data, duplicates = full(text)
    assert duplicates == []
    assert same(plain, data)


SCALARS = """\
words: plain words
quoted: "12"
single: '~'
int: 12
negative: -7
underscored: 1_000
hex: 0x1F
octal: 0o17
float: 2.5
exponent: 1e3
infinite: -.inf
nan: .nan
yes: yes
off: Off
true: true
null: null
tilde: ~
empty:
date: 2017-10-03
time: 2017-10-03T16:30:00+02:00
tagged: !!str 12
floated: !!float 3
binary: !!binary aGVsbG8=
folded: >
  two
  lines
literal: |
  kept
  as is
flow: {a: 1, b: [x, 'y', 2.0]}
list:
- - nested
  - 1
- {}
- []
12: a number key
? plain explicit key
: its value
"""


def test_every_kind_of_scalar_resolves_as_pyyaml_resolves_it() -> None:
    plain = yamlfile._plain_data(SCALARS)
    assert plain is not yamlfile._NOT_PLAIN
    data, _ = full(SCALARS)
    assert same(plain, data)
    assert isinstance(data, dict) and data["tagged"] == "12" and math.isnan(data["nan"])


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",  # anchor and alias
        "base: &b {x: 1}\nmore:\n  <<: *b\n  y: 2\n",  # merge key
        "a: 1\nb: 2\na: 3\n",  # duplicate key
        "outer:\n  a: 1\n  'a': 2\n",  # duplicate, quoted
        "a: 1\n---\nb: 2\n",  # two documents
        "a: !custom 1\n",  # a tag the safe loader refuses
        "a: !!set {x, y}\n",  # a tagged collection
        "? [a, b]\n: complex key\n",
        "a: [1, 2\n",  # syntax error
        "a: \x07\n",  # a character YAML refuses
        "a: !!int twelve\n",  # a value its constructor refuses
        "=: value key\n",
        "a: " + "[" * (MAX_YAML_NESTING + 5) + "]" * (MAX_YAML_NESTING + 5) + "\n",
    ],
)
def test_anything_but_plain_data_is_left_to_the_full_loader(tmp_path: Path, text: str) -> None:
    assert yamlfile._plain_data(text) is yamlfile._NOT_PLAIN
    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    issues: list[ConfigIssue] = []
    data = read_yaml(path, "file.yaml", issues)
    try:
        expected, duplicates = full(text)
    except yaml.YAMLError:
        assert data is yamlfile.UNREADABLE
        assert len(issues) == 1 and issues[0].message.startswith("YAML syntax error at line ")
    else:
        assert same(data, expected)
        assert [issue.message for issue in issues] == duplicates


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!int twelve", "'twelve' cannot be read as !!int"),
        ("!!float abc", "'abc' cannot be read as !!float"),
        ("!!bool maybe", "'maybe' cannot be read as !!bool"),
        ("!!timestamp noon", "'noon' cannot be read as !!timestamp"),
    ],
)
def test_a_value_its_tag_refuses_is_reported_with_its_line(
    tmp_path: Path, value: str, message: str
) -> None:
    path = tmp_path / "brands.yaml"
    path.write_text(f"brands:\n  acme:\n    name: {value}\n", encoding="utf-8")
    issues: list[ConfigIssue] = []
    assert read_yaml(path, "brands.yaml", issues) is yamlfile.UNREADABLE
    assert [issue.message for issue in issues] == [
        f"YAML syntax error at line 3, column 11: {message}"
    ]


def test_keys_written_apart_but_equal_keep_the_last_value_as_pyyaml_does() -> None:
    text = "yes: first\ntrue: second\n10: ten\n0xA: hex ten\n"
    plain = yamlfile._plain_data(text)
    assert plain == {True: "second", 10: "hex ten"} == full(text)[0]


def test_nesting_just_under_the_bound_is_still_plain() -> None:
    depth = MAX_YAML_NESTING - 2
    text = "a: " + "[" * depth + "1" + "]" * depth + "\n"
    plain = yamlfile._plain_data(text)
    assert plain is not yamlfile._NOT_PLAIN
    assert same(plain, full(text)[0])


def test_an_empty_file_is_none_either_way() -> None:
    for text in ("", "# only a comment\n", "---\n"):
        assert yamlfile._plain_data(text) is None
        assert full(text)[0] is None


keys = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
)
documents = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.booleans(), st.sampled_from([None, False, True]), st.integers(20, 80))
def test_any_data_pyyaml_writes_reads_back_the_same_both_ways(
    data: Any, sort_keys: bool, flow: bool | None, width: int
) -> None:
    text = yaml.safe_dump(
        data, sort_keys=sort_keys, default_flow_style=flow, width=width, allow_unicode=True
    )
    plain = yamlfile._plain_data(text)
    assert plain is not yamlfile._NOT_PLAIN
    assert same(plain, full(text)[0])
