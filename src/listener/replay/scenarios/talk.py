"""What people write about a fictional brand on an ordinary day, in Italian or English.

Synthetic data for testing, not real posts: every text was written for listener and no
author is a real person. A :class:`Talk` holds what is said about one brand (questions,
complaints, praise, passing mentions, the brand's own posts, news); a :class:`Register`
holds how people of one language dress a post (openings, closings, emoji, typos) and how a
brand's care team answers. Posts are assembled from those fragments and then roughened,
as the Intesa texts are, so that thousands of them are seldom copies of each other.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from listener.replay.scenarios import texts
from listener.replay.scenarios.texts import Said, pick, roughen, sentence


@dataclass(frozen=True, slots=True)
class Register:
    """How people of one language write a short post, and how a brand answers them."""

    lang: str
    greetings: tuple[str, ...]
    closings: tuple[str, ...]
    #: Closings of a complaint: "Not good enough."
    grumbles: tuple[str, ...]
    emoji: tuple[str, ...]
    typos: tuple[tuple[str, str], ...]
    reply_openings: tuple[str, ...]
    #: Answers to a problem: move it to private messages.
    reply_private: tuple[str, ...]
    #: Answers to a question or to praise.
    reply_answers: tuple[str, ...]
    signatures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Talk:
    """What is said about one brand on ordinary days.

    Texts may hold ``{city}`` (one of ``places``), ``{brand}`` (one of ``brand``: how
    people write the brand's name, handle or hashtag) and ``{n}`` (a small number).
    ``mentions`` are posts elsewhere than the brand's page, so each names the brand;
    ``page_posts`` are the brand's own, ``news`` (title, summary) items that name it.
    """

    register: Register
    brand: tuple[str, ...]
    #: How a post asks the brand directly: its handle.
    address: str
    questions: tuple[str, ...]
    complaints: tuple[str, ...]
    praise: tuple[str, ...]
    mentions: tuple[str, ...]
    page_posts: tuple[str, ...]
    news: tuple[tuple[str, str], ...]
    places: tuple[str, ...] = texts.CITIES


ITALIAN: Final = Register(
    lang="it",
    greetings=("", "", "", "Buongiorno,", "Buonasera,", "Salve,", "Ciao,", "Scusate,"),
    closings=texts.CLOSINGS,
    grumbles=(
        "",
        "",
        "Che vergogna.",
        "Pessimo servizio.",
        "Assurdo.",
        "Sono stufo.",
        "Inaccettabile.",
        "Sempre peggio.",
        "Che delusione.",
        "Ridicolo.",
    ),
    emoji=texts.CALM_EMOJI,
    typos=texts.TYPOS,
    reply_openings=("Ciao {name},", "Ciao {name},", "Gentile {name},", "Salve {name},"),
    reply_private=(
        "ci dispiace per il disagio: scrivici in privato e verifichiamo insieme.",
        "ci mandi un messaggio privato con il tuo codice cliente? Ti aiutiamo subito.",
        "ti abbiamo scritto in privato per capire meglio cosa è successo.",
        "ci scusiamo per l'attesa: in privato possiamo vedere la tua pratica.",
    ),
    reply_answers=(
        "trovi tutte le informazioni sul nostro sito, nella sezione aiuto.",
        "ti abbiamo risposto in privato con i dettagli.",
        "grazie per le tue parole, le giriamo a tutta la squadra!",
        "sì, vale per tutti i clienti. Per altri dubbi siamo qui.",
    ),
    signatures=("^AB", "^MR", "^CL", "^SF", "^EP"),
)

_EN_CLOSINGS: Final = (
    "", "", "", "", "", "", "Thanks!", "Thanks in advance.", "Cheers.", "Any ideas?", "thx",
    "Ta.",
)  # fmt: skip
_EN_TYPOS: Final = (
    (" you ", " u "), (" your ", " ur "), (" are ", " r "), ("I'm", "im"), ("don't", "dont"),
    ("can't", "cant"), (" please", " pls"), ("?", "??"), ("because", "cos"),
    ("doesn't", "doesnt"), ("Thanks", "thx"), (" the ", " teh "), ("really", "rly"),
    ("won't", "wont"),
)  # fmt: skip

ENGLISH: Final = Register(
    lang="en",
    greetings=("", "", "", "", "Hi,", "Hello,", "Hey,", "Hi there,", "Hiya,", "Quick one:"),
    closings=_EN_CLOSINGS,
    grumbles=(
        "",
        "",
        "Not good enough.",
        "Ridiculous.",
        "Really disappointed.",
        "Sort it out.",
        "So frustrating.",
        "Terrible service.",
        "Fed up with this.",
        "Awful.",
    ),
    emoji=("🙂", "😊", "👍", "🙏", "😕", "😒", "🤔", "😂", "🙄"),
    typos=_EN_TYPOS,
    reply_openings=("Hi {name},", "Hey {name},", "Hello {name},", "Hi there {name},"),
    reply_private=(
        "sorry to hear that. Could you DM us the details so we can take a look?",
        "we're sorry about this. Please send us a DM and we'll get it sorted.",
        "that's not what we want to hear. Drop us a DM with your reference and we'll check.",
        "apologies for the hassle. We've sent you a DM to look into it.",
    ),
    reply_answers=(
        "you'll find everything on our help pages, or DM us if anything's unclear.",
        "yes, that applies to everyone. Let us know if you need anything else!",
        "thanks so much, we'll pass that on to the team!",
        "we've sent you a DM with the details.",
    ),
    signatures=("^JS", "^AK", "^MR", "^LT", "^BW", "- Amy", "- Dev"),
)


def fill(rng: random.Random, template: str, talk: Talk) -> str:
    """``template`` with its place, brand and number holes filled."""
    text = template.replace("{city}", pick(rng, talk.places))
    text = text.replace("{n}", str(rng.randint(2, 9)))
    return text.replace("{brand}", pick(rng, talk.brand))


def assemble(register: Register, *parts: str, proper: tuple[str, ...] = ()) -> str:
    """Fragments joined with spaces, in the register's language (see :func:`texts.join`);
    a fragment that starts with one of the ``proper`` names keeps its capital.

    In English a fragment after a comma or colon starts lower case only when its first
    word is an ordinary one: "Hi, is the lounge open?", but "Hi, I booked..." and
    "Hey, @brand".
    """
    proper = tuple(name for name in proper if name)
    if register.lang == "it":
        return texts.join(*parts, proper=proper)
    text = ""
    for part in parts:
        if not part:
            continue
        lower = _ordinary_word(part) and not (proper and part.startswith(proper))
        if text and text[-1] in ",:" and lower:
            part = part[:1].lower() + part[1:]
        text = f"{text} {part}" if text else part
    return text


def _ordinary_word(part: str) -> bool:
    """Whether a fragment opens with a word one would write in lower case mid-sentence."""
    first = part.split(" ", 1)[0]
    if first in ("I", "I'm", "I've", "I'd", "I'll") or first[:1] in "@#":
        return False
    return not any(char.isupper() for char in first[1:])


def everyday_comment(rng: random.Random, talk: Talk) -> Said:
    """A comment under the brand's page: mostly questions, some complaints, some praise."""
    register = talk.register
    roll = rng.random()
    if roll < 0.56:
        topic, pool = "question", talk.questions
    elif roll < 0.8:
        topic, pool = "complaint", talk.complaints
    else:
        topic, pool = "praise", talk.praise
    body = sentence(fill(rng, pick(rng, pool), talk))
    emoji = pick(rng, register.emoji) if rng.random() < 0.15 else ""
    closing = {
        "question": pick(rng, register.closings),
        "complaint": pick(rng, register.grumbles),
    }.get(topic, "")
    greeting = pick(rng, register.greetings)
    text = assemble(register, greeting, body, closing, emoji, proper=(*talk.brand, *talk.places))
    return Said(roughen(rng, text, typos=register.typos), topic)


def everyday_mention(rng: random.Random, talk: Talk, forum: bool = False) -> Said:
    """A post elsewhere that names the brand: in passing, or about a problem or question,
    addressed to the brand's handle on X and headed with its name on a forum."""
    if rng.random() < 0.5:
        text = sentence(fill(rng, pick(rng, talk.mentions), talk))
        return Said(roughen(rng, text, typo_share=0.06, typos=talk.register.typos), "mention")
    said = everyday_comment(rng, talk)
    head = f"{talk.brand[0]}:" if forum else talk.address
    return Said(f"{head} {said.text}", said.topic)


def called(name: str) -> str:
    """How a brand addresses an author: people ("Giulia B.", "Tom K.") by first name; pages,
    blogs and handles by their whole name."""
    return name.split(" ")[0] if name.endswith(".") else name


def brand_reply(rng: random.Random, name: str, topic: str, register: Register) -> str:
    """The brand's answer to a post: private contact for problems, a pointer otherwise."""
    opening = pick(rng, register.reply_openings).replace("{name}", called(name))
    body = pick(rng, register.reply_private if topic == "complaint" else register.reply_answers)
    return assemble(register, opening, body, pick(rng, register.signatures))
