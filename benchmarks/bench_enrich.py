"""How long enrichment takes per post: language, brands, sentiment and the whole step.

The service's budget is about 60 µs per post in all. Run with
``.venv/bin/python benchmarks/bench_enrich.py``; it prints one line per figure, each the
median (and 90th percentile) of single calls over a corpus of typical 60-200 character
Italian and English posts, best of several rounds so a busy machine shows less.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

from listener.enrich.brands import BrandMatcher, BrandTerms
from listener.enrich.language import DEFAULT_LANGUAGES, LanguageDetector
from listener.enrich.pipeline import Enricher
from listener.enrich.sentiment import SentimentScorer, VaderAnalyzer
from listener.records import Post

T = TypeVar("T")

ITALIAN = (
    (
        "Ma che schifo, la app di Intesa non funziona da stamattina e non riesco a fare "
        "un bonifico urgente"
    ),
    "Ennesimo disservizio, filiale chiusa e nessuno risponde al telefono. Vergogna!",
    (
        "@IntesaSanpaolo da tre giorni provo a contattare il servizio clienti ma la "
        "linea cade sempre dopo 20 minuti di attesa. #disservizio https://t.co/xYz123"
    ),
    "Qualcuno sa se l'home banking è down? Mi dà errore al login da un'ora",
    (
        "Complimenti alla filiale di via Roma, personale gentilissimo e pratica del "
        "mutuo chiusa in una settimana"
    ),
    (
        "Mi hanno addebitato due volte la stessa spesa sulla carta e nessuno mi sa dire "
        "quando rimborsano"
    ),
    (
        "Bonifico istantaneo arrivato in pochi secondi, finalmente un servizio che "
        "funziona come dovrebbe 👏"
    ),
    "Chiudo il conto UniCredit, commissioni assurde e zero assistenza. Passo a una banca online",
    "Ho ricevuto un SMS strano che chiede di aggiornare i dati della carta, è una truffa vero?",
    (
        "La nuova app è molto più veloce, però non trovo più la sezione per scaricare "
        "gli estratti conto"
    ),
    "Sono in coda da mezz'ora allo sportello, c'è un solo operatore per venti persone",
    "Grazie per la risposta rapida su Twitter, problema risolto in dieci minuti!",
    "Bancomat fuori servizio in tutta la città, come si fa a prelevare il sabato sera?",
    "Il mio consulente mi ha sconsigliato quel fondo e aveva ragione, bravo davvero",
    "Da quando hanno cambiato il sistema non arrivano più le notifiche dei pagamenti",
    (
        "Pessima esperienza con il mutuo di Intesa Sanpaolo: documenti persi due volte e "
        "tempi infiniti"
    ),
    "Ottima la nuova carta contactless, la uso anche con lo smartphone senza problemi",
    "Qualcuno ha notizie sullo sciopero dei dipendenti di domani? Le filiali resteranno chiuse?",
    "Non riesco ad accedere con lo SPID, la pagina resta bianca e poi va in errore",
    "Tassi dei mutui ancora in salita, a questo punto rimando l'acquisto della casa",
    "Assistenza clienti introvabile, il numero verde ti rimbalza da un menu all'altro",
    "Prelievo non riuscito ma soldi scalati dal conto, chi mi restituisce i 250 euro?",
    "Bellissima iniziativa per le scuole del quartiere, così si fa",
    "Di nuovo la app bloccata durante il pagamento dell'F24, a un giorno dalla scadenza",
)
ENGLISH = (
    "The banking app has been down all morning and I can't pay my rent, this is ridiculous",
    "Great service today at the branch, the staff were really helpful and kind",
    "Anyone else getting an error when logging in? Been trying for an hour now",
    "Charged twice for the same purchase and customer support just keeps me on hold",
    "Finally switched my account, the new mobile app is so much better than the old one",
    "Got a weird text asking me to confirm my card details, is this a scam?",
    "Branch closed again with no notice, third time this month. Not acceptable",
    "Mortgage approved in a week, really impressed with how smooth the whole process was",
    (
        "@AcmeBank your card machine at the station has been broken for days, please fix "
        "it https://t.co/abc987"
    ),
    "Why does a simple transfer take three working days in 2025?",
    "Love the new savings feature, rounding up my purchases actually helped me save",
    "Waited forty minutes on the phone just to be told to call back tomorrow",
    "Fraud team caught a suspicious payment and called me straight away, thank you!",
    "The website keeps logging me out every two minutes, impossible to finish anything",
    "Fees went up again at Acme Bank without any explanation, time to look for another bank",
    "Cash machine swallowed my card and the branch says it will take ten days to replace",
    "Their customer service rep was patient and sorted out my problem in minutes",
    "Is the UniCredit app down for everyone or just me? Can't even see my balance",
    "Terrible experience opening a business account, nobody knows what documents they need",
    "Contactless payments failing at every shop today, what is going on #outage",
    "Really appreciate the quick refund after the double charge, good job",
    "Still no answer to my complaint after two weeks. Escalating to the ombudsman",
    "Interest rates on savings are a joke compared to what they charge on loans",
    "Notifications for payments stopped working after the latest update",
)
#: Short real-looking names that also occur inside ordinary words ("ing" in "morning",
#: "tim" in "time"), so the matcher has hits to reject on word boundaries, as in real use.
SHORT_NAMES = ("tim", "eni", "enel", "poste", "ing", "bper", "a2a", "iliad", "wind", "fineco")
SYLLABLES = ("ba", "co", "di", "fe", "gu", "la", "mo", "ne", "pri", "sto", "tel", "va", "zu")


def measure(
    call: Callable[[T], object], items: Sequence[T], rounds: int, loops: int
) -> tuple[float, float]:
    """Median and 90th percentile of one call, in µs, from the quietest round."""
    best: tuple[float, float] | None = None
    clock = time.perf_counter_ns
    for _ in range(rounds):
        spent: list[int] = []
        for _ in range(loops):
            for item in items:
                start = clock()
                call(item)
                spent.append(clock() - start)
        spent.sort()
        figures = (statistics.median(spent) / 1000, spent[len(spent) * 9 // 10] / 1000)
        if best is None or figures[0] < best[0]:
            best = figures
    assert best is not None
    return best


def report(name: str, figures: tuple[float, float]) -> None:
    print(f"{name:<52} median {figures[0]:7.2f} µs   p90 {figures[1]:7.2f} µs")


def many_brands(count: int, seed: int = 7) -> list[BrandTerms]:
    """``count`` brands of three terms, a hashtag and a handle each; three are in the corpus."""
    rng = random.Random(seed)

    def name() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5)))

    brands = [
        BrandTerms(
            "intesa",
            terms=("intesa sanpaolo", "banca intesa", "intesa"),
            hashtags=("intesasanpaolo",),
            handles=("intesasanpaolo",),
            exclude=("intesa di programma",),
        ),
        BrandTerms("unicredit", terms=("unicredit",), handles=("unicredit_it",)),
        BrandTerms("acme", terms=("acme bank", "acme"), handles=("acmebank",)),
    ]
    for number in range(count - len(brands)):
        first = SHORT_NAMES[number] if number < len(SHORT_NAMES) else name()
        brands.append(
            BrandTerms(
                f"brand-{number:05d}",
                terms=(first, f"{name()} {name()}", name()),
                hashtags=(name(),),
                handles=(name(),),
            )
        )
    return brands


def to_post(text: str) -> Post:
    return Post(
        id="1",
        source="twitter",
        created_at=datetime(2025, 3, 1, tzinfo=UTC),
        text=text,
        author_id="42",
    )


def bench_language(texts: Sequence[str], rounds: int, loops: int) -> None:
    started = time.perf_counter()
    detector = LanguageDetector()
    print(f"language detector built in {time.perf_counter() - started:.2f} s")
    stock = LanguageIdentifier.from_model_file(MODEL_FILE)
    stock.set_languages(sorted(DEFAULT_LANGUAGES))
    report(
        "py3langid classify, same languages (for reference)",
        measure(stock.classify, texts, rounds, loops),
    )
    report(
        "detect, no hint (IT+EN corpus)",
        measure(detector.identify, texts, rounds, loops),
    )
    report("detect, Italian only", measure(detector.identify, ITALIAN, rounds, loops))
    report("detect, English only", measure(detector.identify, ENGLISH, rounds, loops))
    report(
        "detect, with a source tag 'it-IT'",
        measure(lambda t: detector.detect(t, "it-IT"), texts, rounds, loops),
    )
    bench_cold_language(detector, texts, rounds)


def bench_cold_language(detector: LanguageDetector, texts: Sequence[str], rounds: int) -> None:
    """Detection after other work has pushed the model out of the CPU caches.

    The model's transition table is about 40 MB and each byte of a post reads a row of
    it, so in a busy worker, where matching and sentiment run between detections, it is
    mostly read from memory. Touching 8 MB between calls shows what that costs; the figure
    is the difference of two medians, so it is rougher than the others.
    """
    junk = np.zeros(8 << 20, dtype=np.uint8)

    def evict(_: str) -> None:
        junk[::64] += 1

    def evict_then_detect(text: str) -> None:
        junk[::64] += 1
        detector.identify(text)

    alone = measure(evict, texts, rounds, 10)
    together = measure(evict_then_detect, texts, rounds, 10)
    cold = (together[0] - alone[0], together[1] - alone[1])
    report("detect, caches cold (IT+EN corpus)", cold)


def bench_brands(posts: Sequence[Post], count: int, rounds: int, loops: int) -> BrandMatcher:
    brands = many_brands(count)
    started = time.perf_counter()
    matcher = BrandMatcher(brands)
    keys = sum(len(b.terms) + len(b.hashtags) + len(b.handles) + len(b.exclude) for b in brands)
    elapsed = time.perf_counter() - started
    print(f"brand matcher: {count} brands, {keys} keys, built in {elapsed:.2f} s")
    matched = [p for p in posts if matcher.match(p)]
    unmatched = [p for p in posts if not matcher.match(p)]
    report(f"match, all posts ({len(posts)})", measure(matcher.match, posts, rounds, loops))
    report(
        f"match, posts naming no brand ({len(unmatched)})",
        measure(matcher.match, unmatched, rounds, loops),
    )
    report(
        f"match, posts naming a brand ({len(matched)})",
        measure(matcher.match, matched, rounds, loops),
    )
    return matcher


def bench_sentiment(texts: Sequence[str], rounds: int, loops: int) -> SentimentScorer:
    vader = VaderAnalyzer()
    report("VADER polarity, English", measure(vader.polarity, ENGLISH, rounds, loops))
    scorer = SentimentScorer({"en": vader})
    report(
        "score, language without analyzer",
        measure(lambda t: scorer.score(t, "it"), texts, rounds, loops),
    )
    return scorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loops", type=int, default=100)
    parser.add_argument("--brands", type=int, default=5_000)
    options = parser.parse_args()
    rounds, loops = options.rounds, options.loops
    texts = ITALIAN + ENGLISH
    posts = [to_post(text) for text in texts]
    bench_language(texts, rounds, loops)
    matcher = bench_brands(posts, options.brands, rounds, loops)
    scorer = bench_sentiment(texts, rounds, loops)
    enricher = Enricher(matcher, scorer)
    unmatched = [post for post in posts if not matcher.match(post)]
    # Every corpus post again, now naming a brand, so the figures cover typical lengths.
    named_it = [to_post(f"{text} #IntesaSanpaolo") for text in ITALIAN]
    named_en = [to_post(f"{text} @AcmeBank") for text in ENGLISH]
    report("enrich, posts naming no brand", measure(enricher.enrich, unmatched, rounds, loops))
    report(
        "enrich, Italian posts naming a brand (no analyzer)",
        measure(enricher.enrich, named_it, rounds, loops),
    )
    report(
        "enrich, English posts naming a brand (VADER)",
        measure(enricher.enrich, named_en, rounds, loops),
    )


if __name__ == "__main__":
    main()
