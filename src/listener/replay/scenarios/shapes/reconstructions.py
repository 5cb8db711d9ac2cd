"""The two scenarios of the Intesa Sanpaolo page: the October 2017 incident and a calm
control, as library entries (their generators live in intesa.py and calm.py)."""

from __future__ import annotations

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


def intesa(seed: int) -> Scenario:
    return Scenario(
        name="intesa",
        title="Intesa Sanpaolo, 3 October 2017: a leaked video of a branch director",
        seed=seed,
        brand=INTESA_BRAND,
        onset=FIRST_VIDEO_COMMENT_AT,
        expected=Expected("employee-conduct", 6, anchor=INCIDENT_START, silence_escalation=True),
        posts=generate_intesa(2016 + seed),
        kind="reconstruction",
    )


def calm(seed: int) -> Scenario:
    return Scenario(
        name="calm",
        title="Intesa Sanpaolo, 9-10 October 2017: two ordinary days",
        seed=seed,
        brand=INTESA_BRAND,
        onset=None,
        expected=Expected(None),
        posts=generate_calm_day(6 + seed),
        kind="reconstruction",
    )


INTESA: Final = Entry("intesa", "the October 2017 Intesa Sanpaolo incident (Italian)", intesa)
CALM: Final = Entry("calm", "two ordinary days on the same page", calm)
