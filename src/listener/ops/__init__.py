"""What operators see of a running worker: per-brand gauges, consumer lag, broker health,
readiness and alert latency, all exported through the metrics of :mod:`listener.metrics`.
"""
