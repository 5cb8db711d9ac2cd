"""An :class:`~listener.incidents.access.api.IncidentStore` holding the book in memory and applying
commands at once: for tests, demos and a single process. The worker's store sends each
command to the incident log instead, keyed by brand, and reads incidents from the records
the engine emits."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from listener.incidents.lifecycle.actions import Action
from listener.incidents.lifecycle.engine import Engine
from listener.incidents.lifecycle.events import Command, Event
from listener.incidents.lifecycle.model import Book, Incident
from listener.incidents.lifecycle.silences import Expire, Silence, SilenceBook, SilenceChanged


class MemoryStore:
    """One book, changed only through the engine; every action emitted is kept in order."""

    def __init__(
        self, engine: Engine, book: Book | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine
        self.book = book or Book()
        self.clock = clock
        self.actions: list[Action] = []
        self.silenced = SilenceBook()

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
        if isinstance(command, Silence | Expire):
            self.silenced.take(command)
        self.apply(command)

    async def silences(self) -> Sequence[SilenceChanged]:
        return list(self.silenced.changed.values())
