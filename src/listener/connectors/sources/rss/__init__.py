"""RSS 2.0, RSS 1.0 and Atom feeds, fetched with conditional GETs."""
