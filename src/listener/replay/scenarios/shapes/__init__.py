"""The scenario library's shapes, one module each; :data:`ENTRIES` lists them in order."""

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
    launch,
    news_day,
    ordinary_week,
    outage_en,
    outage_it,
    reconstructions,
    viral_video,
    wave,
)

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
