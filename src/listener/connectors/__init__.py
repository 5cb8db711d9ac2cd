"""Connectors: listening to the sources and publishing what they say to the raw topic.

One folder per source kind (``sources/``) turns the source's documented API into
:class:`~listener.records.Post` records, and nothing else. Around them, ``wire/`` talks to
the sources over HTTP (throttled, bounded, its errors translated at one boundary) and
``runtime/`` polls, publishes, stores checkpoints and counts everything. See
docs/connectors.md for configuring each source.
"""

from __future__ import annotations

from listener.connectors.base import Checkpoint, Connector, Endpoint, Lane, Page
from listener.connectors.loader import Instance, load_connectors
from listener.connectors.runtime.service import connectors_running, run_connectors

__all__ = [
    "Checkpoint",
    "Connector",
    "Endpoint",
    "Instance",
    "Lane",
    "Page",
    "connectors_running",
    "load_connectors",
    "run_connectors",
]
