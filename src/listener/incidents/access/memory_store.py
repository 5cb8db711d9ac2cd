"""An :class:`~listener.incidents.access.api.IncidentStore` holding the book in memory and applying
commands at once: for tests, demos and a single process. The worker's store sends each
command to the incident log instead, keyed by brand, and reads incidents from the records
the engine emits."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from listener.incidents.lifecycle.actions import Action, SilenceChanged
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import Command, Event
from listener.incidents.lifecycle.model import Book, Incident


class MemoryStore:
    """One book, changed only through the engine; every action emitted is kept in order."""

    def __init__(
        self, engine: Engine, book: Book | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine
        self.book = book or Book()
        self.clock = clock
        self.actions: list[Action] = []

    def apply(self, event: Event) -> list[Action]:
        """Feed one event (an alert, a tick) as the incident agent would."""
        self.book, actions = self.engine.step(self.book, event, self.clock())
        self.actions.extend(actions)
        return actions

    async def incidents(self) -> Sequence[Incident]:
        return list(self.book.incidents.values())

    async def incident(self, incident_id: str) -> Incident | None:
        return self.book.incidents.get(incident_id)

    async def submit(self, command: Command) -> None:
        self.apply(command)

    async def silences(self) -> Sequence[SilenceChanged]:
        """Every silence as last changed, from the actions emitted."""
        latest: dict[str, SilenceChanged] = {}
        for action in self.actions:
            if isinstance(action, SilenceChanged):
                latest[action.silence.id] = action
        return list(latest.values())
