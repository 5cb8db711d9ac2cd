"""Italian texts for the customer-service waves: a fictional mobile operator raises its
prices and bills every 28 days, and its customers flood its Facebook page.

Synthetic data for testing, not real posts: the operators (Voxia, Telvera), their people
and every text were written for listener. The same words serve both brands: ``{name}``
in the brand's own texts is its name, ``{brand}`` in people's posts one of the ways they
write it.
"""

from __future__ import annotations

from typing import Final

from listener.replay.scenarios.crowd import Voices
from listener.replay.scenarios.talk import ITALIAN, Talk

_QUESTIONS: Final = (
    "come faccio a sapere quanti giga mi restano?",
    "la promo da 9,99 è ancora attiva per i nuovi clienti?",
    "si può passare da voi tenendo il numero?",
    "a {city} arriva la fibra o solo l'ADSL?",
    "come si attiva la segreteria telefonica?",
    "il roaming in Europa è incluso nella mia offerta?",
    "quanto costa la SIM sostitutiva se perdo il telefono?",
    "posso pagare la ricarica con la carta dall'app?",
    "dove trovo il codice PUK?",
    "avete offerte per gli over 65?",
)
_COMPLAINTS: Final = (
    "da tre giorni a {city} niente rete in casa",
    "mi avete attivato un servizio a pagamento che non ho chiesto",
    "il credito sparisce e non so perché",
    "al 190 nessuno risponde",
    "internet lentissimo tutte le sere",
    "la portabilità è ferma da {n} giorni",
)
_PRAISE: Final = (
    "copertura ottima anche in montagna, bravi",
    "assistenza veloce in chat, problema risolto",
    "con voi da anni e mai un problema",
    "la nuova offerta è davvero conveniente",
)
_MENTIONS: Final = (
    "passato a {brand}, vediamo come va",
    "{brand} oggi la rete a {city} va benissimo",
    "qualcuno ha {brand}? com'è la copertura a {city}?",
    "ricaricato {brand} dall'app in un attimo",
    "{brand} mi ha regalato 10 giga, non ci credo",
)
_PAGE_POSTS: Final = (
    "Con {name} Giga 50 hai minuti illimitati e 50 giga a 9,99 euro al mese.",
    "La rete {name} arriva in altri 120 comuni: controlla la copertura sul nostro sito.",
    "Ricarica dall'app {name} e ricevi un giga in regalo.",
    "In viaggio in Europa? Con {name} chiami e navighi come a casa.",
    "Problemi con la SIM? Scrivici qui o in chat, ti rispondiamo tutti i giorni dalle 8 alle 21.",
)
_NEWS: Final = (
    ("{name} supera i due milioni di clienti",
     "L'operatore mobile punta sulle offerte senza vincoli."),
    ("Telefonia, la guerra dei prezzi tra gli operatori minori",
     "{name} tra i più aggressivi con le offerte da meno di 10 euro."),
    ("{name} estende la copertura 4G nelle aree interne",
     "L'operatore annuncia nuove antenne in Appennino."),
)  # fmt: skip


def talk(names: tuple[str, ...], name: str, address: str) -> Talk:
    """What people say about the operator ``name`` on ordinary days."""
    return Talk(
        register=ITALIAN,
        brand=names,
        address=address,
        questions=_QUESTIONS,
        complaints=_COMPLAINTS,
        praise=_PRAISE,
        mentions=_MENTIONS,
        page_posts=tuple(text.replace("{name}", name) for text in _PAGE_POSTS),
        news=tuple(
            (title.replace("{name}", name), summary.replace("{name}", name))
            for title, summary in _NEWS
        ),
    )


FIRST_COMMENT: Final = (
    "Mi è appena arrivato un SMS: da novembre due euro in più al mese e fatturazione ogni 28 "
    "giorni. Ma state scherzando? Vergogna"
)

