"""Italian (and a few English) texts for the wave of 3-4 October 2017 on the bank's page.

Everything here was written for listener's demonstration data: a reconstruction of the
kind of comments that poured in after a leaked video of a branch director berating staff
about sales targets, not real posts; no author is a real person. Insults are kept mild.
Each comment is a core sentence, often followed by a second one from another mood, with
optional opening, closing, hashtags and emoji, then roughened.
"""

from __future__ import annotations

import random
from typing import Final

from listener.replay.scenarios.texts import BRAND_NAMES, join, pick, roughen, sentence

FIRST_VIDEO_COMMENT: Final = (
    "Avete visto il video della direttrice che umilia i colleghi in filiale per il budget? "
    "Complimenti Intesa, è questo il vostro modo di trattare le persone?"
)

_MOODS: Final[dict[str, tuple[str, ...]]] = {
    "angry": (
        "vergognatevi",
        "trattate i dipendenti come numeri",
        "una banca che umilia chi ci lavora non merita clienti",
        "altro che app nuova, pensate a come trattate le persone",
        "è questo il vostro modo di fare banca?",
        "quel video dice tutto di voi",
        "pressioni commerciali da far vergognare chiunque",
        "fate pena",
        "il rispetto per chi lavora dove l'avete lasciato?",
        "siete dei pagliacci",
        "ridicoli, semplicemente ridicoli",
        "che schifo di ambiente di lavoro",
        "mi vergogno di essere vostro cliente",
        "il budget prima delle persone, bravi",
        "vendere polizze a tutti i costi, anche umiliando la gente",
    ),
    "sarcastic": (
        "complimenti per la nuova app, ma la direttrice?",
        "bella l'app eh, peccato per il video",
        "scarico subito l'app così mi urlano contro anche dal telefono",
        "ottimo marketing, il video ha fatto più visualizzazioni del vostro spot",
        "nella nuova app c'è anche la funzione 'umilia il collega'?",
        "ma il budget l'avete raggiunto almeno?",
        "quante polizze devo sottoscrivere per avere una risposta?",
        "lancio dell'app perfettamente riuscito direi",
        "grande giornata per il vostro ufficio comunicazione",
        "chissà che obiettivi ha il social media manager oggi",
        "la direttrice però è bravissima a motivare, eh",
    ),
    "colleague": (
        "tutta la mia solidarietà alla collega del video",
        "spero che quella ragazza stia bene",
        "umiliata davanti a tutti per un budget, poveretta",
        "chi lavora allo sportello merita rispetto",
        "forza ai dipendenti di questa banca, non siete soli",
        "lavoro in banca anch'io e so benissimo cosa si prova",
        "i colleghi di quella filiale vanno tutelati, non lasciati soli",
        "nessuno dovrebbe lavorare con la paura",
        "spero che nessuno se la prenda con l'impiegata",
    ),
    "company": (
        "ma l'azienda dov'è?",
        "nessuno risponde?",
        "aspettiamo una vostra presa di posizione",
        "qui rispondete solo a chi chiede dell'app?",
        "il silenzio è peggio del video",
        "sveglia social media manager!",
        "dove sono i vertici?",
        "una parola sul video no eh?",
        "fate finta di niente e continuate a pubblicizzare l'app",
        "prendete le distanze o siete d'accordo con quella direttrice?",
    ),
    "leaving": (
        "domani chiudo il conto",
        "chiudo il conto e porto via tutto",
        "basta, cliente da {years} anni e me ne vado",
        "ho già preso appuntamento per chiudere il conto",
        "disdico carta e conto",
        "trasferisco lo stipendio altrove",
        "chiudo anche il mutuo appena posso",
        "mai più un conto da voi",
    ),
    "doubt": (
        "non esageriamo, le pressioni ci sono in tutte le aziende",
        "il solito linciaggio social",
        "il video è uscito dall'interno, anche questo è grave",
        "prima di giudicare sentiamo tutte le campane",
        "la direttrice ha sbagliato ma non è un mostro",
        "domani nessuno se ne ricorderà",
    ),
    "spreading": (
        "chi ha visto il video?",
        "il video è ovunque",
        "arrivo adesso, ma che è successo?",
        "guardate il video della filiale e poi ditemi",
        "l'ho appena visto su WhatsApp",
        "lo stanno condividendo tutti",
    ),
}
_MOOD_WEIGHTS: Final = {
    "angry": 24, "sarcastic": 18, "colleague": 14, "company": 16, "leaving": 12, "doubt": 6,
    "spreading": 10,
}  # fmt: skip
_AFTER_STATEMENT: Final = (
    "finalmente una risposta, dopo un giorno intero",
    "troppo tardi",
    "un comunicato scritto dall'ufficio legale",
    "bene la verifica, ma chi tutela i dipendenti?",
    "ci sono volute 24 ore per dire questo?",
    "parole, aspettiamo i fatti",
    "almeno avete detto qualcosa",
)
_OPENINGS: Final = (
    "", "", "", "", "Ma dai.", "Incredibile.", "Assurdo.", "Scusate,", "Allora,", "Ma scherziamo?",
    "Ho appena visto il video.", "Senza parole.", "Ditemi che non è vero.", "Pazzesco.", "Boh.",
)  # fmt: skip
_CLOSINGS: Final = (
    "", "", "", "", "Vergogna!", "Che tristezza.", "Pensateci.", "Basta!",
    "Cliente deluso.", "Condividete!", "Ex cliente.", "Fatevi un esame di coscienza.", "Bah.",
)  # fmt: skip
#: Only once the silence has lasted a couple of hours.
_LATE_COMPANY: Final = ("ore di commenti e neanche una parola", "è tutto il giorno che vi scrivo")
_LATE_CLOSINGS: Final = ("Sono ore che aspettiamo.", "Ancora niente?")
_HASHTAGS: Final = (
    "#vergogna", "#intesasanpaolo", "#IntesaSanpaolo", "#chiudoilconto", "#rispetto", "#bancari",
    "#budget", "#dovèlazienda",
)  # fmt: skip
_EMOJI: Final = ("😡", "🤬", "👎", "😤", "🙄", "😂", "🤦", "😢", "👏👏", "🤡", "😱", "💔")
_AGREEING: Final = (
    "Esatto!", "Quoto.", "Concordo.", "Parole sante.", "Anche io.", "Hai ragione.", "Stessa cosa.",
    "Ben detto.", "👍", "Sottoscrivo.", "Verissimo.", "Purtroppo sì.",
)  # fmt: skip
_ENGLISH: Final = (
    "Shame on you, Intesa Sanpaolo.",
    "Where is the company? Hours of silence.",
    "Solidarity with the employee in the video.",
    "Closing my account tomorrow.",
    "Nice new app. Now what about the video?",
    "This is how you treat your staff? Disgraceful.",
    "Saw the video on Twitter, unbelievable.",
)
_HEADLINES: Final = (
    (
        "Intesa Sanpaolo, il video della direttrice di filiale diventa virale",
        "Migliaia di condivisioni in poche ore per il filmato interno sulle pressioni commerciali.",
    ),
    (
        "Pressioni sui bancari: il caso del video che fa discutere",
        "Una riunione in una filiale Intesa Sanpaolo riapre il dibattito sugli obiettivi.",
    ),
    (
        "Intesa Sanpaolo, pioggia di commenti sulla pagina Facebook",
        "Centinaia di messaggi critici sotto il post dedicato alla nuova app; la banca tace.",
    ),
    (
        "Sindacati: basta con le pressioni commerciali nelle filiali",
        "Le sigle dei bancari chiedono un incontro a Intesa Sanpaolo dopo il video.",
    ),
    (
        "La crisi social di Intesa Sanpaolo spiegata in cinque punti",
        "Cosa insegna il silenzio della pagina Facebook mentre montavano le critiche.",
    ),
    (
        "Banca Intesa, la direttrice del video e il nodo degli obiettivi",
        "Ex dipendenti raccontano le riunioni di budget nelle filiali.",
    ),
)
_LATE_HEADLINES: Final = (
    (
        "Intesa Sanpaolo rompe il silenzio sul video: verifiche in corso",
        "In un messaggio sulla pagina Facebook la banca prende le distanze "
        "dai toni della riunione.",
    ),
    (
        "Intesa Sanpaolo, la risposta arriva dopo un giorno",
        "Esperti di comunicazione: tempi troppo lunghi per una crisi nata sui social.",
    ),
)
STATEMENT: Final = (
    "Abbiamo visto il video che circola da ieri e letto i vostri messaggi. I toni usati in "
    "quella riunione non rappresentano i valori di Intesa Sanpaolo né il modo in cui vogliamo "
    "lavorare con i nostri colleghi: stiamo facendo le verifiche necessarie. Siamo vicini alle "
    "persone coinvolte e vi ringraziamo per averci scritto."
)


