"""The rules a running worker uses, and changing them without a restart.

A reload (SIGHUP, a change of a file in the rules directory, or ``POST /rules/reload``)
reads the directory and validates it exactly as ``listener check`` does (:func:`load_rules`),
then has the worker prepare everything it builds from rules (brand matcher, window layout,
judge, incident policies, notifiers). Only when all of that succeeds does the new
configuration become the live one: each agent takes it at the start of its next batch, so
a batch is processed under one configuration, and windows, baselines, rule states and
incidents are kept. When anything fails the old configuration stays, every problem is
logged with its file and key, and :attr:`LiveRules.out_of_sync` (exported as
``listener_rules_out_of_sync``) says the live configuration is not the one on disk.

What cannot change live is refused with the reason: the window layout (``windows`` in
alerts.yaml), which every window already counted is cut by, needs a restart.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Generic, Literal, TypeVar

from listener.errors import ConfigError, ConfigIssue
from listener.ops.metrics import RulesMetrics
from listener.rules.files.loader import FILES, load_rules
from listener.rules.ruleset import RuleSet

log = logging.getLogger(__name__)

P = TypeVar("P")
Outcome = Literal["applied", "unchanged", "refused"]
#: How often the files are compared with the live rules when they are not watched.
UNWATCHED_POLL_SECONDS: Final = 30.0


def directory_digest(directory: Path) -> str:
    """A digest of the rules files' contents: equal digests, equal configuration. A file
    that cannot be read counts as its error, so fixing it changes the digest."""
    digest = hashlib.sha256()
    for name in sorted(FILES):
        path = directory / name
        digest.update(name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except FileNotFoundError:
            digest.update(b"\0absent")
        except OSError as exc:
            digest.update(f"\0unreadable {exc.strerror}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def same_layout(directory: Path, live: RuleSet, new: RuleSet) -> None:
    """Refuse, naming alerts.yaml's ``windows``, a configuration cutting windows otherwise."""
    if (live.step, live.windows) != (new.step, new.windows):
        raise ConfigError([
            ConfigIssue(
                str(directory / "alerts.yaml"), "windows",
                f"the window layout changed (step {live.step}s, sizes {list(live.windows)} to "
                f"step {new.step}s, sizes {list(new.windows)}): every window already counted "
                "is cut by it, so it takes effect only when the workers restart",
            )
        ])  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reload:
    """What one reload did."""

    outcome: Outcome
    reason: str
    generation: int
    at: float
    issues: tuple[ConfigIssue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "generation": self.generation,
            "at": self.at,
            "issues": [{"file": i.file, "key": i.key, "message": i.message} for i in self.issues],
        }


