"""Italian texts for the conduct-video scenario: Spesavia, a fictional supermarket chain,
on ordinary days and after a customer's video of a store manager humiliating a cashier.

Synthetic data for testing, not real posts: the chain, its people and every text were
written for listener. Insults are kept mild.
"""

from __future__ import annotations

from typing import Final

from listener.replay.scenarios.crowd import Voices
from listener.replay.scenarios.talk import ITALIAN, Talk

NAMES: Final = ("Spesavia", "Spesavia", "Spesavia", "@spesavia", "#spesavia")

_NEWS: Final = (
    ("Spesavia apre cinque nuovi punti vendita in Emilia",
     "La catena di supermercati punta sui negozi di prossimità."),
    ("Prezzi, la spesa costa di più: il confronto tra le catene",
     "Spesavia tra le insegne più convenienti per i prodotti freschi."),
    ("Spesavia lancia la spesa online con ritiro in negozio",
     "Il servizio parte da Bologna, Modena e Parma."),
)  # fmt: skip

TALK: Final = Talk(
    register=ITALIAN,
    brand=NAMES,
    address="@spesavia",
    questions=(
        "il punto vendita di {city} è aperto la domenica?",
        "quando arriva il nuovo volantino?",
        "la carta fedeltà vale anche per la spesa online?",
        "avete prodotti senza glutine nel negozio di {city}?",
        "fino a che ora si può ritirare la spesa online?",
        "i punti della raccolta scadono a fine anno?",
        "assumete a {city}? dove mando il curriculum?",
        "c'è il parcheggio al supermercato di {city}?",
        "si può pagare con i buoni pasto?",
        "tornano le offerte sul pesce il venerdì?",
    ),
    complaints=(
        "al supermercato di {city} una sola cassa aperta e venti persone in fila",
        "il prodotto in offerta sul volantino non c'era",
        "ho trovato yogurt scaduti sullo scaffale",
        "la spesa online è arrivata con metà dei prodotti sostituiti",
        "il parcheggio di {city} è sempre pieno di buche",
        "alla cassa mi hanno fatto pagare il prezzo pieno invece dello sconto",
    ),
    praise=(
        "il reparto frutta di {city} è sempre fresco, bravi",
        "cassiera gentilissima stamattina a {city}",
        "ottime le offerte di questa settimana",
        "la spesa online è comodissima",
        "prezzi onesti e personale cortese",
    ),
    mentions=(
        "spesa fatta da {brand}, frigo pieno",
        "volantino {brand} di questa settimana non male",
        "al {brand} di {city} hanno rifatto il reparto pane, bello",
        "fila alla cassa del {brand} anche oggi",
        "qualcuno ha provato la spesa online di {brand}?",
    ),
    page_posts=(
        "Questa settimana frutta e verdura di stagione a prezzi bassi in tutti i negozi Spesavia.",
        "Con la carta fedeltà accumuli punti e li trasformi in sconti sulla spesa.",
        "Nuova apertura a Modena: vi aspettiamo sabato con tante offerte!",
        "Spesa online con ritiro in negozio: ordini entro le 12, ritiri dalle 17.",
        "Grazie ai nostri colleghi di tutti i punti vendita per il lavoro di ogni giorno.",
    ),
    news=_NEWS,
)

FIRST_POST: Final = (
    "Oggi al Spesavia di {city} il direttore ha urlato contro una cassiera davanti a tutti "
    "perché c'era fila, l'ha chiamata incapace e l'ha fatta piangere. L'ho filmato. "
    "Vergognatevi @spesavia"
)
STATEMENT: Final = (
    "Abbiamo visto il video girato nel nostro punto vendita. Il comportamento mostrato è "
    "inaccettabile e contrario ai nostri valori: il responsabile è stato sospeso in attesa "
    "delle verifiche. Siamo vicini alla nostra collega e la stiamo sostenendo."
)
STATEMENT_X: Final = (
    "Il comportamento mostrato nel video è inaccettabile. Il responsabile del punto vendita è "
    "stato sospeso. Siamo vicini alla nostra collega."
)

