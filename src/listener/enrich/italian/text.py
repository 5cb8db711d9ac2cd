"""How an Italian post is cut into the pieces the analyzer scores.

A piece is a word, an emoji, an emoticon or a run of clause punctuation. Words keep their
elision apostrophe off (``l'app`` is ``l`` and ``app``; ``un po'`` is ``un`` and ``po``), are
lowercased and lose their accents (``perché``, ``perche'`` and ``perchè`` are one word, which
is how they are written on social media). Links, handles and numbers carry no sentiment and
are dropped; the ``#`` of a hashtag is dropped and its word kept.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: Emoticons read as one piece; those made of letters (``xD``) must stand alone.
_EMOTICONS: Final = (
    ":-)", ":)", ":))", ":)))", "(:", "=)", ":-D", ":D", "=D", ";-)", ";)", ";D", ":-P", ":P",
    ":p", ":-(", ":(", ":((", ":(((", "):", "=(", ":'(", ":'-(", ":-/", ":/", ":|", ":-|",
    "<3", "</3", "-.-", "-_-", "^^", "^_^", ":@", ">:(", ":S", ":s", ":o", ":O", ":*",
)  # fmt: skip
_LETTER_EMOTICONS: Final = ("xD", "XD", "T_T", "T.T")

_EMOTICON_RE: Final = "|".join(
    [rf"(?<!\w){re.escape(face)}" for face in _LETTER_EMOTICONS]
    + [re.escape(face) for face in sorted(_EMOTICONS, key=len, reverse=True)]
)
#: Pictographs, one piece per code point: joiners, variation selectors and skin tones are not
#: matched, so a composed emoji reads as its base (a facepalm of any skin tone is a facepalm).
_EMOJI_RE: Final = (
    "[\U0001f000-\U0001f3fa\U0001f400-\U0001faff\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff"
    "\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299]"
)
_PIECE_RE: Final = re.compile(
    r"(?P<skip>(?:https?://|www\.)\S+|@\w+)"
    rf"|(?P<face>(?:{_EMOTICON_RE})(?!\w))"
    r"|(?P<word>[^\W\d_]+)['’`]?"
    rf"|(?P<emoji>{_EMOJI_RE})"
    r"|(?P<stop>[.,;:!?…()\[\]]+|(?<=\s)[-–—](?=\s))"
)

#: Accented letters seen in Italian posts, folded by a table (much faster than NFD).
_FOLD: Final = str.maketrans(
    "àáâäèéêëìíîïòóôöùúûüÀÁÂÄÈÉÊËÌÍÎÏÒÓÔÖÙÚÛÜ", "aaaaeeeeiiiioooouuuuaaaaeeeeiiiioooouuuu"
)
#: ``né`` (nor) negates; folded it would be ``ne`` (of it), which does not.
_KEEP_ACCENT: Final = frozenset({"né", "nè"})
#: What every run of clause punctuation is read as.
STOP: Final = ","
#: What a run of clause punctuation that ends a question is read as: a boundary too.
QUESTION: Final = "?"


def fold(word: str) -> str:
    """``word`` lowercased and without accents: the form the lexicons are keyed by."""
    lower = word.lower()
    if lower.isascii():
        return lower
    if lower in _KEEP_ACCENT:
        return "né"
    folded = lower.translate(_FOLD)
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def shouted(word: str) -> bool:
    """Whether ``word`` is written in capitals (two letters at least, so "E" is not)."""
    return len(word) > 1 and word.isupper()


def pieces(text: str) -> list[tuple[str, bool]]:
    """The pieces of ``text`` in order, each as (key, written in capitals).

    A key is a folded word, an emoticon or emoji as written, or :data:`STOP` for clause
    punctuation, :data:`QUESTION` when it holds a question mark (the exclamation and question
    marks are counted on the whole text for their emphasis).
    """
    found: list[tuple[str, bool]] = []
    append = found.append
    for match in _PIECE_RE.finditer(text):
        kind = match.lastgroup
        if kind == "word":
            word = match.group("word")
            append((fold(word), shouted(word)))
        elif kind == "emoji" or kind == "face":
            append((match.group(kind), False))
        elif kind == "stop":
            append((QUESTION if "?" in match.group("stop") else STOP, False))
    return found
