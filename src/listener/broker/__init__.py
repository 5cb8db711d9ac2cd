"""How listener reaches Kafka: its topics (``topics.py``), how each client connects, TLS and
SASL included (``kafka_client.py``), creating and checking topics (``admin.py``), Faust's
transport (``transport.py``); and, for the demo, the tests and replays, the embedded broker
(``tansu.py``, with ``seaweed.py`` for its durable mode), served by ``listener broker``
(``serve.py``), and worker processes started against it (``process.py``).
"""
