"""The two scenarios of the Intesa Sanpaolo page: the October 2017 incident and a calm
control, as library entries (their generators live in intesa.py and calm.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from listener.replay.scenarios.calm import generate_calm_day
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.intesa import FIRST_VIDEO_COMMENT_AT, INCIDENT_START, generate_intesa

#: The bank as brands.yaml describes it.
INTESA_BRAND: Final = BrandSpec(
    id="intesa_sanpaolo",
    name="Intesa Sanpaolo",
    terms=("intesa sanpaolo", "intesa san paolo", "banca intesa", "intesasanpaolo", "isybank"),
    hashtags=("#intesasanpaolo", "#bancaintesa"),
    handles=("@intesasanpaolo",),
    exclude=("intesa di programma", "intesa raggiunta", "protocollo d'intesa", "intesa tra"),
    own_accounts=("facebook:intesasanpaolo_page", "@intesasanpaolo"),
    channels=("intesasanpaolo",),
    language="it",
    volume_per_hour=12,
    negative_share=0.2,
)


#: How many people write, against the reconstruction, for the seeds after the first: the
#: incident on a busier page and the control on a quieter one first, so that the held-out
#: seed does not only replay the tuned one's volumes. Seed 1 is the reconstruction itself.
INTESA_SCALES: Final = (1.4, 0.8, 1.2)
CALM_SCALES: Final = (0.7, 1.3, 0.85)


def _scale_for(scales: tuple[float, ...], seed: int) -> float:
    """The volume factor of ``seed``: 1.0 for the first, then ``scales`` in turn."""
    return 1.0 if seed <= 1 else scales[(seed - 2) % len(scales)]


def _brand(scale: float) -> BrandSpec:
    """The bank as its brand team would describe a page of this size."""
    if scale == 1.0:
        return INTESA_BRAND
    return replace(INTESA_BRAND, volume_per_hour=round(INTESA_BRAND.volume_per_hour * scale, 1))


def intesa(seed: int) -> Scenario:
    scale = _scale_for(INTESA_SCALES, seed)
    return Scenario(
        name="intesa",
        title="Intesa Sanpaolo, 3 October 2017: a leaked video of a branch director",
        seed=seed,
        brand=_brand(scale),
        onset=FIRST_VIDEO_COMMENT_AT,
        # Paged within ten minutes of the video reaching the page, like every crisis of the
        # library (docs/detection.md: the first six minutes hold too few posts to page on).
        expected=Expected("employee-conduct", 10, anchor=INCIDENT_START, silence_escalation=True),
        posts=generate_intesa(2016 + seed, scale),
        kind="reconstruction",
    )


def calm(seed: int) -> Scenario:
    scale = _scale_for(CALM_SCALES, seed)
    return Scenario(
        name="calm",
        title="Intesa Sanpaolo, 9-10 October 2017: two ordinary days",
        seed=seed,
        brand=_brand(scale),
        onset=None,
        expected=Expected(None),
        posts=generate_calm_day(6 + seed, scale),
        kind="reconstruction",
    )


INTESA: Final = Entry("intesa", "the October 2017 Intesa Sanpaolo incident (Italian)", intesa)
CALM: Final = Entry("calm", "two ordinary days on the same page", calm)