_ANGRY: Final = (
    "vergognatevi",
    "umiliare una cassiera davanti ai clienti è schifoso",
    "quel direttore va licenziato subito",
    "che schifo di modo di trattare chi lavora",
    "urlare così a una ragazza per una fila, incredibile",
    "ecco come trattate i vostri dipendenti",
    "guardare quel video fa male",
    "maleducato e prepotente, una vergogna",
    "chi tratta così le persone non dovrebbe comandare nessuno",
)
_SOLIDARITY: Final = (
    "tutta la mia solidarietà alla cassiera",
    "spero che quella ragazza stia bene",
    "ho fatto la cassiera per anni, so cosa vuol dire, povera",
    "forza alla ragazza del video, non sei sola",
    "chi lavora alla cassa merita rispetto",
)
_BOYCOTT: Final = (
    "da oggi non metto più piede da {brand}",
    "cambio supermercato, basta",
    "ho buttato la carta fedeltà {brand}",
    "mai più la spesa da voi",
)
_SARCASTIC: Final = (
    "bel clima di lavoro da {brand}, complimenti davvero",
    "nel volantino questa settimana c'è anche l'umiliazione gratis?",
    "ecco il famoso 'personale cortese' della pubblicità",
)
_SPREADING: Final = (
    "avete visto il video del {brand} di {city}?",
    "il video gira in tutte le chat di gruppo",
    "l'ho visto adesso, sono senza parole",
    "condividete, deve vederlo più gente possibile",
)
_COMPANY: Final = (
    "{brand} avete intenzione di dire qualcosa?",
    "nessuna risposta dall'azienda, vergogna",
    "il direttore è ancora al suo posto?",
)
_DOUBT: Final = (
    "non sappiamo cosa è successo prima del video",
    "sbagliato ma adesso non linciamolo",
)
_AFTER: Final = (
    "bene la sospensione, ma ci voleva un video perché ve ne accorgeste?",
    "sospeso? licenziato doveva essere",
    "almeno avete preso posizione",
    "parole belle, vediamo i fatti",
)
_WEIGHTS: Final = {
    "angry": 32, "solidarity": 18, "boycott": 12, "sarcastic": 8, "spreading": 14,
    "company": 10, "doubt": 3,
}  # fmt: skip

VOICES: Final = Voices(
    register=ITALIAN,
    names=NAMES,
    moods={
        "angry": _ANGRY,
        "solidarity": _SOLIDARITY,
        "boycott": _BOYCOTT,
        "sarcastic": _SARCASTIC,
        "spreading": _SPREADING,
        "company": _COMPANY,
        "doubt": _DOUBT,
        "after": _AFTER,
    },
    weights=_WEIGHTS,
    places=("Bologna", "Modena", "Parma", "Reggio Emilia", "Ferrara", "Rimini", "Piacenza"),
    openings=(
        "",
        "",
        "",
        "",
        "Che vergogna.",
        "Assurdo.",
        "Ho appena visto il video.",
        "Pazzesco.",
    ),
    closings=("", "", "", "Vergogna!", "Schifosi.", "Che tristezza.", "Basta!", "Pessimi."),
    hashtags=("#spesavia", "#vergogna", "#rispetto", "#boicottaspesavia"),
    emoji=("😡", "🤬", "😢", "👎", "😤", "💔"),
    agreeing=("Esatto.", "Quoto.", "Concordo.", "Parole sante.", "Hai ragione."),
)
AFTER_STATEMENT: Final = {**_WEIGHTS, "company": 0, "after": 30}

HEADLINES: Final = (
    ("Spesavia, il video del direttore che umilia una cassiera diventa virale",
     "Il filmato girato da una cliente fa il giro dei social in poche ore."),
    ("Supermercato, la cassiera umiliata davanti ai clienti: l'ira del web",
     "Migliaia di commenti contro la catena Spesavia."),
    ("Spesavia sospende il direttore del punto vendita del video",
     "L'azienda: comportamento inaccettabile, siamo vicini alla collega."),
    ("Sindacati: 'Il caso Spesavia non è isolato'",
     "Le organizzazioni dei lavoratori del commercio chiedono un incontro."),
)  # fmt: skip
