"""The Italian lexicon: shipped in the package, large enough, and checked when read."""

from __future__ import annotations

from importlib import resources

import pytest

from listener.enrich.italian import read_lexicon
from listener.enrich.italian.lexicon import (
    ALIASES_FILE,
    BOOSTERS_FILE,
    EMOJI_FILE,
    NEGATED_FILE,
    PHRASES_FILE,
    WORDS_FILE,
    Lexicon,
)
from listener.errors import ConfigError

FILES = (WORDS_FILE, EMOJI_FILE, NEGATED_FILE, BOOSTERS_FILE, ALIASES_FILE, PHRASES_FILE)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return read_lexicon()


def fake_files() -> dict[str, str]:
    """Minimal valid files, by name."""
    return {
        WORDS_FILE: "# comment\nbello\t2.0\n",
        EMOJI_FILE: "😡\t-2.8\n",
        NEGATED_FILE: "funzionare\t-1.8\n",
        BOOSTERS_FILE: "molto\t0.293\n",
        ALIASES_FILE: "nn\tnon\n",
        PHRASES_FILE: "non vedo l'ora\t2.3\n",
    }


def test_data_files_are_package_resources() -> None:
    data = resources.files("listener.enrich.italian") / "data"
    for name in FILES:
        assert (data / name).is_file(), name


def test_lexicon_loads_with_more_than_two_thousand_words(lexicon: Lexicon) -> None:
    assert len(lexicon.words) > 2000
    assert sum(1 for valence in lexicon.words.values() if valence) > 2000


def test_valences_are_on_vaders_scale(lexicon: Lexicon) -> None:
    tables = (lexicon.words, lexicon.emoji, lexicon.negated, lexicon.phrases)
    for table in tables:
        assert all(-4.0 <= valence <= 4.0 for valence in table.values())
    assert all(-1.0 <= step <= 1.0 for step in lexicon.boosters.values())


def test_keys_are_folded(lexicon: Lexicon) -> None:
    assert "felicita" in lexicon.words
    assert "felicità" not in lexicon.words
    assert all(key == key.lower() for key in lexicon.words)


def test_the_words_that_matter_most_are_there(lexicon: Lexicon) -> None:
    for word in ("schifo", "vergogna", "ladro", "pagliaccio", "truffa", "disservizio"):
        assert lexicon.words[word] <= -2.0, word
    for word in ("ottimo", "gentile", "fantastico", "efficiente"):
        assert lexicon.words[word] >= 1.5, word
    for word in ("conto", "mutuo", "filiale", "sportello", "app"):
        assert lexicon.words[word] == 0.0, word
    assert lexicon.emoji["😡"] < 0 < lexicon.emoji["😍"]
    assert lexicon.aliases["nn"] == "non"
    assert lexicon.phrases[("non", "vedo", "l", "ora")] > 0


def test_reading_valid_files() -> None:
    files = fake_files()
    lexicon = read_lexicon(files.__getitem__)
    assert lexicon.words == {"bello": 2.0}
    assert lexicon.phrases == {("non", "vedo", "l", "ora"): 2.3}


def test_every_problem_is_reported_with_file_and_line() -> None:
    files = fake_files()
    files[WORDS_FILE] = "bello\t2.0\nbrutto\t-9\nbello\t1.0\nsenza tab\n"
    files[PHRASES_FILE] = "solo\t1.0\n"
    with pytest.raises(ConfigError) as caught:
        read_lexicon(files.__getitem__)
    problems = [str(issue) for issue in caught.value.issues]
    assert problems == [
        f"{WORDS_FILE}: line 2: '-9' is not a number in [-4, 4]",
        f"{WORDS_FILE}: line 3: 'bello' is listed twice",
        f"{WORDS_FILE}: line 4: expected two tab-separated columns",
        f"{PHRASES_FILE}: solo: a phrase needs two words or more",
    ]
