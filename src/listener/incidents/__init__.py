"""Incidents: alerts about one brand gathered into one incident, paged level by level on
the event-time clock until someone acknowledges it, and closed by a person or by the
figures coming back to normal.

Three rooms: ``lifecycle`` is the pure engine (``Engine.step`` is the whole lifecycle as a
function of the incident log); ``access`` is how people act on incidents (API, links,
command line); ``runtime`` runs it all in a worker (agents, stage, courier).
See docs/incidents.md.
"""
