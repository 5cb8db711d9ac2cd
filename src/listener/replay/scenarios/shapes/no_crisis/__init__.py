"""The shapes with nothing to page about: a loved product launch (:mod:`.launch`), a day of
business news (:mod:`.news_day`) and an ordinary week (:mod:`.ordinary_week`). Loud or
quiet, no alert should fire on them."""
