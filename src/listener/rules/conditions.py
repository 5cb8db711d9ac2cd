"""Rule conditions: ``"volume >= 30 and (volume_ratio >= 5 or not negative_share < 0.4)"``.

A condition is compiled once, at load, into a tree of small frozen nodes; evaluating it is a
pure function of the window's metrics. Nothing is ever passed to ``eval``: the grammar is
only what an alert needs, so a typo is caught when the rules are loaded, with its column and
a suggestion, instead of at three in the morning.

Grammar (keywords in any case)::

    condition  := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" or_expr ")" | comparison
    comparison := operand (">" | ">=" | "<" | "<=" | "==" | "!=") operand
    operand    := metric | ["-"] number

A condition is bounded: at most :data:`MAX_CONDITION_CHARS` characters and
:data:`MAX_NESTING` levels of ``not`` and parentheses. The parser and the compiled tree are
recursive, so without a bound a condition ``listener check`` accepted could exhaust the
worker's stack, which is deeper than the checker's when it evaluates.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from listener.errors import ListenerError
from listener.windows.stats import COUNTS, METRICS

_COMPARE: Final[Mapping[str, Callable[[float, float], bool]]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
_KEYWORDS: Final = frozenset({"and", "or", "not"})
#: Longest condition accepted, in characters (the shipped rules' longest is about 100).
MAX_CONDITION_CHARS: Final = 2000
#: Deepest nesting of ``not`` and parentheses accepted (the shipped rules use 1).
MAX_NESTING: Final = 16
_TOKEN: Final = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>>=|<=|==|!=|>|<)"
    r"|(?P<punct>[()\-]))"
)
# What people used to other languages type, and what to write instead.
_FOREIGN: Final = {
    "&&": 'use "and"',
    "&": 'use "and"',
    "||": 'use "or"',
    "|": 'use "or"',
    "!": 'use "not" or "!="',
    "=": 'use "==" to compare',
    "%": "write shares as fractions: 0.4 rather than 40%",
}


class ConditionError(ListenerError):
    """A condition could not be compiled. ``position`` is a 0-based offset into the text."""

    def __init__(self, message: str, position: int, suggestion: str | None = None) -> None:
        self.message = message
        self.position = position
        self.suggestion = suggestion
        hint = f' (did you mean "{suggestion}"?)' if suggestion else ""
        super().__init__(f"{message}{hint} at column {position + 1}")

    @property
    def column(self) -> int:
        """1-based column, as editors show it."""
        return self.position + 1


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number | name | keyword | op | ( | ) | - | end
    text: str
    position: int


class Node(Protocol):
    """One piece of a compiled condition."""

    def evaluate(self, metrics: Mapping[str, float]) -> bool: ...

    def names(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class Metric:
    name: str

    def value(self, metrics: Mapping[str, float]) -> float:
        return float(metrics[self.name])


@dataclass(frozen=True, slots=True)
class Number:
    number: float

    def value(self, metrics: Mapping[str, float]) -> float:
        return self.number


Operand = Metric | Number


@dataclass(frozen=True, slots=True)
class Compare:
    left: Operand
    op: str
    right: Operand

    def evaluate(self, metrics: Mapping[str, float]) -> bool:
        return _COMPARE[self.op](self.left.value(metrics), self.right.value(metrics))

    def names(self) -> frozenset[str]:
        return frozenset(o.name for o in (self.left, self.right) if isinstance(o, Metric))


@dataclass(frozen=True, slots=True)
class Not:
    item: Node

    def evaluate(self, metrics: Mapping[str, float]) -> bool:
        return not self.item.evaluate(metrics)

    def names(self) -> frozenset[str]:
        return self.item.names()


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Node, ...]

    def evaluate(self, metrics: Mapping[str, float]) -> bool:
        return all(item.evaluate(metrics) for item in self.items)

    def names(self) -> frozenset[str]:
        return frozenset().union(*(item.names() for item in self.items))


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Node, ...]

    def evaluate(self, metrics: Mapping[str, float]) -> bool:
        return any(item.evaluate(metrics) for item in self.items)

    def names(self) -> frozenset[str]:
        return frozenset().union(*(item.names() for item in self.items))


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled condition; ``source`` is the text as written, for alerts and logs."""

    source: str
    root: Node
    #: The comparisons the whole condition needs (its top-level ``and``) that read only
    #: counts (see :data:`COUNTS`): when one is false, so is the condition.
    gate: tuple[Node, ...] = field(init=False, compare=False, repr=False)
    #: The gate as :meth:`ruled_out` runs it, for every brand at every boundary.
    _checks: tuple[Callable[[Mapping[str, float]], bool], ...] = field(
        init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        gate = tuple(_counts_only(self.root))
        object.__setattr__(self, "gate", gate)
        object.__setattr__(self, "_checks", tuple(map(_check, gate)))

    def __call__(self, metrics: Mapping[str, float]) -> bool:
        """True when the condition holds; ``metrics`` must hold every name in :attr:`names`."""
        return self.root.evaluate(metrics)

    def ruled_out(self, counts: Mapping[str, float]) -> bool:
        """True when ``counts`` (every name in :data:`COUNTS`) already make the condition
        false, whatever the other figures: a rule on a quiet brand is settled without its
        figures (surprises, ratios, topic figures) built. False means only "maybe"."""
        return not all(check(counts) for check in self._checks)

    @property
    def names(self) -> frozenset[str]:
        """The metrics the condition reads."""
        return self.root.names()


def _counts_only(node: Node) -> list[Node]:
    """The conjuncts of ``node`` (through nested ``and``) that read counts only."""
    if isinstance(node, AllOf):
        return [part for item in node.items for part in _counts_only(item)]
    names = node.names()
    return [node] if names and names <= COUNTS else []


def _check(node: Node) -> Callable[[Mapping[str, float]], bool]:
    """``node.evaluate``, with a count compared to a number (every shipped rule's floor, as
    ``negative >= 6``) bound in one closure: the same verdict for a fraction of the calls."""
    if isinstance(node, Compare):
        compare, left, right = _COMPARE[node.op], node.left, node.right
        if isinstance(left, Metric) and isinstance(right, Number):
            name, bound = left.name, right.number
            return lambda counts: compare(float(counts[name]), bound)
        if isinstance(left, Number) and isinstance(right, Metric):
            name, bound = right.name, left.number
            return lambda counts: compare(bound, float(counts[name]))
    return node.evaluate


def compile_condition(source: str, metrics: Collection[str] = tuple(METRICS)) -> Condition:
    """Compile ``source``; every name must be one of ``metrics`` (the window metrics by default).

    Error positions refer to ``source`` as given; the kept text has its runs of whitespace
    (line breaks of a long condition folded in the YAML) collapsed, for one-line display.
    """
    if len(source) > MAX_CONDITION_CHARS:
        raise ConditionError(
            f"condition has {len(source)} characters, at most {MAX_CONDITION_CHARS}: "
            "split the rule",
            MAX_CONDITION_CHARS,
        )
    parser = _Parser(_tokenize(source), frozenset(metrics))
    return Condition(source=" ".join(source.split()), root=parser.parse())


def all_of(conditions: Sequence[Condition]) -> Condition:
    """One condition that holds when every one of ``conditions`` does (a YAML list of them)."""
    if len(conditions) == 1:
        return conditions[0]
    texts = [f"({c.source})" if isinstance(c.root, AnyOf) else c.source for c in conditions]
    return Condition(source=" and ".join(texts), root=AllOf(tuple(c.root for c in conditions)))


def _tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        if source[position:].strip() == "":
            break
        match = _TOKEN.match(source, position)
        if match is None or match.lastgroup is None:
            raise _unexpected_character(source, position)
        kind, text = match.lastgroup, match.group(match.lastgroup)
        start = match.start(kind)
        if kind == "name" and text.lower() in _KEYWORDS:
            kind, text = "keyword", text.lower()
        elif kind == "punct":
            kind = text
        tokens.append(Token(kind, text, start))
        position = match.end()
    tokens.append(Token("end", "", len(source)))
    return tokens


def _unexpected_character(source: str, position: int) -> ConditionError:
    while source[position].isspace():
        position += 1
    for text, hint in _FOREIGN.items():
        if source.startswith(text, position):
            return ConditionError(f'"{text}" is not understood: {hint}', position)
    return ConditionError(f'unexpected character "{source[position]}"', position)


class _Parser:
    """Recursive descent over the tokens; one method per grammar rule."""

    def __init__(self, tokens: list[Token], metrics: frozenset[str]) -> None:
        self._tokens = tokens
        self._index = 0
        self._metrics = metrics
        self._depth = 0  # levels of "not" and parentheses open around the current token

    def parse(self) -> Node:
        if self._peek().kind == "end":
            raise ConditionError("condition is empty", 0)
        node = self._or()
        token = self._peek()
        if token.kind == "op":
            raise ConditionError(
                f'chained comparison at "{token.text}": write "a < b and b < c"', token.position
            )
        if token.kind != "end":
            expected = 'expected "and" or "or"' if token.kind != ")" else "unbalanced parenthesis"
            raise ConditionError(f'{expected} before "{token.text}"', token.position)
        return node

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _take(self) -> Token:
        token = self._tokens[self._index]
        self._index += 1
        return token

    def _accept(self, kind: str, text: str | None = None) -> bool:
        token = self._peek()
        if token.kind == kind and (text is None or token.text == text):
            self._index += 1
            return True
        return False

    def _or(self) -> Node:
        items = [self._and()]
        while self._accept("keyword", "or"):
            items.append(self._and())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def _and(self) -> Node:
        items = [self._not()]
        while self._accept("keyword", "and"):
            items.append(self._not())
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    def _not(self) -> Node:
        opening = self._peek()
        if (opening.kind, opening.text) == ("keyword", "not") or opening.kind == "(":
            self._depth += 1
            if self._depth > MAX_NESTING:
                raise ConditionError(
                    f'conditions nest at most {MAX_NESTING} levels of "not" and '
                    "parentheses: simplify the condition",
                    opening.position,
                )
            node = self._nested(opening)
            self._depth -= 1
            return node
        return self._comparison()

    def _nested(self, opening: Token) -> Node:
        self._take()
        if opening.kind == "keyword":
            return Not(self._not())
        node = self._or()
        if not self._accept(")"):
            token = self._peek()
            where = "the end" if token.kind == "end" else f'"{token.text}"'
            raise ConditionError(
                f"parenthesis opened at column {opening.position + 1} is not closed before {where}",
                token.position,
            )
        return node

    def _comparison(self) -> Compare:
        left = self._operand()
        token = self._peek()
        if token.kind != "op":
            after = self._tokens[self._index - 1].text
            found = "the end" if token.kind == "end" else f'"{token.text}"'
            raise ConditionError(
                f'expected a comparison (>, >=, <, <=, ==, !=) after "{after}", found {found}',
                token.position,
            )
        self._take()
        right = self._operand()
        if isinstance(left, Number) and isinstance(right, Number):
            raise ConditionError("comparison of two numbers: name a metric", token.position)
        return Compare(left, token.text, right)

    def _operand(self) -> Operand:
        token = self._take()
        if token.kind == "-" and self._peek().kind == "number":
            return Number(-float(self._take().text))
        if token.kind == "number":
            return Number(float(token.text))
        if token.kind == "name":
            return self._metric(token)
        found = "the end" if token.kind == "end" else f'"{token.text}"'
        raise ConditionError(f"expected a metric or a number, found {found}", token.position)

    def _metric(self, token: Token) -> Metric:
        if token.text in self._metrics:
            return Metric(token.text)
        close = difflib.get_close_matches(token.text, sorted(self._metrics | _KEYWORDS), n=1)
        raise ConditionError(
            f'unknown metric "{token.text}"', token.position, close[0] if close else None
        )
