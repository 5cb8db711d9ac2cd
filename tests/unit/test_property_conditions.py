"""Properties of the condition compiler: whatever text it is given, it either compiles a
condition that evaluates like the expression it was written from, or refuses it with a
:class:`ConditionError`; nothing else escapes, whatever the nesting, length or alphabet."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from listener.rules.conditions import (
    MAX_CONDITION_CHARS,
    MAX_NESTING,
    Condition,
    ConditionError,
    compile_condition,
)
from listener.rules.files.loader import load_rules
from listener.windows.stats import COUNTS, METRICS

pytestmark = pytest.mark.filterwarnings("error")

NAMES = sorted(METRICS)
OPS = (">", ">=", "<", "<=", "==", "!=")
FAST = settings(max_examples=150, deadline=None, database=None)


@dataclass(frozen=True)
class Cmp:
    left: str  # a metric name or a number as written
    op: str
    right: str


@dataclass(frozen=True)
class Neg:
    item: Expr


@dataclass(frozen=True)
class Group:
    joiner: str  # and | or
    items: tuple[Expr, ...]


Expr = Cmp | Neg | Group


def value(operand: str, metrics: dict[str, float]) -> float:
    return metrics[operand] if operand in metrics else float(operand.replace(" ", ""))


def model(expr: Expr, metrics: dict[str, float]) -> bool:
    """What the expression means, computed without the compiler."""
    if isinstance(expr, Cmp):
        left, right = value(expr.left, metrics), value(expr.right, metrics)
        return {
            ">": left > right,
            ">=": left >= right,
            "<": left < right,
            "<=": left <= right,
            "==": left == right,
            "!=": left != right,
        }[expr.op]
    if isinstance(expr, Neg):
        return not model(expr.item, metrics)
    results = [model(item, metrics) for item in expr.items]
    return all(results) if expr.joiner == "and" else any(results)


def render(expr: Expr, keyword_case: str) -> str:
    """The expression as a person might write it; every group in parentheses."""
    if isinstance(expr, Cmp):
        return f"{expr.left} {expr.op} {expr.right}"
    if isinstance(expr, Neg):
        return f"{_word('not', keyword_case)} {render(expr.item, keyword_case)}"
    joiner = f" {_word(expr.joiner, keyword_case)} "
    return "(" + joiner.join(render(item, keyword_case) for item in expr.items) + ")"


def _word(word: str, case: str) -> str:
    return word.upper() if case == "upper" else word.title() if case == "title" else word


def nesting(expr: Expr) -> int:
    """Levels of "not" and parentheses open at once in :func:`render`'s text."""
    if isinstance(expr, Cmp):
        return 0
    if isinstance(expr, Neg):
        return 1 + nesting(expr.item)
    return 1 + max(nesting(item) for item in expr.items)


numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.just("9" * 400),  # parses as infinity
    st.sampled_from([".5", "5.", "1e-300", "1E+308", "0.0"]),
).map(lambda text: f"- {text[1:]}" if text.startswith("-") else text)
operands = st.one_of(st.sampled_from(NAMES), numbers)
comparisons = st.builds(Cmp, st.sampled_from(NAMES), st.sampled_from(OPS), operands) | st.builds(
    Cmp, numbers, st.sampled_from(OPS), st.sampled_from(NAMES)
)
expressions: st.SearchStrategy[Expr] = st.recursive(
    comparisons,
    lambda inner: (
        st.builds(Neg, inner)
        | st.builds(
            Group,
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=2, max_size=3).map(tuple),
        )
    ),
    max_leaves=12,
)
figures = st.fixed_dictionaries(
    {name: st.floats(allow_nan=True) | st.integers(-5, 5).map(float) for name in NAMES}
)


@FAST
@given(expr=expressions, metrics=figures, case=st.sampled_from(["lower", "upper", "title"]))
def test_a_written_expression_compiles_to_what_it_means(
    expr: Expr, metrics: dict[str, float], case: str
) -> None:
    text = render(expr, case)
    if nesting(expr) > MAX_NESTING or len(text) > MAX_CONDITION_CHARS:
        with pytest.raises(ConditionError):
            compile_condition(text)
        return
    condition = compile_condition(text)
    assert condition(metrics) is model(expr, metrics)
    assert condition.source == " ".join(text.split())


