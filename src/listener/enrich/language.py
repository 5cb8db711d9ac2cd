"""Which language a post is written in, as an ISO 639-1 code.

The language decides which sentiment analyzer reads a post, so a wrong guess turns into
a wrong sentiment label. A tag given by the source wins over detection; detection uses
py3langid's model (shipped in its wheel, nothing is downloaded) restricted to a set of
languages, because on a 60-200 character post the full 140-language model often prefers a
close regional language (Venetian, Ligurian) to Italian.

The scoring is done here rather than through ``LanguageIdentifier.classify``, which
spends much of its time on a float16 table (slow in numpy) and chases Python ints through
a 40 MB model. Its arrays are read once: the table narrowed to the chosen languages and
widened to float32, each DFA state packed into one machine word. The answer is the one
py3langid 0.4.0 gives (a test holds the two together) in about two thirds of the time,
and with fewer cache misses when the model has gone cold between posts.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

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
_LOG1P_ONE: Final = math.log1p(1.0)
#: Low bits of a packed DFA state: its feature + 1 (0: none). The model has ~100k features.
_FEATURE_BITS: Final = 20
_FEATURE_MASK: Final = (1 << _FEATURE_BITS) - 1


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


def _widen_table(table: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """The per-feature log probabilities as float32 rows, under an all-zero row 0.

    A float32 gather and dot product is several times faster than the same over float16
    and holds the same values; row 0 stands for "no feature", so the walk can record
    feature + 1 as it finds it.
    """
    wide = np.asarray(table, dtype=np.float32)
    blank = np.zeros((1, wide.shape[1]), dtype=np.float32)
    return np.ascontiguousarray(np.vstack((blank, wide)))


def _pack_states(rows: Sequence[int], features: Sequence[int]) -> array[int]:
    """One 64-bit word per DFA state: where its transition row starts, and its feature + 1.

    py3langid keeps the two in separate lists of Python ints; reading both costs two or
    three cache misses per byte when the model is cold, one word costs one.
    """
    if max(features) + 1 > _FEATURE_MASK:
        raise ValueError("the language model has more features than a packed state holds")
    pairs = zip(rows, features, strict=True)
    return array("q", [(row << 8 << _FEATURE_BITS) | (feature + 1) for row, feature in pairs])


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
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        identifier.set_languages(wanted)
        self.languages: Final = frozenset(wanted)
        self._labels: tuple[str, ...] = tuple(identifier.nb_classes)
        self._table = _widen_table(identifier.nb_ptc)
        self._prior: npt.NDArray[np.float32] = np.asarray(identifier.nb_pc, dtype=np.float32)
        self._moves = identifier.tk_nextmove
        self._states = _pack_states(identifier.tk_row, identifier.tk_output)
        self._enough_letters = _letter_run(min_letters)
        self._max_bytes = max_bytes
        # A byte ends at most one feature, so no post has more features than bytes.
        self._single_weights = np.full(max_bytes, _LOG1P_ONE, dtype=np.float32)

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
        if words.isupper():
            # The model was trained on mixed case; shouting would look like another language.
            words = words.lower()
        if not unicodedata.is_normalized("NFC", words):
            words = unicodedata.normalize("NFC", words)
        label = self._classify(self._walk(words.encode("utf-8")[: self._max_bytes]))
        return None if label == _NO_LANGUAGE else label

    def _walk(self, data: bytes) -> list[int]:
        """The model's byte n-gram features in ``data`` (as feature + 1), one per occurrence.

        This loop is most of the cost of detection, and it is bound by memory latency: the
        transition table is about 40 MB, so between posts it leaves the CPU caches. Each
        byte therefore reads the table once and the small packed state array once.
        """
        moves, states = self._moves, self._states
        found: list[int] = []
        append = found.append
        row = states[0] >> _FEATURE_BITS
        for byte in data:
            state = states[moves[row + byte]]
            row = state >> _FEATURE_BITS
            feature = state & _FEATURE_MASK
            if feature:
                append(feature)
        return found

    def _classify(self, found: list[int]) -> str | None:
        """Naive Bayes over the features: argmax of log1p(count) . table + prior."""
        if not found:
            return None
        if len(set(found)) == len(found):
            # The usual case on a short post: every feature once, so every weight is
            # log1p(1), read from a ready vector rather than built per call.
            scores = self._single_weights[: len(found)] @ self._table.take(found, axis=0)
        else:
            counts = Counter(found)
            size = len(counts)
            rows = np.fromiter(counts.keys(), dtype=np.intp, count=size)
            weights = np.log1p(np.fromiter(counts.values(), dtype=np.float32, count=size))
            scores = weights @ self._table.take(rows, axis=0)
        scores += self._prior
        return self._labels[int(scores.argmax())]


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
