"""Silences like Alertmanager's: matchers on an incident's brand, rule, risk and severity
(equality or regular expression, either negated), a start and an end (so a planned
campaign or launch can be silenced in advance), a comment and an author.

An incident is silenced while some active silence matches it: every matcher holds, and a
matcher on ``rule`` holds for *every* rule that raised the incident (as Alertmanager still
notifies a group while any of its alerts is not silenced). A regular expression must
match the whole value, as Alertmanager anchors it.

A silence is never changed: an edit is a new silence that ``replaces`` the old one, which
ends as the new one is applied; expiring ends it at once (:class:`Expire`). Times are
compared with the event-time clock, like everything the engine decides.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Final, Literal, Protocol

#: What a matcher may look at.
Field = Literal["brand", "rule", "risk", "severity"]
FIELDS: Final[tuple[Field, ...]] = ("brand", "rule", "risk", "severity")
#: Equal, not equal, matches the regular expression, does not match it.
Op = Literal["=", "!=", "=~", "!~"]
OPS: Final[tuple[Op, ...]] = ("=", "!=", "=~", "!~")
#: Longest regular expression accepted, so a matcher stays cheap to evaluate.
MAX_PATTERN: Final = 200
_MATCHER: Final = re.compile(r"^\s*(brand|rule|risk|severity)\s*(=~|!~|!=|=)\s*(.+?)\s*$")


class Silenceable(Protocol):
    """What a silence looks at of an incident."""

    @property
    def brand(self) -> str: ...
    @property
    def risk(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def rules(self) -> tuple[str, ...]: ...


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True, slots=True)
class Matcher:
    """``name op value``: ``brand=acme``, ``rule=~negative-.*``, ``severity!=info``."""

    name: Field
    op: Op
    value: str

    def __post_init__(self) -> None:
        if self.name not in FIELDS:
            raise ValueError(f"a matcher looks at {', '.join(FIELDS)}, not {self.name!r}")
        if self.op not in OPS:
            raise ValueError(f"a matcher's operator is one of {' '.join(OPS)}, not {self.op!r}")
        if not isinstance(self.value, str) or not self.value:
            raise ValueError(f"the matcher on {self.name} has no value")
        if self.op in ("=~", "!~"):
            if len(self.value) > MAX_PATTERN:
                raise ValueError(f"the pattern on {self.name} is over {MAX_PATTERN} characters")
            try:
                _compiled(self.value)
            except re.error as exc:
                raise ValueError(f"the pattern on {self.name} is not valid: {exc}") from None

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """``brand=acme`` and the like; raises ValueError saying what is wrong."""
        found = _MATCHER.match(text)
        if found is None:
            raise ValueError(
                f"{text!r} is not a matcher such as brand=acme, rule=~negative-.* or"
                " severity!=info (on brand, rule, risk or severity)"
            )
        name, op, value = found.groups()
        return cls(name, op, value.strip("\"'"))  # type: ignore[arg-type]

    def holds(self, value: str) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = _compiled(self.value).fullmatch(value) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value}"


@dataclass(frozen=True, slots=True)
class Silence:
    """Nobody is paged for the incidents ``matchers`` match from ``starts`` (0: at once)
    until ``until`` (event time). ``reason`` is the comment, ``who`` the author, ``at``
    the wall-clock time it was written; ``replaces`` names the silence it edits.
    ``expired`` is the event time it was ended early (None: it runs its course); it is
    not part of the id, which stays the silence's name once ended."""

    matchers: tuple[Matcher, ...]
    until: float
    reason: str
    who: str
    at: float
    starts: float = 0.0
    replaces: str = ""
    expired: float | None = None

    @classmethod
    def of(cls, scope: str, target: str, until: float, reason: str, who: str, at: float) -> Silence:
        """A silence of one brand, or of one rule on every brand, from now."""
        return cls((Matcher(scope, "=", target),), until, reason, who, at)  # type: ignore[arg-type]

    @property
    def id(self) -> str:
        """Deterministic, so the same silence sent twice is kept once."""
        rules = ",".join(str(m) for m in self.matchers)
        text = f"{rules}|{self.until!r}|{self.who}|{self.at!r}|{self.starts!r}|{self.replaces}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def brand(self) -> str | None:
        """The one brand the silence is limited to by equality, if any (its partition)."""
        named = {m.value for m in self.matchers if m.name == "brand" and m.op == "="}
        return named.pop() if len(named) == 1 else None

    @property
    def end(self) -> float:
        """When the silence ends (or ended), event time."""
        return self.until if self.expired is None else min(self.until, self.expired)

    def active(self, when: float) -> bool:
        """Whether the silence holds at event time ``when``."""
        return self.starts <= when < self.end

    def ended(self, when: float) -> bool:
        return when >= self.end

    def matches(self, incident: Silenceable) -> bool:
        for matcher in self.matchers:
            if matcher.name == "rule":
                if not incident.rules or not all(matcher.holds(r) for r in incident.rules):
                    return False
            elif not matcher.holds(getattr(incident, matcher.name)):
                return False
        return True

    def ended_at(self, when: float) -> Silence:
        """This silence ended at ``when`` (never later than it would have)."""
        return replace(self, expired=min(when, self.end))

    def describe(self) -> str:
        return ", ".join(str(m) for m in self.matchers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "matchers": [[m.name, m.op, m.value] for m in self.matchers],
            "until": self.until,
            "reason": self.reason,
            "who": self.who,
            "at": self.at,
            "starts": self.starts,
            "replaces": self.replaces,
            "expired": self.expired,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Silence:
        """A silence as :meth:`to_dict` writes it, or as written before matchers (a
        ``scope`` of brand or rule and its ``target``)."""
        matchers: tuple[Matcher, ...]
        if "scope" in data:
            matchers = (Matcher(data["scope"], "=", data["target"]),)
        else:
            matchers = tuple(Matcher(str(n), str(o), str(v)) for n, o, v in data["matchers"])  # type: ignore[arg-type]
        if not matchers:
            raise ValueError("a silence needs at least one matcher")
        for name in ("until", "at", "starts", "expired"):
            value = data.get(name, 0.0)
            if value is None and name == "expired":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} of a silence has the wrong type")
        for name in ("reason", "who", "replaces"):
            if not isinstance(data.get(name, ""), str):
                raise ValueError(f"{name} of a silence has the wrong type")
        expired = data.get("expired")
        return cls(
            matchers, float(data["until"]), data["reason"], data["who"], float(data["at"]),
            float(data.get("starts", 0.0)), data.get("replaces", ""),
            None if expired is None else float(expired),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Expire:
    """End silence ``silence_id`` now: its incidents are paged again as pages fall due."""

    silence_id: str
    who: str
    at: float


def muted(silences: Iterable[Silence], incident: Silenceable, when: float) -> bool:
    """Whether paging for ``incident`` is silenced at ``when``."""
    return silencer(silences, incident, when) is not None


def silencer(silences: Iterable[Silence], incident: Silenceable, when: float) -> Silence | None:
    """The active silence that matches ``incident`` at ``when``, to name it; None if none."""
    for silence in silences:
        if silence.active(when) and silence.matches(incident):
            return silence
    return None


@dataclass(frozen=True, slots=True)
class SilenceChanged:
    """A silence as it was last set, edited or ended, by whom and when (wall clock)."""

    silence: Silence
    who: str
    at: float


class SilenceBook:
    """Every silence as the commands on the incident log left it, for listing: a pure
    function of those commands, whatever their order of arrival and however often each
    arrives (a silence for every brand is written to every partition). An end is the
    command's wall time; the engine ends it on its own clock."""

    def __init__(self) -> None:
        self.changed: dict[str, SilenceChanged] = {}

    def take(self, command: Silence | Expire) -> None:
        if isinstance(command, Expire):
            self._end(command.silence_id, command.who, command.at)
            return
        if command.replaces:
            self._end(command.replaces, command.who, command.at)
        held = self.changed.get(command.id)
        if held is None:
            self.changed[command.id] = SilenceChanged(command, command.who, command.at)

    def _end(self, silence_id: str, who: str, at: float) -> None:
        held = self.changed.get(silence_id)
        if held is not None and not held.silence.ended(at):
            self.changed[silence_id] = SilenceChanged(held.silence.ended_at(at), who, at)

    def forget_before(self, horizon: float) -> None:
        """Drop silences that ended before ``horizon``."""
        for key in [k for k, n in self.changed.items() if n.silence.end < horizon]:
            del self.changed[key]
