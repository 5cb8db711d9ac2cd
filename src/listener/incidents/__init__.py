"""Incidents: alerts about one brand and one risk gathered into one incident, paged level
by level on the event-time clock until someone acknowledges it, and closed by a person or
by the figures coming back to normal.

``engine.Engine.step`` is the whole lifecycle as a pure function of the incident log;
``api`` and ``cli`` let people act on incidents; ``tokens`` signs the links they click.
See docs/incidents.md.
"""