@dataclass(slots=True)
class LiveRules(Generic[P]):
    """The live configuration of one worker and what was prepared from it.

    ``prepare(live, new)`` builds what the agents need from ``new`` (raising
    :class:`ConfigError` for what cannot be used); the agents take the result with
    :meth:`take` at their batch boundaries.
    """

    directory: Path
    rules: RuleSet
    prepare: Callable[[RuleSet, RuleSet], P]
    on_change: Callable[[LiveRules[P], Reload], None] = lambda live, result: None
    clock: Callable[[], float] = time.time
    generation: int = 1
    prepared: P | None = None
    #: Digest of the files the live configuration was read from.
    digest: str = ""
    #: Digest of files refused, so a watcher does not log the same errors every poll.
    refused: str | None = None
    last: Reload | None = None
    loaded_at: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.digest = self.digest or directory_digest(self.directory)
        self.loaded_at = self.loaded_at or self.clock()

    @property
    def out_of_sync(self) -> bool:
        """Whether the files on disk differ from those of the live configuration."""
        return directory_digest(self.directory) != self.digest

    def changed_on_disk(self, digest: str | None = None) -> bool:
        """Whether the files (or those of ``digest``, read already) changed since the live
        configuration or the last refusal."""
        digest = digest or directory_digest(self.directory)
        return digest not in (self.digest, self.refused)

    def reload(self, reason: str) -> Reload:
        """Read, validate and prepare the rules directory; make it live if all went well."""
        digest = directory_digest(self.directory)
        if digest == self.digest:
            return self._done(Reload("unchanged", reason, self.generation, self.clock()))
        try:
            rules = load_rules(self.directory)
            same_layout(self.directory, self.rules, rules)
            prepared = self.prepare(self.rules, rules)
        except ConfigError as exc:
            self.refused = digest
            for issue in exc.issues:
                log.error("rules not reloaded (%s): %s", reason, issue)
            log.error("the live rules (generation %d) stay in force", self.generation)
            issues = tuple(exc.issues)
            return self._done(Reload("refused", reason, self.generation, self.clock(), issues))
        self.rules, self.prepared, self.digest, self.refused = rules, prepared, digest, None
        self.generation += 1
        self.loaded_at = self.clock()
        log.warning(
            "rules reloaded (%s): generation %d, %d brands, %d rules",
            reason, self.generation, len(rules.brands), len(rules.rules),
        )  # fmt: skip
        return self._done(Reload("applied", reason, self.generation, self.loaded_at))

    def take(self, seen: int) -> tuple[int, P] | None:
        """The generation and what was prepared for it, when newer than ``seen``."""
        if self.generation == seen or self.prepared is None:
            return None
        return self.generation, self.prepared

    def _done(self, result: Reload) -> Reload:
        self.last = result
        self.on_change(self, result)
        return result


class Reloader:
    """Runs the reloads of one worker: off the event loop (reading and compiling a large
    rules directory takes a while), one at a time, and keeps the metrics."""

    def __init__(self, live: LiveRules[Any], metrics: RulesMetrics, watch_seconds: float) -> None:
        self.live = live
        self.metrics = metrics
        self.watch_seconds = watch_seconds
        self._lock = asyncio.Lock()
        live.on_change = self._count
        metrics.generation.set(live.generation)
        metrics.loaded_at.set(live.loaded_at)
        metrics.out_of_sync.set(0)

    @property
    def poll_seconds(self) -> float:
        """How often the files are looked at: to reload them, or only to say whether they
        still match the live rules when nothing reloads them on its own."""
        return self.watch_seconds or UNWATCHED_POLL_SECONDS

    async def reload(self, reason: str) -> Reload:
        async with self._lock:
            return await asyncio.to_thread(self.live.reload, reason)

    async def poll(self) -> None:
        """Reload files changed on disk (when watching), else refresh the out-of-sync gauge
        (a reload sets it); the files are read once."""
        digest = await asyncio.to_thread(directory_digest, self.live.directory)
        if self.watch_seconds and self.live.changed_on_disk(digest):
            await self.reload("file_change")
        else:
            self.metrics.out_of_sync.set(int(digest != self.live.digest))

    def on_sighup(self) -> None:
        """Install the SIGHUP handler on the running loop (the main thread's)."""
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[Reload]] = set()

        def hup() -> None:
            task = loop.create_task(self.reload("sighup"))
            tasks.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(tasks.discard)

        loop.add_signal_handler(signal.SIGHUP, hup)

    def status(self) -> dict[str, Any]:
        live = self.live
        return {
            "directory": str(live.directory),
            "generation": live.generation,
            "loaded_at": live.loaded_at,
            "brands": len(live.rules.brands),
            "rules": len(live.rules.rules),
            "out_of_sync": live.out_of_sync,
            "last_reload": live.last.to_dict() if live.last is not None else None,
        }

    def _count(self, live: LiveRules[Any], result: Reload) -> None:
        self.metrics.reloads.labels(result.outcome).inc()
        self.metrics.generation.set(live.generation)
        self.metrics.loaded_at.set(live.loaded_at)
        self.metrics.out_of_sync.set(int(result.outcome == "refused"))
