"""The window signals that tell crisis shapes apart: surprise, the seasonal usual, what a
text is about, and the brand's wave and silence."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

import pytest
from factories import T0
from hypothesis import given
from hypothesis import strategies as st

from listener.enrich.brands import fold
from listener.windows.counting.bucket import Bucket
from listener.windows.counting.words import (
    _NEGATIONS,
    _SKIPPED,
    Background,
    TopicIndex,
    _matched_words,
    rising,
    terms,
    words,
)
from listener.windows.learning.learnt import WAVE_CALM, Learnt
from listener.windows.learning.surprise import DISPERSION, surprise, variance
from listener.windows.learning.usual import HOUR, Usual

# -- surprise ---------------------------------------------------------------------------


def poisson_tail(count: int, mean: float) -> float:
    """-log10 P(X >= count) for a Poisson count, summed term by term in logs."""
    terms = (math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1)) for k in range(count, 5000))
    return -math.log10(sum(terms))


def test_at_low_counts_a_handful_is_remarkable_for_a_quiet_brand() -> None:
    # A brand that usually gets one negative post in twenty minutes: six in five minutes
    # happen about once in a million windows...
    assert surprise(6, 0.25) == pytest.approx(6.1, abs=0.1)
    assert surprise(6, 0.25) < poisson_tail(6, 0.25)  # a little less sure than Poisson
    # ...and two are nothing to page about.
    assert surprise(2, 0.25) < 1.6
    # The same six posts on a brand whose usual is five are noise.
    assert surprise(6, 5.0) < 0.5


def test_at_high_counts_the_spread_grows_faster_than_poisson() -> None:
    # Twice the usual is impossible for a Poisson count of 500, ordinary for a real brand.
    assert surprise(1000, 500.0) < 6
    assert poisson_tail(600, 500.0) > surprise(600, 500.0)
    assert variance(500.0) == pytest.approx(500 + 500**2 / DISPERSION)


def test_with_a_huge_shape_the_tail_is_poisson() -> None:
    for count, mean in ((3, 0.5), (10, 2.0), (25, 10.0)):
        assert surprise(count, mean, dispersion=1e9) == pytest.approx(
            poisson_tail(count, mean), rel=1e-3
        )


def test_nothing_at_or_below_the_mean_is_surprising_and_the_scale_is_capped() -> None:
    assert surprise(0, 3.0) == surprise(3, 3.0) == 0.0
    assert surprise(5000, 1.0) == 50.0
    assert surprise(3, 0.0) > 0  # a brand never seen still gets a finite figure


# -- the seasonal usual -----------------------------------------------------------------


def day_of(per_hour: list[float], usual: Usual, start: float) -> None:
    for hour, count in enumerate(per_hour):
        usual.close_hour(start + hour * HOUR, round(count), 100, {})


#: Quiet nights, busy days: about 260 posts a day.
RHYTHM = [2, 1, 1, 1, 1, 2, 4, 8, 14, 18, 18, 16, 14, 14, 16, 18, 18, 16, 14, 14, 12, 8, 5, 3]


def test_before_any_history_the_usual_is_the_prior_spread_evenly() -> None:
    usual = Usual(level=12.0)
    assert usual.expected(T0, T0 + 300) == pytest.approx(1.0)
    assert usual.expected(T0 + 1800, T0 + 5400) == pytest.approx(12.0)  # across two hours


def test_a_learnt_morning_ramp_is_usual() -> None:
    usual = Usual(level=sum(RHYTHM) / 24)
    for day in range(4):
        day_of([float(c) for c in RHYTHM], usual, T0 + day * 86_400)
    night = usual.expected(T0 + 4 * 86_400 + 3 * HOUR, T0 + 4 * 86_400 + 4 * HOUR)
    morning = usual.expected(T0 + 4 * 86_400 + 9 * HOUR, T0 + 4 * 86_400 + 10 * HOUR)
    assert night < 3 and morning > 12
    assert surprise(18, morning) < 1.5  # a busy morning is not a spike...
    assert surprise(18, night) > 6  # ...at three in the morning it would be


def test_a_weekday_rhythm_is_learnt_over_weeks() -> None:
    usual = Usual(level=10.0)
    for day in range(21):  # T0 is a Saturday: days 0 and 1 of each week are the weekend
        counts = [4.0 if (day % 7) in (0, 1) else 12.0] * 24
        day_of(counts, usual, T0 + day * 86_400)
    saturday = usual.expected(T0 + 21 * 86_400 + 12 * HOUR, T0 + 21 * 86_400 + 13 * HOUR)
    monday = usual.expected(T0 + 23 * 86_400 + 12 * HOUR, T0 + 23 * 86_400 + 13 * HOUR)
    assert saturday < 7 < 10 < monday


def test_a_crisis_of_hours_barely_teaches_the_usual() -> None:
    usual = Usual(level=12.0)
    before = usual.rate(T0)
    for hour in range(4):
        usual.close_hour(T0 + hour * HOUR, 500, 100, {})
    assert usual.rate(T0 + 4 * HOUR) < 2 * before


def test_the_usual_top_reach_is_the_biggest_recent_voice_fading_over_days() -> None:
    usual = Usual(level=10.0)
    # Before a day of history only a very big voice stands out...
    assert usual.usual_top_reach == 150_000.0
    for hour in range(24):
        usual.close_hour(T0 - (24 - hour) * HOUR, 10, 1_000, {})
    assert usual.usual_top_reach == 3000.0  # ...then the brand's own voices are the usual
    usual.close_hour(T0, 10, 150_000, {})
    for hour in range(1, 73):
        usual.close_hour(T0 + hour * HOUR, 10, 2_000, {})
    assert usual.usual_top_reach == pytest.approx(75_000, rel=0.02)  # three days on: half
    usual.close_hour(T0 + 73 * HOUR, 10, 90_000, {})
    assert usual.usual_top_reach == 90_000


def test_the_usual_topic_share_is_learnt_from_hours_with_posts() -> None:
    usual = Usual(level=10.0)
    for hour in range(48):
        usual.close_hour(T0 + hour * HOUR, 10, 2_000, {"service-outage": 1})
    assert usual.topic_share("service-outage") == pytest.approx(0.1, rel=0.05)
    assert usual.topic_share("data-breach") == 0.02  # never counted: the prior


@given(st.floats(min_value=946_684_800.0, max_value=2_240_524_800.0))
def test_the_usual_rate_reads_the_utc_hour_and_weekday(at: float) -> None:
    usual = Usual(level=3.0)
    usual.hours = [1.0 + i / 10 for i in range(24)]
    usual.days = [1.0 + d / 7 for d in range(7)]
    when = datetime.fromtimestamp(at, UTC)
    assert usual.rate(at) == 3.0 * usual.hours[when.hour] * usual.days[when.weekday()]


def test_the_usual_survives_a_round_trip() -> None:
    usual = Usual(level=10.0)
    day_of([float(c) for c in RHYTHM], usual, T0)
    assert Usual.from_dict(usual.to_dict()) == usual


# -- words, topics, rising terms --------------------------------------------------------


def test_words_are_folded_and_lose_elided_articles() -> None:
    assert words("L'app NON funziona più, dov'è l'assistenza?") == [
        "app", "non", "funziona", "piu", "e", "assistenza",
    ]  # fmt: skip


@given(st.text(alphabet="ab'-’ \t\n\u00a0\u20031_àÉz", max_size=24))
def test_words_are_those_of_the_text_folded_for_brand_matching(text: str) -> None:
    # words() skips folding the spaces, which no word contains: the same words either way.
    assert words(text) == words(fold(text))
    assert all(word and " " not in word for word in words(text))


@given(st.text(alphabet="aZ'-’ \t\n\u00a01_9.,#@!?:/àÉ😀", max_size=40))
def test_words_of_ascii_text_are_those_the_word_pattern_finds(text: str) -> None:
    # The ASCII shortcut splits on every byte no word holds; the pattern is the rule.
    assert words(text) == _matched_words(fold(text, spaced=False), text)


def _terms_by_comprehension(tokens: list[str]) -> set[str]:
    """terms() as first written: the words kept, then the pairs of kept neighbours."""
    kept = [word if word not in _SKIPPED else "" for word in tokens]
    found = {word for word in kept if len(word) > 2 and word not in _NEGATIONS}
    found.update(f"{a} {b}" for a, b in itertools.pairwise(kept) if a and b)
    return found


@given(
    st.lists(
        st.sampled_from(
            [
                "",
                "the",
                "not",
                "non",
                "mai",
                "di",
                "ok",
                "app",
                "down",
                "branch",
                "director",
                "x",
                "no",
                "cant",
                "rubati",
            ]
        )
    )
)
def test_terms_are_the_kept_words_and_the_pairs_of_kept_neighbours(tokens: list[str]) -> None:
    assert terms(tokens) == _terms_by_comprehension(tokens)


def test_terms_keep_meaning_and_pairs_with_negations() -> None:
    found = terms(words("The branch director humiliated the staff, not acceptable"))
    assert {"branch", "director", "branch director", "humiliated", "not acceptable"} <= found
    assert "the" not in found and "not" not in found


def test_topics_match_words_and_phrases_of_each_risk() -> None:
    index = TopicIndex.build(
        {"service-outage": ["non funziona", "down"], "data-breach": ["dati rubati", "leak"]}
    )
    assert index.match(words("L'app non funziona da stamattina")) == {"service-outage"}
    assert index.match(words("Is the site DOWN? and a data leak too")) == {
        "service-outage",
        "data-breach",
    }
    assert index.match(words("funziona benissimo, non ho problemi")) == frozenset()
    assert index.risks == {"service-outage", "data-breach"} and index.longest == 2


def test_rising_terms_stand_out_against_the_background() -> None:
    background = Background()
    for minute in range(600):
        background.add({"conto": 2, "app": 1, "filiale": 1}, 5, T0 + 60 * minute)
    window = {"video": 9, "direttore": 7, "video direttore": 6, "conto": 2, "app": 1}
    about = rising(window, 12, background)
    assert about[0] == "video direttore"
    assert "conto" not in about and "app" not in about
    assert "video" not in about and "direttore" not in about  # the pair already says it


def test_the_background_decays_and_survives_a_round_trip() -> None:
    background = Background()
    background.add({"old": 10}, 10, T0)
    early = background.share("old")
    background.add({"new": 10}, 10, T0 + 86_400)
    assert background.share("old") < early
    assert Background.from_dict(background.to_dict()) == background


# -- the wave and the brand's silence ---------------------------------------------------


def test_silence_is_counted_from_the_wave_not_from_last_week() -> None:
    learnt = Learnt(Usual(level=12.0))
    assert learnt.silent_since(T0 - 7 * 86_400) is None  # no wave: nobody is silent
    learnt.watch(T0 + 600, 300, volume_surprise=5.0, negative_surprise=6.0, volume=9)
    assert learnt.wave_since == T0 + 300
    assert learnt.silent_since(T0 - 7 * 86_400) == T0 + 300
    assert learnt.silent_since(T0 + 900) == T0 + 900  # the brand answered: silent since then


def test_a_wave_ends_after_an_hour_without_improbable_windows() -> None:
    learnt = Learnt(Usual(level=12.0))
    learnt.watch(T0, 300, 6.0, 6.0, 10)
    learnt.watch(T0 + 60, 300, 0.0, 0.0, 1)
    assert learnt.wave_since is not None
    learnt.watch(T0 + 60 + WAVE_CALM, 300, 0.0, 0.0, 1)
    assert learnt.wave_since is None


def test_a_blip_long_before_does_not_date_the_wave_nor_the_silence() -> None:
    learnt = Learnt(Usual(level=12.0))
    for minute in range(8):  # eight improbable minutes, then a lull of forty
        learnt.watch(T0 + 60 * minute, 300, 6.0, 6.0, 10)
    for minute in range(8, 48):
        learnt.watch(T0 + 60 * minute, 300, 0.0, 0.0, 1)
    assert learnt.wave_since == T0 - 300  # still the blip's wave: not an hour calm yet
    learnt.watch(T0 + 60 * 48, 300, 6.0, 6.0, 10)
    # The lull outlasted the blip: the crisis is a wave of its own, silent from its start.
    assert learnt.wave_since == T0 + 60 * 48 - 300
    assert learnt.silent_since(T0 - 3600) == T0 + 60 * 48 - 300


def test_a_lull_shorter_than_the_wave_so_far_is_a_pause_in_it() -> None:
    learnt = Learnt(Usual(level=12.0))
    for minute in range(30):
        learnt.watch(T0 + 60 * minute, 300, 6.0, 6.0, 10)
    for minute in range(30, 50):  # twenty quiet minutes in a wave of thirty
        learnt.watch(T0 + 60 * minute, 300, 0.0, 0.0, 1)
    learnt.watch(T0 + 60 * 50, 300, 6.0, 6.0, 10)
    assert learnt.wave_since == T0 - 300
    assert learnt.silent_since(None) == T0 - 300


def test_a_handful_of_posts_is_no_wave() -> None:
    learnt = Learnt(Usual(level=0.5))
    learnt.watch(T0, 300, 9.0, 9.0, 2)
    assert learnt.wave_since is None


def test_the_usual_learns_hours_from_buckets_leaving_the_windows() -> None:
    learnt = Learnt(Usual(level=12.0))
    for minute in range(60):
        learnt.learn(int(T0 // 60) + minute, Bucket(volume=1), 60)
    assert learnt.usual.next_hour == T0  # the hour is gathered, not closed yet
    learnt.advance(T0 + HOUR)
    assert learnt.usual.next_hour == T0 + HOUR
    learnt.advance(T0 + 5 * HOUR)  # four empty hours close as such
    assert learnt.usual.next_hour == T0 + 5 * HOUR
    assert learnt.usual.level < 12.0
    assert Learnt.from_dict(learnt.to_dict()) == learnt


def test_rising_terms_do_not_depend_on_the_order_counts_arrive_in() -> None:
    background = Background()
    background.add({"conto": 5}, 50, T0)
    counts = {"video": 6, "direttore": 5, "video direttore": 4, "direttore urla": 4, "urla": 4}
    backwards = dict(reversed(list(counts.items())))
    assert rising(counts, 8, background) == rising(backwards, 8, background)


def test_a_brand_whose_posts_come_in_bursts_learns_it_and_a_steady_one_does_not() -> None:
    steady, bursty = Learnt(Usual(level=12.0)), Learnt(Usual(level=12.0))
    for minute in range(3 * 1440):
        # Both average one post per five minutes; one has them one by one, the other in
        # bursts of five every 25 minutes (a queue at a branch, a late train).
        steady.burstiness((1, 0), (12, 0), 300 / 3600)
        burst = 5 if minute % 25 < 5 else 0
        bursty.burstiness((burst, burst), (12, 12), 300 / 3600)
    assert steady.clustering == pytest.approx(1.0)
    assert bursty.clustering > 3 and bursty.negative_clustering > 3
    # Five negative posts read as one burst for the bursty brand, as a crisis for the other.
    assert surprise(5, 0.2, clustering=bursty.negative_clustering) < 2.5 < 5 < surprise(5, 0.2)


def test_a_wave_teaches_no_burstiness() -> None:
    learnt = Learnt(Usual(level=12.0))
    learnt.watch(T0, 300, 9.0, 9.0, 30)
    learnt.burstiness((30, 25), (40, 30), 300 / 3600)
    assert learnt.clustering == 1.0 and learnt.negative_clustering == 1.0
