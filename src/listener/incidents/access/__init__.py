"""How people reach incidents: the HTTP API (``api``, served by ``web``), the command lines
(``cli/``), the JSON and HTML views of an incident (``views``), the signed links of the
notifications (``tokens``), and an in-memory store for tests and demos (``memory_store``).
"""
