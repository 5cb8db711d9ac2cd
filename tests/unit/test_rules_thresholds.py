"""The shipped alert rules against simulated days: ordinary noise around each brand's usual
volume never pages anyone, a crisis wave like the one on a bank's Facebook page does.

Windows are built here from per-minute counts, with the usual at each brand's prior
(rules/brands.yaml), so a false page here would be a false page in production too. The
scenario library (``listener backtest``) judges the rules on whole incidents.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from listener.rules.engine import Firing, RuleState, step
from listener.rules.files.loader import load_rules
from listener.rules.ruleset import RuleSet
from listener.windows.stats import WindowStats

pytestmark = pytest.mark.filterwarnings("error")

SHIPPED = Path(__file__).resolve().parents[2] / "rules"
START = 1_700_000_000.0
# Tone of a known post: label probabilities and compound score around a centre.
LABELS = (("negative", 0.2, -0.6), ("positive", 0.3, 0.6), ("neutral", 0.5, 0.0))
MEAN_TONE = sum(p * centre for _, p, centre in LABELS)
TONE_SPREAD = 0.45  # standard deviation of one post's compound score


@dataclass(frozen=True)
class Minute:
    volume: int = 0
    negative: int = 0
    positive: int = 0
    unknown: int = 0
    sentiment_sum: float = 0.0


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_rules(SHIPPED)


def poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def posts(rng: random.Random, count: int, unreadable: float, negative: float = 0.2) -> Minute:
    """``count`` posts: a share in a language listener cannot read, the rest with a tone."""
    unknown = sum(rng.random() < unreadable for _ in range(count))
    labels = {"negative": 0, "positive": 0, "neutral": 0}
    tone = 0.0
    rest = (1 - negative) / (1 - LABELS[0][1])
    for _ in range(count - unknown):
        draw, cumulative = rng.random(), 0.0
        for label, share, centre in LABELS:
            cumulative += negative if label == "negative" else share * rest
            if draw < cumulative or label == "neutral":
                labels[label] += 1
                tone += max(-1.0, min(1.0, rng.gauss(centre, 0.2)))
                break
    return Minute(count, labels["negative"], labels["positive"], unknown, tone)


def quiet_day(rng: random.Random, per_hour: float, unreadable: float, days: int) -> list[Minute]:
    """Ordinary minutes: Poisson arrivals, busier by day than by night (0.3 to 1.7 times)."""
    minutes = []
    for minute in range(days * 1440):
        cycle = 1 + 0.7 * math.sin(2 * math.pi * (minute % 1440) / 1440 - math.pi / 2)
        minutes.append(posts(rng, poisson(rng, per_hour / 60 * cycle), unreadable))
    return minutes


def window(
    brand: str, minutes: Sequence[Minute], end: int, size: int, per_hour: float, unreadable: float
) -> WindowStats:
    span = minutes[max(0, end - size // 60) : end]
    usual = per_hour * size / 3600
    known = max(usual * (1 - unreadable), 1.0)
    return WindowStats(
        brand=brand,
        size=size,
        end=START + end * 60,
        volume=sum(m.volume for m in span),
        negative=sum(m.negative for m in span),
        positive=sum(m.positive for m in span),
        unknown=sum(m.unknown for m in span),
        sentiment_sum=sum(m.sentiment_sum for m in span),
        unique_authors=sum(m.volume for m in span),
        reach=0,
        max_author_reach=0,
        brand_last_post=None,  # never seen posting: the silent-brand rule is always armed
        volume_baseline=usual,
        volume_std=math.sqrt(usual),
        sentiment_baseline=MEAN_TONE,
        sentiment_std=TONE_SPREAD / math.sqrt(known),
        negative_share_baseline=0.2,
        negative_share_std=math.sqrt(0.2 * 0.8 / known),
    )


#: Posts in a language listener cannot read: Italian and English are both read.
UNREADABLE = 0.05


def firings(
    ruleset: RuleSet, brand: str, minutes: Sequence[Minute], per_hour: float | None = None
) -> Iterator[Firing]:
    """Every firing of the shipped rules, evaluating each window once a minute; the brand's
    usual is its prior unless ``per_hour`` says otherwise."""
    prior = ruleset.brands[brand].baseline
    assert prior is not None
    usual = per_hour or prior.volume_per_hour
    states: dict[str, RuleState] = {}
    for end in range(60, len(minutes) + 1):
        for rule in ruleset.rules_for(brand):
            stats = window(brand, minutes, end, rule.window_seconds, usual, UNREADABLE)
            now = stats.end
            state = states.get(rule.name, RuleState())
            states[rule.name], firing = step(rule, stats, state, now, ruleset.risk_name(rule.name))
            if firing is not None:
                yield firing


def pages(found: Sequence[Firing]) -> list[Firing]:
    """The firings that page someone: an ``info`` alert is only recorded."""
    return [f for f in found if f.severity != "info"]


@pytest.mark.parametrize("brand", ["intesa_sanpaolo", "ita_airways", "mcdonalds_it", "iliad_it"])
def test_ordinary_days_never_fire(ruleset: RuleSet, brand: str) -> None:
    prior = ruleset.brands[brand].baseline
    assert prior is not None
    days = quiet_day(random.Random(brand), prior.volume_per_hour, UNREADABLE, days=3)
    assert pages(list(firings(ruleset, brand, days))) == []


def wave(
    ruleset: RuleSet, brand: str, crowd: Sequence[Minute], per_hour: float | None = None
) -> list[Firing]:
    """Two quiet hours, then ``crowd`` minute by minute."""
    prior = ruleset.brands[brand].baseline
    assert prior is not None
    usual = per_hour or prior.volume_per_hour
    quiet = quiet_day(random.Random(7), usual, UNREADABLE, days=1)[:120]
    return list(firings(ruleset, brand, [*quiet, *crowd], per_hour))


def first_critical_minute(found: Sequence[Firing]) -> float:
    critical = [f for f in found if f.rule == "negative-surge"]
    assert critical, found
    assert critical[0].severity == "critical"
    return (critical[0].fired_at - (START + 120 * 60)) / 60


def test_flood_of_angry_comments_pages_within_minutes(ruleset: RuleSet) -> None:
    # From about ten comments an hour to over a hundred every five minutes, most angry.
    rng = random.Random(1)
    ramp = [3, 8, 15, 22, 25] + [28] * 25
    crowd = [posts(rng, n, unreadable=UNREADABLE, negative=0.7) for n in ramp]
    found = wave(ruleset, "intesa_sanpaolo", crowd)
    assert first_critical_minute(found) <= 3
    assert "attention-spike" in {f.rule for f in found}


def test_a_happy_flood_pages_nobody(ruleset: RuleSet) -> None:
    # The same flood, glad: a launch that worked. At most an info notice.
    rng = random.Random(1)
    ramp = [3, 8, 15, 22, 25] + [28] * 25
    crowd = [posts(rng, n, unreadable=UNREADABLE, negative=0.08) for n in ramp]
    found = wave(ruleset, "intesa_sanpaolo", crowd)
    assert pages(found) == []
    assert [f.rule for f in found] == ["attention-spike"]


def test_rising_wave_of_angry_comments_pages_within_ten_minutes(ruleset: RuleSet) -> None:
    # A slower rise, as when a video spreads: 20 comments an hour climbing to 300 an hour
    # over twenty minutes, then on to 560 an hour; at most 50 or so in any five minutes.
    # Arrivals follow the expected curve exactly, so only the thresholds decide the minute.
    def expected(minute: float) -> float:  # comments from the start to ``minute``
        if minute <= 20:
            return (20 * minute + 7 * minute**2) / 60
        return expected(20) + (300 * (minute - 20) + 130 / 70 * (minute - 20) ** 2) / 60

    rng = random.Random(4)
    counts = [math.floor(expected(m + 1)) - math.floor(expected(m)) for m in range(40)]
    crowd = [posts(rng, count, unreadable=UNREADABLE, negative=0.8) for count in counts]
    assert first_critical_minute(wave(ruleset, "intesa_sanpaolo", crowd)) <= 10


def test_angry_crowd_fires_critical_on_tone(ruleset: RuleSet) -> None:
    # Five times the usual volume, not enough to page on volume alone, but mostly negative.
    rng = random.Random(2)
    crowd = [posts(rng, 10, unreadable=UNREADABLE, negative=0.7) for _ in range(20)]
    found = wave(ruleset, "mcdonalds_it", crowd)
    assert first_critical_minute(found) <= 8
    critical = next(f for f in found if f.rule == "negative-surge")
    assert critical.metrics["volume_ratio"] < 8
    assert critical.metrics["negative_share"] >= 0.5


def test_a_handful_of_angry_posts_pages_a_small_brand_not_a_big_one(ruleset: RuleSet) -> None:
    # A dozen furious posts in three minutes: remarkable for a bank that gets a dozen posts
    # an hour, noise for a brand that gets three hundred.
    rng = random.Random(3)
    crowd = [posts(rng, 4, unreadable=0.0, negative=1.0) for _ in range(3)] + [Minute()] * 10
    small = wave(ruleset, "intesa_sanpaolo", crowd, per_hour=12)
    big = wave(ruleset, "intesa_sanpaolo", crowd, per_hour=300)
    assert [f.rule for f in pages(small)][:1] == ["negative-surge"]
    assert pages(big) == []


def test_calm_minutes_at_ten_times_the_usual_page_nobody(ruleset: RuleSet) -> None:
    rng = random.Random(3)
    crowd = [posts(rng, 2, unreadable=0.0, negative=0.1) for _ in range(10)] + [Minute()] * 10
    assert pages(wave(ruleset, "intesa_sanpaolo", crowd)) == []
