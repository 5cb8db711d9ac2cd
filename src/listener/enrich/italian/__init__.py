"""Italian sentiment in VADER's style: an Italian lexicon, Italian negation, intensifiers,
contrast and sarcasm rules, and VADER's compound scale. See docs/italian-sentiment.md."""

from listener.enrich.italian.analyzer import ItalianAnalyzer
from listener.enrich.italian.lexicon import Lexicon, read_lexicon

__all__ = ["ItalianAnalyzer", "Lexicon", "read_lexicon"]
