"""Rule conditions: parsing, precedence, evaluation and the errors a person sees."""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable

import pytest

from listener.rules.conditions import (
    MAX_CONDITION_CHARS,
    MAX_NESTING,
    ConditionError,
    all_of,
    compile_condition,
)
from listener.rules.files.durations import format_duration, parse_duration
from listener.windows.stats import METRICS

pytestmark = pytest.mark.filterwarnings("error")

QUIET = {name: 0.0 for name in METRICS}


def holds(text: str, **figures: float) -> bool:
    return compile_condition(text)({**QUIET, **figures})


def error(text: str) -> ConditionError:
    with pytest.raises(ConditionError) as caught:
        compile_condition(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "volume", "expected"),
    [
        ("volume > 10", 10, False),
        ("volume > 10", 11, True),
        ("volume >= 10", 10, True),
        ("volume < 10", 10, False),
        ("volume <= 10", 10, True),
        ("volume == 10", 10, True),
        ("volume != 10", 10, False),
        ("10 < volume", 11, True),
        ("volume > 1e1", 11, True),
        ("volume >= .5", 1, True),
    ],
)
def test_comparisons(text: str, volume: float, expected: bool) -> None:
    assert holds(text, volume=volume) is expected


def test_and_binds_tighter_than_or() -> None:
    # Read as (volume >= 5 and negative >= 5) or unknown >= 5.
    text = "volume >= 5 and negative >= 5 or unknown >= 5"
    assert holds(text, unknown=5)
    assert not holds(text, volume=5)
    # Read as volume >= 5 or (negative >= 5 and unknown >= 5).
    text = "volume >= 5 or negative >= 5 and unknown >= 5"
    assert holds(text, volume=5)
    assert not holds(text, negative=5)


def test_parentheses_override_precedence() -> None:
    text = "volume >= 5 and (negative >= 5 or unknown >= 5)"
    assert not holds(text, unknown=5)
    assert holds(text, volume=5, unknown=5)


def test_not_binds_tighter_than_and() -> None:
    text = "not volume >= 5 and negative >= 5"
    assert holds(text, volume=1, negative=5)
    assert not holds(text, volume=5, negative=5)
    assert holds("not not volume >= 5", volume=5)
    assert holds("not (volume >= 5 or negative >= 5)", volume=1)


def test_negative_numbers_and_metric_on_both_sides() -> None:
    assert holds("sentiment_z <= -3", sentiment_z=-3.5)
    assert not holds("sentiment_z <= -3", sentiment_z=-2.5)
    assert holds("volume > volume_baseline", volume=9, volume_baseline=3)


def test_keywords_are_case_insensitive_and_whitespace_is_free() -> None:
    assert holds("volume>=5AND negative>=1", volume=5, negative=1)
    assert holds("\n  volume >= 5\n  OR negative >= 1 ", negative=1)


def test_infinite_metric_compares() -> None:
    assert holds("minutes_since_brand_post > 60", minutes_since_brand_post=math.inf)


def test_condition_keeps_its_text_on_one_line_and_names_its_metrics() -> None:
    condition = compile_condition("volume >= 5\n and  volume_z >= 3")
    assert condition.source == "volume >= 5 and volume_z >= 3"
    assert condition.names == {"volume", "volume_z"}


def test_all_of_needs_every_part_and_reads_unambiguously() -> None:
    combined = all_of(
        [compile_condition("volume >= 5"), compile_condition("negative >= 1 or unknown >= 1")]
    )
    assert combined.source == "volume >= 5 and (negative >= 1 or unknown >= 1)"
    assert combined({**QUIET, "volume": 5, "unknown": 1})
    assert not combined({**QUIET, "volume": 4, "unknown": 1})
    assert not combined({**QUIET, "volume": 5})


def test_unknown_metric_has_column_and_suggestion() -> None:
    caught = error("volume >= 30 and volme >= 5")
    assert caught.position == 17
    assert caught.column == 18
    assert caught.suggestion == "volume"
    assert str(caught) == 'unknown metric "volme" (did you mean "volume"?) at column 18'


def test_unknown_metric_far_from_any_has_no_suggestion() -> None:
    caught = error("zzzz > 1")
    assert caught.suggestion is None
    assert "did you mean" not in str(caught)


def test_misspelt_keyword_is_suggested() -> None:
    assert error("volume >= 1 adn negative >= 1").message.startswith('expected "and" or "or"')
    assert error("volume >= 1 and nto negative >= 1").suggestion == "not"


