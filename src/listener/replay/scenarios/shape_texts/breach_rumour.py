"""Italian texts for the breach-rumour scenario: Lucenza Energia, a fictional energy
supplier, on ordinary days and when word spreads that its customers' data is for sale.

Synthetic data for testing, not real posts: the supplier, its people and every text were
written for listener. People here are worried more than furious: they post the phishing
SMS they got, ask whether their data was stolen and tell each other what to do.
"""

from __future__ import annotations

from typing import Final

from listener.replay.scenarios.crowd import Voices
from listener.replay.scenarios.talk import ITALIAN, Talk

NAMES: Final = ("Lucenza", "Lucenza", "Lucenza Energia", "@lucenzaenergia", "#lucenza")

_NEWS: Final = (
    ("Bollette, Lucenza Energia taglia il prezzo del gas per l'inverno",
     "L'offerta a prezzo bloccato vale per i nuovi clienti fino a dicembre."),
    ("Mercato libero dell'energia, i fornitori più scelti",
     "Lucenza Energia tra le realtà in crescita nel Nord Italia."),
    ("Lucenza Energia apre nuovi sportelli a Bergamo e Brescia",
     "Più punti di assistenza per i clienti che preferiscono il contatto diretto."),
)  # fmt: skip

TALK: Final = Talk(
    register=ITALIAN,
    brand=NAMES,
    address="@lucenzaenergia",
    questions=(
        "come faccio a comunicare la lettura del contatore?",
        "posso passare alla bolletta via email?",
        "quanto tempo ci vuole per attivare la luce in una casa nuova?",
        "l'offerta a prezzo bloccato vale anche per il gas?",
        "come si cambia l'intestatario del contratto?",
        "c'è uno sportello a {city}?",
        "si può pagare la bolletta con addebito sulla carta?",
        "dove trovo il codice POD?",
        "avete offerte per i pannelli solari?",
        "posso rateizzare il conguaglio?",
    ),
    complaints=(
        "mi è arrivato un conguaglio di 400 euro senza spiegazioni",
        "la bolletta di settembre è il doppio del solito",
        "aspetto da {n} settimane la voltura",
        "al numero verde mi hanno tenuto in attesa mezz'ora",
        "ho mandato la lettura tre volte e fatturate ancora a stima",
        "lo sportello di {city} è sempre chiuso",
    ),
    praise=(
        "allo sportello di {city} sono stati gentilissimi",
        "passato a voi da un anno e bollette più basse, bene",
        "attivazione velocissima, complimenti",
        "finalmente una bolletta chiara e leggibile",
    ),
    mentions=(
        "passato a {brand} per la luce, vediamo se risparmio",
        "qualcuno ha {brand}? come vi trovate con le bollette?",
        "bolletta {brand} arrivata, meno del previsto",
        "oggi il tecnico {brand} per il contatore, puntualissimo",
        "{brand} mi propone il prezzo bloccato, conviene?",
    ),
    page_posts=(
        "Prezzo bloccato per 12 mesi su luce e gas: scopri l'offerta per l'inverno.",
        "Comunica la lettura del contatore dalla nostra app in pochi secondi.",
        "Consigli per risparmiare: spegni lo stand-by e usa la lavatrice la sera.",
        "Ricorda: i nostri operatori non ti chiederanno mai pagamenti in contanti a domicilio.",
        "Bolletta digitale: più comoda, niente carta, e uno sconto di 6 euro all'anno.",
    ),
    news=_NEWS,
)

FORUM_POST: Final = (
    "Su un forum stanno vendendo quello che dicono essere un database di clienti di "
    "Lucenza Energia: nomi, indirizzi, codici fiscali e IBAN, più di 300mila righe. Hanno "
    "messo un estratto come prova. Qualcuno ne sa qualcosa? Se è vero è gravissimo."
)
STATEMENT: Final = (
    "Abbiamo letto le vostre segnalazioni su un presunto furto di dati e su SMS che usano il "
    "nostro nome. Stiamo verificando con i nostri esperti di sicurezza e vi aggiorneremo qui. "
    "Ricordate: non chiediamo mai dati, codici o pagamenti via SMS. Non cliccate sui link."
)
STATEMENT_X: Final = (
    "Stiamo verificando le segnalazioni su un presunto furto di dati. Non chiediamo mai dati "
    "o pagamenti via SMS: non cliccate sui link ricevuti. Aggiornamenti sulla nostra pagina."
)