_ANGRY: Final = (
    "vergogna",
    "due euro in più al mese senza motivo, complimenti",
    "ladri, non ci sono altre parole",
    "aumentare i prezzi così è una presa in giro",
    "28 giorni invece di un mese: tredici bollette l'anno, furbi",
    "mi sento preso in giro",
    "con voi da dieci anni e questo è il ringraziamento",
    "pessimi, davvero pessimi",
    "queste commissioni sono una truffa legalizzata",
)
_FEES: Final = (
    "perché devo pagare di più per lo stesso servizio?",
    "avete cambiato le condizioni senza chiedere niente a nessuno",
    "altri soldi per cosa? la rete è sempre la stessa",
    "prima il costo della ricarica, ora l'aumento, basta",
    "commissioni nascoste ovunque",
)
_LEAVING: Final = (
    "faccio la portabilità domani",
    "recedo subito, addio",
    "passo a un altro operatore, basta",
    "ho già chiesto il codice di migrazione",
    "disdico tutto, anche la fibra di casa",
)
_SARCASTIC: Final = (
    "il mese di 28 giorni, una grande invenzione",
    "grazie per il regalo di Natale anticipato",
    "che bella sorpresa svegliarsi con questo SMS",
)
_UNANSWERED: Final = (
    "nessuno risponde?",
    "rispondete almeno?",
    "qui nessuno dice niente",
    "{brand} siete spariti?",
    "sono ore che chiediamo spiegazioni e niente",
    "avete chiuso i commenti o solo le orecchie?",
)
_ASKING: Final = (
    "come si fa a recedere senza pagare penali?",
    "vale anche per chi ha l'offerta vecchia?",
    "entro quando si può disdire gratis?",
    "ma il telefono a rate lo devo pagare tutto subito se recedo?",
)
_ANSWERED: Final = (
    "la risposta copia e incolla non basta",
    "mi avete risposto ma l'aumento resta, inutile",
    "'puoi recedere' non è una soluzione, è una presa in giro",
    "rispondete a tutti con la stessa frase, vergognoso",
    "almeno rispondete, ma resta una scelta pessima",
)

WEIGHTS: Final = {
    "angry": 30, "fees": 16, "leaving": 14, "sarcastic": 8, "unanswered": 14, "asking": 10,
}  # fmt: skip
#: Once the brand has answered many comments, "nobody answers" gives way to "your answers".
ANSWERED_WEIGHTS: Final = {**WEIGHTS, "unanswered": 2, "answered": 16}
#: When hours have gone by without a word, more people say so.
IGNORED_LATE_WEIGHTS: Final = {**WEIGHTS, "unanswered": 28}


def voices(names: tuple[str, ...]) -> Voices:
    """How the crowd writes about the operator written as ``names``."""
    return Voices(
        register=ITALIAN,
        names=names,
        moods={
            "angry": _ANGRY,
            "fees": _FEES,
            "leaving": _LEAVING,
            "sarcastic": _SARCASTIC,
            "unanswered": _UNANSWERED,
            "asking": _ASKING,
            "answered": _ANSWERED,
        },
        weights=WEIGHTS,
        openings=("", "", "", "", "Ma scherziamo?", "Assurdo.", "Incredibile.", "Ancora?"),
        closings=("", "", "", "Vergogna!", "Ladri.", "Pessimi.", "Basta!", "Che schifo."),
        hashtags=("#28giorni", "#rimodulazione", "#vergogna"),
        emoji=("😡", "🤬", "👎", "😤", "🙄", "💸"),
        agreeing=("Esatto.", "Anche a me.", "Stesso SMS.", "Quoto.", "Concordo."),
    )


#: The brand's answers to its customers under the wave (``{name}`` is the customer's).
ANSWERS: Final = (
    "Ciao {name}, comprendiamo il tuo disappunto. La modifica è comunicata nel rispetto "
    "delle regole: fino al 30 novembre puoi recedere o cambiare operatore senza costi.",
    "Ciao {name}, ci dispiace. Scrivici in privato il tuo numero: verifichiamo se puoi "
    "passare a un'offerta senza aumento.",
    "Ciao {name}, ti capiamo. Chi recede entro il 30 novembre non paga penali, e le rate "
    "del telefono restano uguali.",
    "Gentile {name}, grazie per averci scritto. Ti abbiamo risposto in privato con tutte "
    "le opzioni per la tua linea.",
)
CLARIFICATION: Final = (
    "Abbiamo letto i vostri messaggi sulla modifica delle offerte. Ecco cosa cambia: da "
    "novembre il rinnovo sarà ogni 28 giorni con 2 euro in più. Chi non è d'accordo può "
    "recedere o cambiare operatore senza costi fino al 30 novembre. Rispondiamo a tutti, "
    "qui e in privato."
)
