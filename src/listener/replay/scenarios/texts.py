"""Italian texts for ordinary days on the bank's page and for the app launch.

Everything here was written for listener's demonstration data: it is a reconstruction,
not real posts, and no author is a real person. Comments are assembled from fragments
(greeting, body, closing, emoji) and then roughened (typos, lower case, capitals) so
that hundreds of them are seldom copies of each other.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

CITIES: Final = (
    "Milano", "Torino", "Roma", "Napoli", "Bologna", "Firenze", "Bari", "Palermo", "Padova",
    "Genova", "Verona", "Brescia", "Bergamo", "Catania", "Cagliari", "Pescara", "Venezia",
)  # fmt: skip
BRAND_NAMES: Final = (
    "Intesa Sanpaolo", "Intesa Sanpaolo", "@intesasanpaolo", "#intesasanpaolo",
    "Intesa San Paolo", "Banca Intesa",
)  # fmt: skip

_GREETINGS: Final = ("", "", "", "Buongiorno,", "Buonasera,", "Salve,", "Ciao,", "Gentile banca,")
CLOSINGS: Final = (
    "", "", "", "Grazie.", "Grazie mille!", "Grazie in anticipo", "Attendo risposta, grazie.",
    "Cordiali saluti", "grazie",
)  # fmt: skip
CALM_EMOJI: Final = ("🙂", "😊", "👍", "🙏", "😕", "😒", "🤔")
TYPOS: Final = (
    ("perché", "perche"), ("è ", "e' "), (" che ", " ke "), (" non ", " nn "),
    ("comunque", "cmq"), (" per ", " x "), ("un'", "un "), ("più", "piu"), ("?", "??"),
)  # fmt: skip

QUESTIONS: Final = (
    "vorrei sapere quali documenti servono per chiedere un mutuo prima casa",
    "a quanto è il tasso fisso del mutuo per chi ha meno di 35 anni?",
    "la filiale di {city} è aperta anche il sabato mattina?",
    "che orari fa la filiale di {city} questa settimana?",
    "come faccio a bloccare la carta se l'ho persa all'estero?",
    "dopo quanti giorni arriva a casa la nuova carta di debito?",
    "posso alzare il limite di prelievo del bancomat da solo?",
    "un bonifico fatto venerdì sera quando arriva?",
    "dove trovo l'IBAN nell'internet banking?",
    "si può aprire un conto online senza passare in filiale?",
    "il conto per gli under 30 ha un canone mensile?",
    "quanto costa un bonifico istantaneo?",
    "come si attiva il codice O-Key su un telefono nuovo?",
    "si può rinegoziare il mutuo con voi o devo fare la surroga?",
    "avete prestiti per comprare un'auto usata?",
    "la carta prepagata si ricarica anche dal tabaccaio?",
    "come cambio il numero di cellulare collegato al conto?",
    "per parlare con un consulente si prenota online?",
    "i pagamenti con carta all'estero hanno commissioni?",
    "c'è un numero dedicato per le polizze auto?",
    "vale anche per chi è già cliente?",
    "come funziona il piano di accumulo che pubblicizzate?",
)
COMPLAINTS: Final = (
    "è mezz'ora che aspetto al telefono con il servizio clienti",
    "il bancomat della filiale di {city} è fuori servizio da tre giorni",
    "mi avete addebitato due volte la stessa commissione",
    "in filiale a {city} una fila infinita e un solo sportello aperto",
    "la carta mi è stata rifiutata al supermercato senza motivo",
    "il bonifico non è ancora arrivato dopo quattro giorni",
    "nessuno mi ha avvisato dell'aumento del canone",
    "l'internet banking mi disconnette ogni cinque minuti",
    "ho chiesto il mutuo a luglio e ancora non so niente",
    "ho scritto tre email e nessuno mi ha risposto",
    "il mio gestore cambia ogni sei mesi, non è serio",
)
PRAISE: Final = (
    "ottimo servizio nella filiale di {city}, personale gentilissimo",
    "il consulente mi ha seguito benissimo per il mutuo",
    "finalmente un bonifico arrivato in giornata",
    "mi trovo bene con voi da anni",
    "la carta contactless è comodissima",
    "grazie alla collega di {city} che mi ha risolto un problema in dieci minuti",
    "bella iniziativa, complimenti",
    "interessante, mi informo in filiale",
)
APP_PROBLEMS: Final = (
    "non riesco ad accedere alla nuova app, mi dà sempre errore",
    "dopo l'aggiornamento l'app non riconosce più la mia impronta",
    "l'app nuova è lentissima, ci mette un minuto ad aprirsi",
    "dov'è finita la ricarica del telefono?",
    "il saldo non si aggiorna da stamattina",
    "mi chiede di rifare l'attivazione ma il codice via SMS non arriva",
    "non vedo più i movimenti della carta prepagata",
    "si blocca appena apro la sezione bonifici",
    "era molto meglio quella di prima",
    "manca il pagamento dei bollettini, come faccio adesso?",
    "mi ha fatto reinserire tutti i dati da capo",
    "su Android si chiude da sola",
    "non trovo più l'F24",
    "il login con il PIN va in errore una volta su due",
    "la grafica è bella ma non trovo niente",
)
APP_PRAISE: Final = (
    "la nuova grafica è molto più pulita",
    "finalmente il bonifico istantaneo dall'app",
    "a me funziona benissimo, complimenti",
    "molto più veloce di prima",
)
_PHONES: Final = ("iPhone 6", "iPhone 7", "Samsung S7", "Huawei P9", "un Android vecchio", "iPad")

PAGE_POSTS: Final = (
    (
        "Stai pensando di comprare casa? Prenota un incontro con un nostro gestore e scopri "
        "le soluzioni di mutuo per i giovani under 35."
    ),
    (
        "Paghi spesso online? Ecco cinque consigli per usare la carta in sicurezza: li trovi "
        "sul nostro sito. #sicurezza"
    ),
    (
        "Le nostre filiali sono aperte anche di sera e il sabato in molte città: cerca quella "
        "più vicina a te."
    ),
    "Risparmiare un po' ogni mese è più facile di quanto pensi: scopri il piano di accumulo.",
    "Questa domenica ingresso libero alle Gallerie d'Italia per i clienti. Vi aspettiamo!",
    "Hai un'impresa e vuoi crescere? I nostri specialisti sono a tua disposizione.",
    "Bonifici istantanei: il denaro arriva in pochi secondi, anche nel weekend.",
)
APP_LAUNCH_POST: Final = (
    "È arrivata la nuova app Intesa Sanpaolo Mobile! 📱 Più semplice e più veloce: bonifici "
    "in un tocco, carte sempre sotto controllo e l'assistenza a portata di mano. Scaricala "
    "ora e raccontaci cosa ne pensi! #intesasanpaolo"
)

REPLY_OPENINGS: Final = ("Ciao {name},", "Buongiorno {name},", "Gentile {name},", "Ciao {name}!")
_PRIVATE_CONTACT: Final = (
    "ci dispiace per il disagio: scrivici in privato e verifichiamo insieme.",
    "ci mandi un messaggio privato con i tuoi riferimenti? Il nostro servizio clienti ti aiuterà.",
    "ti abbiamo scritto in privato per capire meglio cosa succede.",
    "per questioni che riguardano il tuo conto ti invitiamo a contattarci in privato.",
    "stiamo raccogliendo le segnalazioni sulla nuova app: scrivici in privato, ti aiutiamo.",
)
_ANSWERS: Final = (
    "trovi tutte le informazioni sul nostro sito, oppure puoi prenotare un appuntamento "
    "in filiale.",
    "i nostri gestori in filiale sapranno consigliarti la soluzione più adatta.",
    "ti abbiamo risposto in privato con i dettagli.",
    "grazie per le tue parole, le giriamo ai colleghi!",
)
_SIGNATURES: Final = ("^GM", "^FR", "^LC", "^AS", "^MB")


@dataclass(frozen=True, slots=True)
class Said:
    """A generated comment and what it is about, so the page knows whether to answer."""

    text: str
    topic: str  # "question", "complaint", "praise" or "app"


def pick(rng: random.Random, options: Sequence[str]) -> str:
    return options[rng.randrange(len(options))]


def fill(rng: random.Random, template: str) -> str:
    return template.replace("{city}", pick(rng, CITIES))


def sentence(body: str) -> str:
    """Capitalise the first letter and end with punctuation, as most people would."""
    text = body[:1].upper() + body[1:]
    return text if text[-1:] in ".!?" else text + "."


def join(*parts: str, proper: tuple[str, ...] = ()) -> str:
    """Join fragments with spaces; a fragment after a comma, colon or word starts lower case,
    unless it starts with one of the ``proper`` names."""
    text = ""
    for part in parts:
        if not part:
            continue
        named = proper and part.startswith(proper)
        if text and (text[-1] in ",:" or text[-1].isalpha()) and not named:
            part = part[:1].lower() + part[1:]
        text = f"{text} {part}" if text else part
    return text


def roughen(
    rng: random.Random,
    text: str,
    typo_share: float = 0.15,
    typos: Sequence[tuple[str, str]] = TYPOS,
) -> str:
    """Make a text look typed in a hurry: typos, no capital, no final stop, or all capitals.

    ``typos`` are (right, wrong) pairs of the text's language; three are tried at a time.
    """
    roll = rng.random()
    if roll < 0.03:
        return text.upper()
    if roll < 0.03 + typo_share:
        for old, new in rng.sample(typos, 3):
            text = text.replace(old, new)
    if rng.random() < 0.2:
        text = text[:1].lower() + text[1:]
        text = text.removesuffix(".")
    return text


def ordinary_comment(rng: random.Random) -> Said:
    """A comment on an ordinary day: mostly questions, some complaints and some praise."""
    roll = rng.random()
    if roll < 0.5:
        topic, body = "question", pick(rng, QUESTIONS)
    elif roll < 0.75:
        topic, body = "complaint", pick(rng, COMPLAINTS)
    elif roll < 0.9:
        topic, body = "praise", pick(rng, PRAISE)
    else:
        topic, body = "app", pick(rng, APP_PROBLEMS)
    emoji = pick(rng, CALM_EMOJI) if rng.random() < 0.15 else ""
    text = join(pick(rng, _GREETINGS), sentence(fill(rng, body)), pick(rng, CLOSINGS), emoji)
    return Said(roughen(rng, text), topic)


def app_comment(rng: random.Random) -> Said:
    """A comment on the new app on launch day: mostly problems, a little praise."""
    if rng.random() < 0.2:
        body = sentence(pick(rng, APP_PRAISE))
        return Said(
            roughen(rng, join(body, pick(rng, ("", "👍", "👏", "Brava Intesa!")))), "praise"
        )
    first = sentence(pick(rng, APP_PROBLEMS))
    second = sentence(pick(rng, APP_PROBLEMS)) if rng.random() < 0.3 else ""
    phone = f"Ho un {pick(rng, _PHONES)}." if rng.random() < 0.25 else ""
    text = join(pick(rng, _GREETINGS), first, second, phone, pick(rng, CLOSINGS))
    return Said(roughen(rng, text), "app")


def complaint_cluster(rng: random.Random, topic: str) -> Said:
    """A complaint in a small, ordinary cluster: the same problem reported by several people."""
    bodies = {
        "app": ("l'app non si apre", "l'app è bloccata", "non riesco a entrare nell'app"),
        "card": (
            "la carta non passa ai pagamenti",
            "il POS mi rifiuta la carta",
            "pagamento negato",
        ),
    }[topic]
    tail = ("da stamattina", "da un'ora", "anche a voi?", "che succede?", "di nuovo!", "")
    text = join(sentence(f"{pick(rng, bodies)} {pick(rng, tail)}".strip()), pick(rng, CLOSINGS))
    return Said(roughen(rng, text), "complaint")


def page_reply_text(rng: random.Random, name: str, topic: str) -> str:
    """The page's answer to a comment: private contact for problems, a pointer otherwise."""
    # People are "Giulia B.": the page uses the first name. Pages and blogs keep their name.
    called = name.split(" ")[0] if name.endswith(".") else name
    opening = pick(rng, REPLY_OPENINGS).replace("{name}", called)
    body = pick(rng, _PRIVATE_CONTACT if topic in ("complaint", "app") else _ANSWERS)
    return join(opening, body, pick(rng, _SIGNATURES))


