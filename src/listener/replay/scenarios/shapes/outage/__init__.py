"""The service-outage shape (:mod:`.shape`) and the two brands it is replayed for: an
Italian bank's app (:mod:`.italian`) and an English payments app (:mod:`.english`)."""
