"""Deterministic scenario generators for replay.

The scenarios are reconstructions for demonstration, not real posts; every author is
fictional and every text was written for listener.

* ``intesa``: the Intesa Sanpaolo Facebook incident of 3-4 October 2017, with two
  ordinary days before it (1-4 October, Rome time).
* ``calm``: the same page on two ordinary days (9-10 October 2017); the 10th is the
  control day that must raise nothing.

The scenario library (``catalog.library()``, one module per shape under ``shapes/``) adds
labelled synthetic scenarios of fictional brands, in Italian and English: crises that must
page (a viral video, an outage, a hacked account...) and busy or ordinary days that must
not. The same seed always gives byte-identical files.
"""

from listener.replay.scenarios.calm import generate_calm_day
from listener.replay.scenarios.cli import SCENARIOS, main, write_jsonl
from listener.replay.scenarios.intesa import generate_intesa

__all__ = ["SCENARIOS", "generate_calm_day", "generate_intesa", "main", "write_jsonl"]