def ordinary_x_text(rng: random.Random) -> str:
    """A post on X that names the bank in passing."""
    brand = pick(rng, BRAND_NAMES)
    body = pick(
        rng,
        (
            f"Qualcuno sa se l'app di {brand} ha problemi oggi?",
            f"Mutuo approvato da {brand} in tre settimane, non ci speravo",
            f"Coda infinita alla filiale {brand} di {pick(rng, CITIES)}",
            f"{brand} mi ha appena bloccato la carta per sicurezza, almeno funziona",
            f"Bella la mostra alle Gallerie d'Italia di {brand}",
            f"Ancora commissioni sul conto {brand}, basta",
        ),
    )
    return roughen(rng, body, typo_share=0.05)


ORDINARY_NEWS: Final = (
    ("Mutui, spread in calo nelle principali banche",
     "Intesa Sanpaolo e gli altri grandi istituti rivedono le offerte a tasso fisso."),
    ("Pagamenti digitali, cresce l'uso delle carte contactless",
     "Tra le banche che spingono sui pagamenti elettronici anche Intesa Sanpaolo."),
    ("Intesa Sanpaolo, nuove aperture serali in alcune filiali",
     "L'orario esteso arriva in diverse città del Centro-Nord."),
    ("App bancarie, la sfida si sposta sullo smartphone",
     "Intesa Sanpaolo prepara il rinnovo della sua applicazione per i clienti privati."),
)  # fmt: skip
LAUNCH_NEWS: Final = (
    ("Intesa Sanpaolo lancia la nuova app per i clienti privati",
     "Nuova grafica e bonifici istantanei: il rinnovo riguarda milioni di utenti."),
)  # fmt: skip
