"""outage-it: the app of Banca Valdora, a fictional Italian bank, stops working.

Synthetic data for testing, not real posts: the bank, its people and every text (Italian)
were written for listener. The shape is the one of outage.py: a slow build of "non
funziona", "non riesco ad accedere", "app down", a status update after a while, the fix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from listener.replay.scenarios.catalog import Entry, Scenario
from listener.replay.scenarios.crowd import Voices
from listener.replay.scenarios.ordinary import FEEDS
from listener.replay.scenarios.people import ITALIAN as ITALIAN_PEOPLE
from listener.replay.scenarios.shapes import kit
from listener.replay.scenarios.shapes.outage import shape as outage
from listener.replay.scenarios.talk import ITALIAN, Talk
from listener.replay.scenarios.timing import ROME

NAME: Final = "outage-it"
ACCOUNTS: Final = kit.accounts("bancavaldora", "Banca Valdora", "bancavaldora", (320_000, 48_000))
NAMES: Final = ("Banca Valdora", "Valdora", "Valdora", "@bancavaldora", "#valdora")

_NEWS: Final = (
    ("Banca Valdora, utile in crescita nel semestre",
     "L'istituto punta sui servizi digitali e sui mutui ai giovani."),
    ("Conti online, le banche tagliano i canoni",
     "Anche Banca Valdora azzera il canone per gli under 30."),
    ("Banca Valdora apre tre nuove filiali in Veneto",
     "Le aperture a Padova, Treviso e Vicenza entro fine anno."),
)  # fmt: skip

TALK: Final = Talk(
    register=ITALIAN,
    brand=NAMES,
    address="@bancavaldora",
    questions=(
        "come si attiva il bonifico istantaneo dall'app?",
        "la filiale di {city} è aperta il sabato?",
        "quanto costa il canone del conto per chi ha più di 30 anni?",
        "posso cambiare il PIN della carta dall'app?",
        "come faccio a chiedere un prestito personale online?",
        "dove trovo l'estratto conto annuale?",
        "si può aprire un conto cointestato online?",
        "quali documenti servono per la surroga del mutuo?",
        "l'app funziona anche su tablet?",
        "come si alza il limite della carta per un viaggio?",
        "avete una polizza casa abbinata al mutuo?",
    ),
    complaints=(
        "la carta mi è stata rifiutata al supermercato senza motivo",
        "il bonifico non è ancora arrivato dopo {n} giorni",
        "al numero verde nessuno risponde",
        "mi avete addebitato una commissione che non conoscevo",
        "in filiale a {city} c'era una coda infinita",
        "l'app mi chiede di rifare l'accesso ogni volta",
        "aspetto da settimane una risposta sul mutuo",
    ),
    praise=(
        "in filiale a {city} sono stati gentilissimi",
        "mutuo approvato in tre settimane, grazie",
        "l'app nuova è molto comoda",
        "finalmente un bonifico istantaneo senza costi, bravi",
        "cliente da anni e mi trovo benissimo",
    ),
    mentions=(
        "mutuo fatto con {brand}, tutto più semplice del previsto",
        "qualcuno ha il conto {brand}? come vi trovate?",
        "in fila alla filiale {brand} di {city}, pazienza",
        "pagato con l'app {brand} in due secondi",
        "pagato il parcheggio con l'app {brand}, comodo",
        "conto aperto con {brand}, vediamo",
    ),
    page_posts=(
        "Con l'app Banca Valdora paghi, invii bonifici istantanei e controlli le carte ovunque.",
        "Mutuo giovani: tasso fisso agevolato per chi ha meno di 36 anni. Chiedi in filiale.",
        "Attenzione alle truffe: non ti chiederemo mai codici o password via SMS o telefono.",
        "Conto zero canone per gli under 30: si apre online in dieci minuti.",
        "Le nostre filiali di Padova e Treviso sono aperte anche il sabato mattina.",
    ),
    news=_NEWS,
)

_DOWN: Final = (
    "l'app non funziona",
    "non riesco ad accedere all'app da mezz'ora",
    "app down?",
    "mi dà errore di connessione appena apro l'app",
    "l'app {brand} è bloccata sulla schermata di caricamento",
    "anche il sito non carica, solo errore",
    "non riesco a fare login né dall'app né dal sito",
    "servizio in tilt",
    "l'app si chiude da sola appena inserisco il PIN",
    "errore 500 su tutto",
)
_ASKING: Final = (
    "è giù solo a me?",
    "anche a voi l'app {brand} non va?",
    "qualcuno riesce ad entrare?",
    "ma che succede oggi?",
    "problemi con {brand} o è il mio telefono?",
)
_IMPACT: Final = (
    "devo pagare l'affitto oggi e non posso fare il bonifico",
    "sono alla cassa e la carta non passa, che figura",
    "ho lo stipendio sul conto e non posso usarlo",
    "il bonifico istantaneo è fermo, il venditore aspetta",
    "non riesco a pagare un F24 in scadenza oggi, rischio la mora",
    "bloccata al distributore senza poter pagare",
)
_ANGRY: Final = (
    "ogni mese la stessa storia, vergogna",
    "pessimo servizio, paghiamo un canone per questo?",
    "banca ridicola, non funziona mai niente",
    "sono stufo di questa app",
    "inaccettabile per una banca",
    "basta, cambio banca",
)
_COMPANY: Final = (
    "nessuna comunicazione?",
    "{brand} dite qualcosa almeno",
    "il numero verde è sempre occupato",
    "sul sito nessun avviso, complimenti",
)
_STATUS: Final = (
    "almeno avvisate, ma quanto ci vuole?",
    "'stiamo lavorando' da un'ora, intanto io non posso pagare",
    "e i soldi delle commissioni per i ritardi chi li rimborsa?",
    "grazie dell'avviso, ma è un disastro",
    "ancora niente, l'app continua a non funzionare",
)
_BACK: Final = (
    "ora funziona di nuovo",
    "è tornata, finalmente",
    "risolto anche per me, ma che paura",
    "adesso va, ci sono volute ore però",
    "funziona ma i movimenti di oggi non si vedono ancora",
)
_WEIGHTS: Final = {"down": 40, "asking": 22, "impact": 18, "angry": 12, "company": 8}

VOICES: Final = Voices(
    register=ITALIAN,
    names=NAMES,
    moods={
        "down": _DOWN,
        "asking": _ASKING,
        "impact": _IMPACT,
        "angry": _ANGRY,
        "company": _COMPANY,
        "status": _STATUS,
        "back": _BACK,
    },
    weights=_WEIGHTS,
    openings=("", "", "", "", "Ma è possibile?", "Ancora?", "Scusate,", "Uffa.", "Di nuovo."),
    closings=("", "", "", "Vergogna.", "Che disagio.", "Assurdo.", "Sistemate!", "Pessimi."),
    hashtags=("#valdora", "#appdown", "#bancavaldora"),
    emoji=("😡", "🤬", "😤", "🙄", "😩", "📵"),
    agreeing=("Anche io.", "Idem.", "Stessa cosa.", "Pure a me.", "Confermo."),
)

OUTAGE: Final = outage.Outage(
    name=NAME,
    title="Banca Valdora: the bank's app stops working for a few hours (Italian)",
    tag=105,
    brand=kit.brand_spec(
        ACCOUNTS,
        "banca_valdora",
        "Banca Valdora",
        "it",
        terms=("banca valdora", "valdora"),
        hashtags=("#valdora", "#bancavaldora"),
    ),
    accounts=ACCOUNTS,
    talk=TALK,
    people=ITALIAN_PEOPLE,
    zone=ROME,
    first_day=datetime(2017, 9, 25, tzinfo=ROME),
    per_hour=11.0,
    size=1.0,
    forum="italy",
    feeds=FEEDS,
    voices=VOICES,
    after_status={**_WEIGHTS, "status": 35, "company": 0, "back": 0},
    after_fix={"back": 50, "angry": 15},
    status=(
        "Alcuni clienti non riescono ad accedere all'app e all'internet banking. I nostri "
        "tecnici stanno lavorando per risolvere il problema il prima possibile. Ci scusiamo "
        "per il disagio."
    ),
    updates=(
        "Aggiornamento: stiamo ancora lavorando al ripristino di app e internet banking. Le "
        "carte funzionano regolarmente nei negozi e agli sportelli.",
        "Aggiornamento: il servizio sta tornando gradualmente disponibile per una parte dei "
        "clienti. Grazie per la pazienza.",
    ),
    fixed=(
        "L'app e l'internet banking sono di nuovo disponibili per tutti. Le operazioni di "
        "oggi saranno visibili entro sera. Ci scusiamo ancora per il disagio."
    ),
    answers=(
        "Ciao {name}, ci scusiamo: i tecnici stanno lavorando per ripristinare l'app. Ti "
        "aggiorniamo qui appena possibile.",
        "Ciao {name}, il problema è in corso di risoluzione. Le carte funzionano: per "
        "urgenze puoi usare gli sportelli.",
        "Gentile {name}, ci dispiace per il disagio. Se hai un pagamento in scadenza scrivici "
        "in privato e verifichiamo insieme.",
    ),
    headlines=(
        (
            "Banca Valdora, app e home banking fuori uso",
            "Migliaia di clienti segnalano di non riuscire ad accedere ai propri conti.",
        ),
        (
            "Banca Valdora, servizi online di nuovo attivi",
            "La banca si scusa per il disservizio durato alcune ore.",
        ),
    ),
)


def build(seed: int) -> Scenario:
    return outage.build(OUTAGE, seed)


ENTRY: Final = Entry(NAME, "an Italian bank's app stops working (Italian)", build)