def _mood(rng: random.Random, unlike: str = "") -> str:
    moods = [mood for mood in _MOOD_WEIGHTS if mood != unlike]
    return rng.choices(moods, weights=[_MOOD_WEIGHTS[mood] for mood in moods])[0]


def _core(rng: random.Random, mood: str, hours: int) -> str:
    late = mood == "company" and hours >= 2
    options = _MOODS[mood] + _LATE_COMPANY if late else _MOODS[mood]
    body = sentence(pick(rng, options).replace("{years}", str(rng.randint(3, 30))))
    if late and rng.random() < 0.3:
        body = f"{body} Sono passate {hours} ore."
    return body


def _closing(rng: random.Random, hours: int) -> str:
    return pick(rng, _CLOSINGS + _LATE_CLOSINGS if hours >= 2 else _CLOSINGS)


def _decorate(rng: random.Random, text: str) -> str:
    chosen = rng.sample(_HASHTAGS, rng.randint(1, 2)) if rng.random() < 0.3 else []
    tags = " ".join(tag for tag in chosen if tag.lower() not in text.lower())
    emoji = pick(rng, _EMOJI) * rng.randint(1, 3) if rng.random() < 0.35 else ""
    if rng.random() < 0.15:
        text = text.rstrip(".") + "!!!"
    return join(text, tags, emoji)


