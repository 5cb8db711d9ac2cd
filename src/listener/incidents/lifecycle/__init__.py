"""The incident lifecycle as pure functions: no Faust, no I/O.

``engine.Engine.step(book, event, now)`` takes the book (``model``) and one event of the
incident log (``events``, carried in ``log`` entries) and returns the new book and the
actions (``actions``): records to keep and notifications to send. ``policy`` and
``escalation`` say who is paged when; ``working`` is the copy a step changes.
"""
