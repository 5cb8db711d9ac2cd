"""The enrichment step: brands first, then one language and one sentiment per post."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from listener.enrich.brands import BrandMatcher, BrandTerms
from listener.enrich.pipeline import Enricher
from listener.enrich.sentiment import SentimentScorer, default_scorer
from listener.records import NEGATIVE, POSITIVE, UNKNOWN, Post, ScoredPost

MATCHER = BrandMatcher(
    [
        BrandTerms("unicredit", terms=("unicredit",)),
        BrandTerms(
            "intesa",
            terms=("intesa sanpaolo", "intesa"),
            own_accounts=("@IntesaSanpaolo",),
        ),
    ]
)


def post(text: str, lang: str | None = None, handle: str | None = None) -> Post:
    return Post(
        id="9",
        source="twitter",
        created_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        text=text,
        author_id="42",
        author_handle=handle,
        lang=lang,
    )


class Counting:
    """A language detector and analyzer that count their calls."""

    def __init__(self, lang: str | None, polarity: float) -> None:
        self.lang = lang
        self.value = polarity
        self.detected: list[tuple[str, str | None]] = []
        self.read: list[str] = []

    def detect(self, text: str, hint: str | None) -> str | None:
        self.detected.append((text, hint))
        return self.lang

    def polarity(self, text: str) -> float:
        self.read.append(text)
        return self.value


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(MATCHER, default_scorer())


def test_a_post_about_no_brand_costs_no_language_or_sentiment() -> None:
    spy = Counting("en", 0.9)
    enricher = Enricher(MATCHER, SentimentScorer({"en": spy}), detect=spy.detect)
    assert enricher.enrich(post("What a lovely morning")) == []
    assert (spy.detected, spy.read) == ([], [])


def test_language_and_sentiment_are_read_once_for_all_brands() -> None:
    spy = Counting("en", -0.6)
    enricher = Enricher(MATCHER, SentimentScorer({"en": spy}), detect=spy.detect)
    item = post("Both Intesa and UniCredit apps are down", lang="en-GB")
    scored = enricher.enrich(item)
    assert scored == [
        ScoredPost("intesa", item, "en", -0.6, NEGATIVE, False),
        ScoredPost("unicredit", item, "en", -0.6, NEGATIVE, False),
    ]
    assert spy.detected == [(item.text, "en-GB")]
    assert spy.read == [item.text]


def test_english_post_with_real_detection_and_vader(enricher: Enricher) -> None:
    item = post("UniCredit support was fantastic today, thank you so much!")
    [scored] = enricher.enrich(item)
    assert (scored.brand, scored.lang, scored.label, scored.own) == (
        "unicredit",
        "en",
        POSITIVE,
        False,
    )
    assert scored.compound > 0.5


def test_a_language_listener_cannot_read_is_unknown(enricher: Enricher) -> None:
    item = post("Intesa Sanpaolo es una vergüenza, la aplicación lleva dos días bloqueada")
    [scored] = enricher.enrich(item)
    assert (scored.lang, scored.compound, scored.label) == ("es", 0.0, UNKNOWN)


def test_italian_is_read(enricher: Enricher) -> None:
    item = post("Intesa Sanpaolo è una vergogna, app bloccata da due giorni")
    [scored] = enricher.enrich(item)
    assert (scored.lang, scored.label) == ("it", NEGATIVE)
    assert scored.compound < -0.3


def test_the_source_tag_decides_the_language(enricher: Enricher) -> None:
    item = post("Intesa Sanpaolo is a disgrace, the app has been down for days", lang="es")
    [scored] = enricher.enrich(item)
    assert (scored.lang, scored.label) == ("es", UNKNOWN)


def test_the_brand_own_post_is_marked_own(enricher: Enricher) -> None:
    item = post("Our app is back online. Thank you for your patience!", handle="IntesaSanpaolo")
    [scored] = enricher.enrich(item)
    assert (scored.brand, scored.own, scored.label) == ("intesa", True, POSITIVE)


def test_a_text_seen_again_is_not_read_again_and_scores_the_same() -> None:
    counting = Counting("en", -0.6)
    enricher = Enricher(MATCHER, SentimentScorer({"en": counting}), detect=counting.detect)
    wave = [post("Intesa, shame on you"), post("UniCredit ok"), post("Intesa, shame on you")]
    first = enricher.enrich_many(wave)
    again = enricher.enrich_many([post("Intesa, shame on you"), post("Intesa, shame on you", "en")])
    # Read once per text and language tag, in a batch and across batches.
    assert counting.read == ["Intesa, shame on you", "UniCredit ok", "Intesa, shame on you"]
    assert counting.detected == [
        ("Intesa, shame on you", None), ("UniCredit ok", None), ("Intesa, shame on you", "en"),
    ]  # fmt: skip
    assert (enricher.hits, enricher.misses) == (2, 3)
    assert first[0] == first[2] == again[0]
    assert [s.compound for s in again[1]] == [-0.6]


def test_remembered_readings_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("listener.enrich.pipeline.READ_TEXTS", 5)
    counting = Counting("en", 0.3)
    enricher = Enricher(MATCHER, SentimentScorer({"en": counting}), detect=counting.detect)
    texts = [f"Intesa post {n}" for n in range(8)]
    enricher.enrich_many([post(t) for t in texts])
    enricher.enrich_many([post(texts[0]), post(texts[7])])
    # The oldest readings went; the newest are still remembered.
    assert counting.read == [*texts, texts[0]]
    assert enricher.hits == 1