def wave_comment(rng: random.Random, hours: int, after_statement: bool = False) -> str:
    """One hostile (or, now and then, sceptical) comment ``hours`` after the video surfaced."""
    if rng.random() < 0.03:
        return _decorate(rng, pick(rng, _ENGLISH))
    mood = _mood(rng)
    if after_statement and rng.random() < 0.4:
        mood, core = "", sentence(pick(rng, _AFTER_STATEMENT))
    else:
        core = _core(rng, mood, hours)
    # A second sentence in another mood: people mix anger, irony and worry in one comment.
    second = _core(rng, _mood(rng, unlike=mood), hours) if rng.random() < 0.45 else ""
    text = join(pick(rng, _OPENINGS), core, second, _closing(rng, hours))
    return roughen(rng, _decorate(rng, text), typo_share=0.2)


def thread_reply(rng: random.Random, hours: int) -> str:
    """A reply under someone else's comment: agreement, often with a line of one's own."""
    own = _core(rng, _mood(rng), hours) if rng.random() < 0.7 else ""
    return roughen(rng, _decorate(rng, join(pick(rng, _AGREEING), own)))


def wave_x_text(rng: random.Random, hours: int) -> tuple[str, str]:
    """A post on X about the case, naming the bank; returns (text, language)."""
    brand = pick(rng, BRAND_NAMES)
    if rng.random() < 0.08:
        return f"{pick(rng, _ENGLISH)} {brand}", "en"
    core = _core(rng, _mood(rng), hours)
    frames = (
        (f"{brand}:", core),
        (f"Il video della filiale {brand} è ovunque.", core),
        (core, brand),
        (f"La pagina Facebook di {brand} è sommersa di commenti.", core),
        (core, "#intesasanpaolo"),
    )
    text = join(*frames[rng.randrange(len(frames))])
    return roughen(rng, _decorate(rng, text), typo_share=0.1), "it"


def headline(index: int, after_statement: bool) -> tuple[str, str]:
    """The ``index``-th news title and summary about the case, before or after the statement."""
    pool = _LATE_HEADLINES if after_statement else _HEADLINES
    return pool[index % len(pool)]
