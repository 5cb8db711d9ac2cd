"""ordinary-week: nine ordinary days of a regional train operator, nothing more.

Synthetic data for testing, not real posts: Trenalto is a fictional Italian regional rail
operator and every author and text (Italian) is invented. Commuters write when they
travel: quiet nights, a rush in the morning and another in the evening, much less at the
weekend; the hours differ from one another as real ones do. Most posts are questions about
tickets and timetables, a fair share are complaints about delays (trains are like that),
some are praise; now and then a late train brings a small cluster of complaints; the
operator answers in the day. Nobody should be paged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Final

from listener.records import Post
from listener.replay.scenarios.catalog import BrandSpec, Entry, Expected, Scenario
from listener.replay.scenarios.crowd import Voices, crowd_post, naming
from listener.replay.scenarios.everyday import Everyday, Mix, care, ordinary_traffic
from listener.replay.scenarios.everyday import prior as usual
from listener.replay.scenarios.ordinary import FEEDS
from listener.replay.scenarios.people import ITALIAN
from listener.replay.scenarios.posts import Scene, comment, x_post
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.talk import ITALIAN as ITALIAN_REGISTER
from listener.replay.scenarios.talk import Talk
from listener.replay.scenarios.timing import ORDINARY_HOURLY, ROME, arrivals, bump

NAME: Final = "ordinary-week"
ACCOUNTS: Final = kit.accounts("trenalto", "Trenalto", "trenalto", (120_000, 38_000))
NAMES: Final = ("Trenalto", "Trenalto", "Trenalto", "@trenalto", "#trenalto")
_LINES: Final = (
    "Bergamo-Milano", "Brescia-Verona", "Como-Milano", "Lecco-Sondrio", "Pavia-Milano",
    "Cremona-Treviglio", "Varese-Milano",
)  # fmt: skip

#: People's posts by local hour on a weekday, as a commuter line sees them.
COMMUTING: Final = (
    0.6, 0.3, 0.2, 0.2, 0.4, 1.5, 6.0, 13.0, 15.0, 9.0, 5.0, 4.5,
    4.5, 5.0, 5.0, 5.5, 7.0, 11.0, 14.0, 12.0, 7.0, 4.0, 2.5, 1.2,
)  # fmt: skip
#: Saturday and Sunday against a weekday.
_WEEKEND: Final = {5: 0.55, 6: 0.4}

TALK: Final = Talk(
    register=ITALIAN_REGISTER,
    brand=NAMES,
    address="@trenalto",
    places=_LINES,
    questions=(
        "l'abbonamento mensile si può fare dall'app?",
        "il regionale delle 7:42 sulla {city} ferma in tutte le stazioni?",
        "con l'abbonamento annuale posso prendere anche i treni veloci?",
        "c'è uno sconto per gli studenti under 26?",
        "la bici si può portare sul treno la domenica?",
        "il biglietto comprato online va convalidato?",
        "quando esce l'orario invernale?",
        "ci sono lavori sulla {city} questo weekend?",
        "il parcheggio della stazione è incluso con l'abbonamento?",
        "posso chiedere il rimborso per un ritardo dall'app?",
    ),
    complaints=(
        "il treno delle 8:05 sulla {city} ha di nuovo {n}0 minuti di ritardo",
        "treno soppresso senza avviso, bloccati in stazione",
        "aria condizionata rotta, si soffoca in carrozza",
        "bagni chiusi su tutto il treno, come sempre",
        "carrozze sovraffollate tutte le mattine sulla {city}",
        "il display in stazione dice tutto e il contrario di tutto",
        "ritardi tutta la settimana, ma l'abbonamento lo pago puntuale",
    ),
    praise=(
        "oggi sulla {city} tutto puntuale, grazie",
        "capotreno gentilissimo stamattina",
        "i treni nuovi sono comodissimi",
        "finalmente l'app avvisa dei ritardi in tempo, bravi",
    ),
    mentions=(
        "sul {brand} delle 7:42, giornata iniziata",
        "{brand} puntuale oggi, segnatelo sul calendario",
        "leggo un libro intero sul {brand} ogni settimana",
        "il {brand} nuovo sulla {city} è bellissimo",
        "treno {brand} in orario e posto a sedere, che lusso",
    ),
    page_posts=(
        "Da lunedì nuovi treni sulla linea Bergamo-Milano: più posti e prese USB.",
        "Abbonamento annuale: paghi in dieci rate senza interessi.",
        "Lavori sulla linea Como-Milano sabato e domenica: controlla gli orari sull'app.",
        "Con l'app Trenalto ricevi gli avvisi di ritardo sul tuo treno.",
        "Bici a bordo gratis nel weekend su tutti i nostri regionali.",
    ),
    news=(
        (
            "Trenalto, in arrivo dieci nuovi treni per i pendolari",
            "La consegna è prevista entro la primavera sulle linee più affollate.",
        ),
        (
            "Pendolari, la puntualità migliora sulle linee Trenalto",
            "A settembre il 91% dei treni è arrivato entro cinque minuti.",
        ),
        (
            "Trenalto, lavori nel fine settimana sulla Como-Milano",
            "Bus sostitutivi tra Como e Saronno sabato e domenica.",
        ),
    ),
)

#: A late train at rush hour: several people say so within half an hour.
_LATE: Final = Voices(
    register=ITALIAN_REGISTER,
    names=NAMES,
    moods={
        "late": (
            "treno delle {n} e 12 fermo a Treviglio da venti minuti",
            "di nuovo fermi in mezzo alla campagna",
            "guasto al treno, ci fanno scendere tutti",
            "ritardo di mezz'ora e nessun annuncio",
            "perderò la coincidenza, grazie",
        ),
        "asking": ("qualcuno sa cosa succede sulla linea?", "quanto ritardo ha il regionale?"),
    },
    weights={"late": 4, "asking": 1},
    closings=("", "", "Che disagio.", "Come sempre.", "Stufo.", "Ogni giorno così."),
    second_share=0.15,
)


def brand(per_hour: float) -> BrandSpec:
    return kit.brand_spec(ACCOUNTS, "trenalto", "Trenalto", "it", per_hour, negative_share=0.25)


def commuting(weekend: dict[int, float], when: datetime) -> float:
    """How much busier than the everyday rhythm a commuter line is at ``when``."""
    hour = when.hour
    return COMMUTING[hour] / ORDINARY_HOURLY[hour] * weekend.get(when.weekday(), 1.0)


def build(seed: int) -> Scenario:
    """One variant: which nine days, how big the line's following is, how quiet the
    weekend, and when the late trains come."""
    rng = kit.seeded(NAME, seed)
    start = datetime(2017, 9, 19 + rng.randint(0, 4), tzinfo=ROME)
    end = start + timedelta(days=9)
    weekend = {day: factor * rng.uniform(0.85, 1.15) for day, factor in _WEEKEND.items()}
    factor: Callable[[datetime], float] = partial(commuting, weekend)
    scene = kit.scene(rng, 114, ACCOUNTS, ITALIAN)
    everyday = Everyday(
        TALK,
        per_hour=5.0 * rng.uniform(0.8, 1.25),
        mix=Mix(page=0.45, x=0.45, forum="italy"),
        answers=care(TALK.register),
        x_account=ACCOUNTS.x,
        feeds=FEEDS,
        news_share=0.3,
        factor=factor,
        noise_sigma=0.3,
    )
    traffic = ordinary_traffic(scene, everyday, start, end)
    late = _late_trains(scene, start, traffic.page_posts, rng.randint(2, 4))
    posts = [*traffic.posts, *late]
    return kit.synthetic(
        NAME,
        "Trenalto: nine ordinary days of a commuter rail operator (Italian)",
        seed,
        brand(usual(traffic, start, end)),
        Expected(None),
        posts,
    )


def _late_trains(scene: Scene, start: datetime, page_posts: list[Post], count: int) -> list[Post]:
    """A few small clusters of complaints about one late train, at weekday rush hours."""
    rng = scene.rng
    posts: list[Post] = []
    weekdays = [start + timedelta(days=day) for day in range(9)]
    weekdays = [day for day in weekdays if day.weekday() < 5]
    for day in rng.sample(weekdays, count):
        hour = rng.choice((7, 8, 17, 18))
        begins = day + timedelta(hours=hour, minutes=rng.randint(0, 45))
        for when in arrivals(
            rng, begins, begins + timedelta(hours=2), bump(begins, 10.0, 14.0, 25.0)
        ):
            text = crowd_post(rng, _LATE)
            if rng.random() < 0.5 and page_posts:
                latest = [post for post in page_posts if post.created_at <= when] or page_posts
                author = scene.facebook_people.pick()
                posts.append(comment(scene, when, text, author, (latest[-1].id, None)))
            else:
                posts.append(x_post(scene, when, naming(rng, text, NAMES), "it"))
    return posts


ENTRY: Final = Entry(NAME, "nine ordinary days of a commuter train operator (Italian)", build)