@pytest.mark.parametrize(
    ("text", "fragment", "position"),
    [
        ("", "condition is empty", 0),
        ("   ", "condition is empty", 0),
        ("volume >=", "expected a metric or a number, found the end", 9),
        ("volume", 'expected a comparison (>, >=, <, <=, ==, !=) after "volume"', 6),
        ("volume 5", "expected a comparison", 7),
        ("(volume > 5", "parenthesis opened at column 1 is not closed before the end", 11),
        ("volume > 5)", "unbalanced parenthesis", 10),
        ("volume > 5 && negative > 1", '"&&" is not understood: use "and"', 11),
        ("volume > 5 || negative > 1", '"||" is not understood: use "or"', 11),
        ("volume = 5", '"=" is not understood: use "==" to compare', 7),
        ("negative_share > 40%", "write shares as fractions", 19),
        ("volume > 5 # note", 'unexpected character "#"', 11),
        ("1 < volume < 5", "chained comparison", 11),
        ("3 > 2", "comparison of two numbers", 2),
        ("volume > 5 negative > 1", 'expected "and" or "or" before "negative"', 11),
        ("volume > 5 and", "expected a metric or a number, found the end", 14),
        ("__import__('os') > 1", 'unexpected character "\'"', 11),
    ],
)
def test_compile_errors(text: str, fragment: str, position: int) -> None:
    caught = error(text)
    assert fragment in caught.message
    assert caught.position == position


def test_a_sign_applies_to_numbers_only() -> None:
    assert holds("volume > - 5", volume=-4)
    assert not holds("volume > - 5", volume=-6)
    assert "expected a metric or a number" in error("volume > -volume_z").message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0m", 0), ("90s", 90), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("1d", 86_400)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("text", ["5", 5, "", "5x", "m", "-5m", "5 m", "1h1h", "1.5h", None])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_format_duration() -> None:
    assert format_duration(5400) == "1h30m"
    assert format_duration(0) == "0s"
    assert format_duration(90_061) == "1d1h1m1s"


def deepest(levels: int) -> str:
    """A condition nesting ``levels`` levels, alternating "not", "or" and "and" groups so
    each level adds a node to the compiled tree."""
    text = "volume > 1"
    for level in range(levels):
        if level % 3 == 0:
            text = f"not {text}"
        else:
            joiner = "or" if level % 3 == 1 else "and"
            text = f"(negative >= 0 {joiner} {text})"
    return text


def run_with_frames_to_spare(frames: int, call: Callable[[], object]) -> object:
    """``call()`` with the interpreter allowed only ``frames`` more frames than it uses now:
    a worker evaluates rules far deeper in its stack than a unit test does."""
    depth = len(inspect.stack(0))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        return call()
    finally:
        sys.setrecursionlimit(limit)


def test_the_deepest_condition_accepted_evaluates_with_little_stack() -> None:
    condition = compile_condition(deepest(MAX_NESTING))
    expected = condition({**QUIET, "volume": 2.0})
    assert run_with_frames_to_spare(100, lambda: condition({**QUIET, "volume": 2.0})) is expected
    assert run_with_frames_to_spare(100, lambda: condition.names) == {"volume", "negative"}
    assert run_with_frames_to_spare(100, lambda: hash(condition)) == hash(condition)


@pytest.mark.parametrize("text", ["not " * 400 + "volume > 1", deepest(MAX_NESTING + 1)])
def test_nesting_beyond_the_bound_is_refused(text: str) -> None:
    caught = error(text)
    assert str(MAX_NESTING) in caught.message
    assert "not" in caught.message and "parentheses" in caught.message


def test_nesting_is_counted_by_open_levels_not_by_how_many() -> None:
    # Many groups one after another are shallow: only what is open at once counts.
    flat = " and ".join(["(not volume > 1)"] * (MAX_NESTING + 4))
    assert holds(flat, volume=0)
    assert not holds(flat, volume=2)


def test_a_condition_longer_than_the_bound_is_refused() -> None:
    text = " or ".join(["volume > 1"] * (MAX_CONDITION_CHARS // 10))
    assert len(text) > MAX_CONDITION_CHARS
    caught = error(text)
    assert f"{len(text)} characters" in caught.message
    assert str(MAX_CONDITION_CHARS) in caught.message
    assert compile_condition(text[: MAX_CONDITION_CHARS - 20].rsplit(" or", 1)[0])