@FAST
@given(depth=st.integers(min_value=0, max_value=3 * MAX_NESTING), shape=st.sampled_from("n(m"))
@example(depth=983, shape="n")  # the repetition that once passed the check and crashed a worker
@example(depth=5000, shape="(")
def test_nesting_is_refused_beyond_the_bound_and_evaluated_within_it(
    depth: int, shape: str
) -> None:
    inner = "volume > 1"
    if shape == "n":
        text = "not " * depth + inner
    elif shape == "(":
        text = "(" * depth + inner + ")" * depth
    else:
        text = "not (" * (depth // 2) + inner + ")" * (depth // 2)
    levels = depth if shape != "m" else 2 * (depth // 2)
    if levels > MAX_NESTING or len(text) > MAX_CONDITION_CHARS:
        with pytest.raises(ConditionError):
            compile_condition(text)
        return
    flips = depth if shape == "n" else depth // 2 if shape == "m" else 0
    assert compile_condition(text)({"volume": 2.0}) is (flips % 2 == 0)


TOKENS = [
    *NAMES[:8],
    "and", "OR", "Not", "(", ")", "-", ">", ">=", "<", "<=", "==", "!=",
    "1", "0.5", "1e999", ".", "e", "&&", "||", "!", "=", "%", "volme", "négatif",
    "\u00a0", "\t", "\n", "１", "٣", "ǅ", "\u2028",
]  # fmt: skip


def check_any(text: str) -> None:
    """The property every text must meet: a condition that evaluates, or a ConditionError
    pointing inside the text."""
    try:
        condition = compile_condition(text)
    except ConditionError as exc:
        assert 0 <= exc.position <= max(len(text), MAX_CONDITION_CHARS)
        assert exc.message
        return
    assert isinstance(condition, Condition)
    assert condition.names <= set(NAMES)
    result = condition({name: 1.0 for name in NAMES})
    assert isinstance(result, bool)


@FAST
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
@example("volume > 1 and not")
@example("not" + " not" * 3000 + " volume > 1")
def test_any_soup_of_tokens_compiles_or_is_refused_clearly(text: str) -> None:
    check_any(text)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.text(max_size=300) | st.text(min_size=MAX_CONDITION_CHARS - 5, max_size=4000))
@example("\u0660 < volume")  # an Arabic-Indic digit is a digit to the tokenizer
@example("volume > 1" + "\u3000")
def test_any_text_compiles_or_is_refused_clearly(text: str) -> None:
    check_any(text)


def test_a_huge_number_is_infinity_not_an_error() -> None:
    condition = compile_condition("volume < " + "9" * 400)
    assert condition({"volume": 1e308})
    assert math.isinf(condition.root.right.value({}))  # type: ignore[attr-defined]


@FAST
@given(expr=expressions, metrics=figures)
@example(expr=Group("and", (Cmp("negative", ">=", "6"), Cmp("volume_ratio", ">", "2"))),
         metrics={name: 1.0 for name in NAMES})  # fmt: skip
def test_a_condition_ruled_out_by_the_counts_is_false(
    expr: Expr, metrics: dict[str, float]
) -> None:
    text = render(expr, "lower")
    if nesting(expr) > MAX_NESTING or len(text) > MAX_CONDITION_CHARS:
        return
    condition = compile_condition(text)
    counts = {name: value for name, value in metrics.items() if name in COUNTS}
    if condition.ruled_out(counts):
        assert condition(metrics) is False
    assert all(node.names() <= COUNTS for node in condition.gate)
    # The gate as ruled_out runs it (a count and a number bound together) says what the
    # gate's comparisons say, read one by one.
    assert condition.ruled_out(counts) is not all(node.evaluate(counts) for node in condition.gate)


def test_the_gate_is_every_count_comparison_the_whole_condition_needs() -> None:
    condition = compile_condition(
        "volume >= 20 and (negative > 5 and volume_ratio >= 2) and (topic > 1 or sentiment_z < -3)"
    )
    assert [node.names() for node in condition.gate] == [{"volume"}, {"negative"}]
    counts = dict.fromkeys(COUNTS, 100.0)
    assert not condition.ruled_out(counts)
    assert condition.ruled_out({**counts, "negative": 5.0})
    # Within an "or", a count alone proves nothing.
    assert compile_condition("topic > 1 or sentiment_z < -3").gate == ()


def test_the_shipped_rules_each_have_a_gate_of_counts() -> None:
    # Every shipped rule names a count floor, so a quiet brand's rules are settled on counts.
    rules = load_rules(Path(__file__).parents[2] / "rules")
    assert rules.rules
    for rule in rules.rules:
        assert rule.condition.gate, rule.name
        quiet = {name: 0.0 for name in COUNTS}
        assert rule.condition.ruled_out(quiet), rule.name
