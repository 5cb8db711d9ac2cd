"""Brand matching: names on word boundaries, tags, vetoes, own accounts and channels."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from listener.enrich.brands import BrandMatch, BrandMatcher, BrandTerms, fold
from listener.records import Post

INTESA = BrandTerms(
    brand="intesa",
    terms=("Intesa Sanpaolo", "banca intesa", "intesa"),
    hashtags=("#IntesaSanpaolo",),
    handles=("IntesaSanpaolo",),
    exclude=("intesa di programma", "in piena intesa"),
    own_accounts=("facebook:113838345306236", "@IntesaSanpaolo"),
    channels=("intesasanpaolo",),
)
UNICREDIT = BrandTerms(
    brand="unicredit",
    terms=("UniCredit",),
    hashtags=("unicredit",),
    handles=("@UniCredit_IT",),
    channels=("facebook:unicredit",),
)
CATTOLICA = BrandTerms(brand="cattolica", terms=("Società Cattolica", "l’assicuratrice"))


def post(text: str, **fields: object) -> Post:
    values: dict[str, object] = {
        "id": "1",
        "source": "twitter",
        "created_at": datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        "text": text,
        "author_id": "42",
    }
    values.update(fields)
    return Post(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def matcher() -> BrandMatcher:
    return BrandMatcher([UNICREDIT, INTESA, CATTOLICA])


def brands(matcher: BrandMatcher, text: str, **fields: object) -> list[str]:
    return [match.brand for match in matcher.match(post(text, **fields))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Perché  NO", "perche no"),
        ("Società\u00a0Cattolica", "societa cattolica"),
        ("L’Oréal", "l'oreal"),
        ("İstanbul", "istanbul"),
        ("\tStraße \n", "strasse"),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "INTESA SANPAOLO ha di nuovo l'app bloccata",
        "intésa  sanpaolo\nnon risponde",
        "La banca Intesa mi ha chiuso il conto",
        "Ho litigato con l'Intesa stamattina",
        "(intesa) fa schifo",
        "ancora down: intesa!",
        "intesa",
    ],
)
def test_terms_match_in_any_case_and_accent(matcher: BrandMatcher, text: str) -> None:
    assert brands(matcher, text) == ["intesa"]


@pytest.mark.parametrize(
    "text",
    [
        "ci capiamo intesamente",
        "la sintesa del giorno",
        "intesa_sanpaolo_fan non conta",
        "scrivi a info@intesasanpaolo.example",
        "niente da dire oggi",
    ],
)
def test_terms_only_match_whole_words(matcher: BrandMatcher, text: str) -> None:
    assert brands(matcher, text) == []


def test_accented_terms_match_unaccented_text(matcher: BrandMatcher) -> None:
    assert brands(matcher, "la SOCIETA CATTOLICA ha risposto") == ["cattolica"]
    assert brands(matcher, "l'assicuratrice non paga") == ["cattolica"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ancora problemi #IntesaSanpaolo", ["intesa"]),
        ("#intesasanpaolo, #disservizio", ["intesa"]),
        ("#IntesaSanpaoloVita non c'entra", []),
        ("no#intesasanpaolo non è un hashtag", []),
        ("#UNICREDIT down", ["unicredit"]),
    ],
)
def test_hashtags(matcher: BrandMatcher, text: str, expected: list[str]) -> None:
    assert brands(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@IntesaSanpaolo rispondete!", ["intesa"]),
        ("cc @unicredit_it", ["unicredit"]),
        ("@IntesaSanpaolo_Help non è il loro account", []),
        ("@unicredit_italia", []),
    ],
)
def test_handles(matcher: BrandMatcher, text: str, expected: list[str]) -> None:
    assert brands(matcher, text) == expected


def test_exclusion_vetoes_the_terms_of_its_brand_only(matcher: BrandMatcher) -> None:
    assert brands(matcher, "Firmata l'Intesa di programma con la Regione") == []
    assert brands(matcher, "Lavoriamo IN PIENA INTESA con UniCredit") == ["unicredit"]


def test_exclusion_does_not_veto_hashtags_or_handles(matcher: BrandMatcher) -> None:
    text = "intesa di programma firmata da @IntesaSanpaolo"
    assert brands(matcher, text) == ["intesa"]


def test_own_account_by_source_and_id(matcher: BrandMatcher) -> None:
    own = post(
        "Buongiorno a tutti! Oggi parliamo di risparmio",
        source="facebook",
        author_id="113838345306236",
    )
    assert matcher.match(own) == (BrandMatch("intesa", own=True),)
    elsewhere = post("Buongiorno a tutti!", source="instagram", author_id="113838345306236")
    assert matcher.match(elsewhere) == ()


def test_own_account_by_handle(matcher: BrandMatcher) -> None:
    own = post("Nuova app disponibile da oggi", author_handle="@intesasanpaolo")
    assert matcher.match(own) == (BrandMatch("intesa", own=True),)
    assert matcher.match(post("Nuova app", author_handle="intesasanpaolo")) == (
        BrandMatch("intesa", own=True),
    )


def test_naming_a_brand_is_not_being_it(matcher: BrandMatcher) -> None:
    assert matcher.match(post("Intesa non risponde", author_handle="mario")) == (
        BrandMatch("intesa", own=False),
    )


def test_every_post_in_a_brand_channel_concerns_it(matcher: BrandMatcher) -> None:
    comment = post(
        "Da tre giorni non riesco a entrare!",
        source="facebook",
        channel="IntesaSanpaolo",
    )
    assert matcher.match(comment) == (BrandMatch("intesa", own=False),)


def test_a_channel_given_with_its_source_only_counts_there(
    matcher: BrandMatcher,
) -> None:
    text = "Da tre giorni non riesco a entrare!"
    assert brands(matcher, text, source="facebook", channel="unicredit") == ["unicredit"]
    assert brands(matcher, text, source="youtube", channel="unicredit") == []


def test_several_brands_come_back_sorted_by_brand(matcher: BrandMatcher) -> None:
    text = "Meglio UniCredit o la Società Cattolica? Di sicuro non Intesa"
    assert brands(matcher, text) == ["cattolica", "intesa", "unicredit"]


def test_brands_may_share_a_term() -> None:
    shared = BrandMatcher(
        [
            BrandTerms("b-group", terms=("acme",)),
            BrandTerms("a-bank", terms=("acme bank", "acme")),
        ]
    )
    assert [m.brand for m in shared.match(post("acme is down"))] == [
        "a-bank",
        "b-group",
    ]


def test_matcher_without_text_terms_still_matches_accounts() -> None:
    quiet = BrandMatcher([BrandTerms("intesa", own_accounts=("twitter:42",))])
    assert quiet.match(post("nothing to see")) == (BrandMatch("intesa", own=True),)
    assert quiet.match(post("nothing to see", author_id="7")) == ()


def _brand_name(rng: random.Random) -> str:
    syllables = (
        "ba",
        "co",
        "di",
        "fe",
        "gu",
        "la",
        "mo",
        "ne",
        "pri",
        "sto",
        "tel",
        "va",
        "zu",
    )
    return "".join(rng.choice(syllables) for _ in range(rng.randint(3, 5)))


def test_thousands_of_brands() -> None:
    rng = random.Random(7)
    many = [
        BrandTerms(
            f"brand-{number:04d}",
            terms=(_brand_name(rng), f"{_brand_name(rng)} {_brand_name(rng)}"),
            hashtags=(_brand_name(rng),),
        )
        for number in range(5_000)
    ]
    big = BrandMatcher([*many, INTESA])
    target = many[1234]
    text = f"Perché {target.terms[1].upper()} e #{target.hashtags[0]} non rispondono? Intesa sì"
    found = [m.brand for m in big.match(post(text))]
    assert "brand-1234" in found and "intesa" in found
    assert found == sorted(found)
    assert all(
        any(term in fold(text) for term in (*b.terms, *b.hashtags))
        for b in many
        if b.brand in found
    )
    assert big.match(post("Perché nessuno risponde mai al telefono?")) == ()


def test_a_brand_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="intesa"):
        BrandMatcher([INTESA, BrandTerms("intesa", terms=("isp",))])


@pytest.mark.parametrize("account", ["IntesaSanpaolo", "facebook:", ":123"])
def test_a_malformed_own_account_is_refused(account: str) -> None:
    with pytest.raises(ValueError, match="own account"):
        BrandMatcher([BrandTerms("intesa", own_accounts=(account,))])


def test_a_lone_string_for_a_tuple_is_refused() -> None:
    with pytest.raises(TypeError, match="terms"):
        BrandTerms("intesa", terms="intesa")  # type: ignore[arg-type]
