"""The scenario library's shapes, one module each: the crises here, the outage shape a
package with the two brands it is replayed for, the shapes with nothing to page about in
:mod:`.no_crisis`; their texts live in :mod:`listener.replay.scenarios.shape_texts`.
:data:`ENTRIES` lists them in order."""

from __future__ import annotations

from typing import Final

from listener.replay.scenarios.catalog import Entry
from listener.replay.scenarios.shapes import (
    blogger,
    breach_rumour,
    campaign_backlash,
    conduct_video,
    executive_statement,
    hacked_account,
    reconstructions,
    viral_video,
    wave,
)
from listener.replay.scenarios.shapes.no_crisis import launch, news_day, ordinary_week
from listener.replay.scenarios.shapes.outage import english as outage_en
from listener.replay.scenarios.shapes.outage import italian as outage_it

ENTRIES: Final[tuple[Entry, ...]] = (
    reconstructions.INTESA,
    reconstructions.CALM,
    viral_video.ENTRY,
    blogger.ENTRY,
    campaign_backlash.ENTRY,
    hacked_account.ENTRY,
    outage_it.ENTRY,
    outage_en.ENTRY,
    breach_rumour.ENTRY,
    conduct_video.ENTRY,
    wave.ANSWERED,
    wave.IGNORED,
    executive_statement.ENTRY,
    launch.ENTRY,
    ordinary_week.ENTRY,
    news_day.ENTRY,
)
