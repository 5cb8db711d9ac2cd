"""Which language a post is written in, as an ISO 639-1 code.

The language decides which sentiment analyzer reads a post, so a wrong guess turns into
a wrong sentiment label. A tag given by the source wins over detection; detection uses
py3langid's model (shipped in its wheel, nothing is downloaded) restricted to a set of
languages, because on a 60-200 character post the full 140-language model often prefers a
close regional language (Venetian, Ligurian) to Italian.

Detection is py3langid's own classifier, narrowed to those languages with its
``set_languages``; this module only decides what text it reads (links, handles and
hashtags removed, at most ``max_bytes``) and when there is too little to tell.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final

#: Languages detection chooses among by default. Besides the languages listener reads, it
#: holds the common ones it cannot read, written in other scripts too: a post in Arabic must
#: be recognised as Arabic (and so get an ``unknown`` sentiment), not forced into the
#: nearest language listener can read. ``zxx`` is the model's "no linguistic content".
DEFAULT_LANGUAGES: Final = (
    "en", "it", "es", "fr", "de", "pt", "nl", "ca", "ro", "pl", "cs", "sv", "da", "no",
    "fi", "hu", "el", "tr", "ru", "uk", "ar", "he", "fa", "hi", "id", "zh", "ja", "ko",
    "zxx",
)  # fmt: skip
#: Fewer letters than this (once links, handles and hashtags are gone) is not enough
#: evidence to name a language: "ok", "👍👍", "@bank 112".
DEFAULT_MIN_LETTERS: Final = 3
#: Detection reads at most this many bytes: it bounds the cost of a long post, and the
#: first couple of hundred bytes already decide its language.
DEFAULT_MAX_BYTES: Final = 300

#: Codes sources still send that ISO 639-1 has since renamed.
_RENAMED: Final = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
_NO_LANGUAGE: Final = "zxx"
_NOISE_RE: Final = re.compile(r"(?:https?://|www\.)\S+|[@#][\w.]+")
_TAG_SEP_RE: Final = re.compile(r"[-_]")


def normalize_hint(hint: str | None) -> str | None:
    """The ISO 639-1 code in a source's language tag, or None when it names none.

    Sources tag posts as ``it``, ``it-IT``, ``en_US`` or ``IT``; some tag what they could not
    identify as ``und`` or ``qme``, which must fall through to detection rather than be
    taken for a language.
    """
    if not hint:
        return None
    primary = _TAG_SEP_RE.split(hint.strip(), maxsplit=1)[0].lower()
    if len(primary) != 2 or not primary.isascii() or not primary.isalpha():
        return None
    return _RENAMED.get(primary, primary)


def _may_have_noise(text: str) -> bool:
    """Whether ``text`` may hold a link, handle or hashtag: four scans beat one regex."""
    return "@" in text or "#" in text or "://" in text or "www." in text


def _letter_run(count: int) -> re.Pattern[str]:
    """A pattern that finds ``count`` letters anywhere in a text, stopping at the last one.

    The letter and non-letter classes are disjoint, so the search cannot backtrack badly.
    """
    if count <= 1:
        return re.compile(r"[^\W\d_]")
    return re.compile(rf"[^\W\d_](?:[\W\d_]*[^\W\d_]){{{count - 1}}}")


class LanguageDetector:
    """py3langid's model, loaded once and narrowed to a set of languages.

    Loading decompresses a 4.5 MB model (about a second), so build one per process.
    Raises ``ValueError`` when a language is not a two-letter code the model knows.
    """

    def __init__(
        self,
        languages: Iterable[str] = DEFAULT_LANGUAGES,
        min_letters: int = DEFAULT_MIN_LETTERS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        wanted = sorted(set(languages))
        odd = [code for code in wanted if len(code) != 2 and code != _NO_LANGUAGE]
        if odd:
            # The model also knows regional languages (vec, lij), which have no ISO 639-1
            # code; a caller expects two letters back.
            raise ValueError(f"not ISO 639-1 code(s): {', '.join(odd)}")
        # Imported here, not with the module: numpy and the model's code take 50 ms, which
        # a starting worker spends in the thread building its enricher while it joins.
        from py3langid.langid import (  # type: ignore[import-untyped]
            MODEL_FILE,
            RAW_FLOOR,
            LanguageIdentifier,
        )

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        identifier.set_languages(wanted)
        self._raw_floor: Final = RAW_FLOOR
        self.languages: Final = frozenset(wanted)
        self._identifier = identifier
        self._enough_letters = _letter_run(min_letters)
        self._max_bytes = max_bytes

    def detect(self, text: str, hint: str | None = None) -> str | None:
        """The language of ``text``: the source's tag if it names one, else the detected one.

        None when the text has too few letters to tell (links, emoji, handles, numbers).
        """
        tagged = normalize_hint(hint)
        if tagged is not None:
            return tagged
        return self.identify(text)

    def identify(self, text: str) -> str | None:
        """Detect the language of ``text`` from its words alone."""
        words = _NOISE_RE.sub(" ", text) if _may_have_noise(text) else text
        if self._enough_letters.search(words) is None:
            return None
        # py3langid lowers a text in capitals (the model was trained on mixed case) and
        # normalises it to NFC; a character cut by the byte limit is left out.
        label, score = self._identifier.classify(words.encode("utf-8")[: self._max_bytes])
        if score == self._raw_floor or label == _NO_LANGUAGE:  # no feature of the model at all
            return None
        return str(label)


@functools.cache
def default_detector() -> LanguageDetector:
    """The detector :func:`detect_language` uses, built on first use (it takes a second)."""
    return LanguageDetector()


def detect_language(text: str, hint: str | None = None) -> str | None:
    """The ISO 639-1 code of a post's language, or None when it cannot be told.

    ``hint`` is the source's own language tag (``it``, ``it-IT``, ``en_US``), trusted when it
    names a language; otherwise the language is detected from the text.
    """
    return default_detector().detect(text, hint)
