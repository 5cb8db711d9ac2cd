"""What operators see of a running worker: every metric it exports (``metrics.py``), its
logs (``logs.py``), per-brand gauges, consumer lag, broker health, readiness and alert
latency, and the pages that serve them.
"""
