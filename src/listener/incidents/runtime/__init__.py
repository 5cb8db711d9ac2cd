"""The incident lifecycle in a worker: the Faust agents (``agents``), the incident stage
that keeps one book per partition of the incident log (``stage``), the courier that
delivers notifications (``courier``, with the messages built by ``notices``), and the
worker's incident store read from the ``incidents`` topic (``topic_store``).
"""
