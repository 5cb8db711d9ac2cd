"""The command line of incidents: ``listener incidents`` (``incidents``) and ``listener
silences`` (``silences``), both through the incident HTTP API of a running worker, with what
they share (``client``: where the API is, its key, how its answers are shown)."""
