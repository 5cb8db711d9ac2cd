"""Settling a quiet brand's rules at once, on a few counts of its windows.

Every shipped rule asks for some least count before anything else (``negative >= 6``,
``topic >= 5``): a floor. Most brands at most boundaries are quiet and below every floor of
every rule, so each rule is false there without its figures built (Condition.ruled_out).
Asking that rule by rule still cost a dict of counts and a call per rule, for every brand
at every boundary: with a thousand brands, the largest part of judging.

:class:`Floors` asks it once per brand: the rules' floors grouped by what they count (a
window size, a count, the risk whose topic it counts) with the lowest floor of each group
kept. When each group's count is below that lowest floor, every rule is below one of its
floors, so every rule is false: the same verdict as asking them one by one, at a few
attribute reads. When not, the rules are asked one by one as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from listener.rules.conditions import Compare, Metric, Number
from listener.windows.stats import COUNTS, WindowStats

if TYPE_CHECKING:
    from listener.rules.ruleset import Rule


@dataclass(frozen=True, slots=True)
class Floor:
    """A least count a rule asks for: ``count >= bound``, or ``count > bound`` if strict."""

    size: int
    count: str
    #: The risk whose topic is counted (for ``topic`` only).
    risk: str | None
    bound: float
    strict: bool

    def unmet(self, stats: Mapping[int, WindowStats]) -> bool:
        """Whether the count is below the floor (what WindowStats.counts would say)."""
        window = stats.get(self.size)
        if window is None:
            return False
        if self.count == "topic":
            value = float(window.topics.get(self.risk, 0) if self.risk is not None else 0)
        else:
            value = float(getattr(window, self.count))
        return value <= self.bound if self.strict else value < self.bound


def floor_of(node: object, size: int, risk: str | None) -> Floor | None:
    """``node`` as a floor, if it is one: a count compared with a number from below."""
    if not isinstance(node, Compare):
        return None
    left, op, right = node.left, node.op, node.right
    if isinstance(left, Number) and isinstance(right, Metric):
        left, right = right, left
        op = {"<=": ">=", "<": ">"}.get(op, "")
    if not (isinstance(left, Metric) and isinstance(right, Number) and op in (">=", ">")):
        return None
    if left.name not in COUNTS:
        return None  # every count but "topic" is a WindowStats attribute of its name
    return Floor(size, left.name, risk if left.name == "topic" else None, right.number, op == ">")


@dataclass(frozen=True, slots=True)
class Floors:
    """The lowest floor of each group of one brand's rules (see the module docstring)."""

    lowest: tuple[Floor, ...]

    def unmet(self, stats: Mapping[int, WindowStats]) -> bool:
        """True when every rule is below one of its floors: every rule is false."""
        return all(floor.unmet(stats) for floor in self.lowest)

    @classmethod
    def of(cls, watching: Iterable[tuple[Rule, str | None]]) -> Floors | None:
        """The floors of ``watching`` (rules with the risk each raises); None when a rule
        has no floor, so that no count alone settles it."""
        lowest: dict[tuple[int, str, str | None], Floor] = {}
        for rule, risk in watching:
            floors = [floor_of(node, rule.window_seconds, risk) for node in rule.condition.gate]
            found = next((floor for floor in floors if floor is not None), None)
            if found is None:
                return None
            key = (found.size, found.count, found.risk)
            kept = lowest.get(key)
            if kept is None or _lower(found, kept):
                lowest[key] = found
        return cls(tuple(lowest.values()))


def _lower(floor: Floor, than: Floor) -> bool:
    """Whether ``floor`` is met by every count that meets ``than`` (it is the weaker)."""
    if floor.bound != than.bound:
        return floor.bound < than.bound
    return than.strict and not floor.strict
