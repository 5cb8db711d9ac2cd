"""``python -m listener.replay.scenarios intesa --out FILE``: write a scenario replay file.

The files are reconstructions for demonstration, not real posts; authors are fictional.
"""

from __future__ import annotations

from listener.replay.scenarios.cli import main

raise SystemExit(main())