_SMS: Final = (
    "mi è arrivato un SMS da 'Lucenza' che chiede di aggiornare l'IBAN con un link, è una truffa?",
    "SMS strano: 'la sua fornitura sarà sospesa, paghi qui'. Con il mio nome e cognome. Paura",
    "anche a me l'SMS falso di {brand}, e sapevano il mio indirizzo",
    "ricevuta mail di phishing con il logo {brand} e il mio codice cliente, come fanno ad averlo?",
    "mia madre ha ricevuto una chiamata da finti operatori {brand} che sapevano tutto di lei",
    "ecco lo screenshot dell'SMS, il link non è del sito ufficiale",
)
_WORRIED: Final = (
    "sono preoccupata, ho il mio IBAN collegato alle bollette",
    "e adesso? rischio il furto d'identità?",
    "ho paura che usino i miei dati per aprire contratti a mio nome",
    "qualcuno sa se i dati sono veri? sono in ansia",
    "ho due bambini e il nostro indirizzo è lì dentro, che angoscia",
    "devo bloccare il conto? non so cosa fare",
    "se hanno i codici fiscali è un disastro",
)
_STOLEN: Final = (
    "mi hanno rubato i dati, ne sono quasi sicuro",
    "data leak di {brand}? ditemi che non è vero",
    "i miei dati sono in vendita su un forum, bellissimo",
    "se il database è vero siamo tutti esposti",
    "300mila clienti, gravissimo",
)
_ANGRY: Final = (
    "custodite i dati dei clienti come un colabrodo, vergogna",
    "se è vero è una cosa gravissima",
    "vi affidiamo i nostri dati e questo è il risultato",
    "chi paga se qualcuno svuota il mio conto?",
    "pessima gestione della sicurezza",
)
_ADVICE: Final = (
    "non cliccate sui link negli SMS, è phishing",
    "controllate gli addebiti sul conto nei prossimi giorni",
    "segnalate gli SMS alla polizia postale",
    "cambiate la password dell'area clienti, non si sa mai",
    "attenzione alle chiamate di finti operatori, riattaccate",
)
_COMPANY: Final = (
    "{brand} dite qualcosa, è vero o no?",
    "silenzio assoluto dall'azienda, preoccupante",
    "ho chiamato il numero verde e non sanno niente",
    "perché non avvisate i clienti?",
)
_AFTER: Final = (
    "'stiamo verificando' non basta, i dati sono veri o no?",
    "almeno avete parlato, ma io sono ancora preoccupata",
    "e chi ha già cliccato sul link cosa deve fare?",
    "ci avete messo ore a dire qualcosa, male",
    "bene l'avviso sugli SMS, ma il database in vendita?",
)
_WEIGHTS: Final = {
    "sms": 26, "worried": 24, "stolen": 14, "angry": 12, "advice": 14, "company": 10,
}  # fmt: skip

VOICES: Final = Voices(
    register=ITALIAN,
    names=NAMES,
    moods={
        "sms": _SMS,
        "worried": _WORRIED,
        "stolen": _STOLEN,
        "angry": _ANGRY,
        "advice": _ADVICE,
        "company": _COMPANY,
        "after": _AFTER,
    },
    weights=_WEIGHTS,
    openings=("", "", "", "", "Aiuto.", "Ragazzi,", "Attenzione!", "Scusate,", "Ma è vero?"),
    closings=("", "", "", "Che paura.", "Pessimo.", "Siamo nelle vostre mani.", "Tremendo."),
    hashtags=("#lucenza", "#phishing", "#databreach", "#truffa"),
    emoji=("😨", "😱", "😟", "😡", "⚠️", "🙏"),
    agreeing=("Anche a me.", "Idem, stesso SMS.", "Pure mia madre.", "Confermo.", "Stessa cosa."),
    second_share=0.35,
)
AFTER_STATEMENT: Final = {**_WEIGHTS, "company": 0, "after": 30}

HEADLINES: Final = (
    ("Lucenza Energia, sui social l'allarme per un presunto furto di dati",
     "Clienti segnalano SMS di phishing; l'azienda dice di stare verificando."),
    ("Dati dei clienti in vendita? Il caso Lucenza Energia",
     "Su un forum un presunto archivio con nomi e IBAN di centinaia di migliaia di utenti."),
    ("Phishing, come difendersi dagli SMS che imitano i fornitori di energia",
     "Dopo il caso Lucenza, i consigli degli esperti: mai cliccare sui link."),
)  # fmt: skip
