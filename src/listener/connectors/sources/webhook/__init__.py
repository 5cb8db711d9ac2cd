"""The ingest endpoint: anything that can POST JSON can send posts to listener."""
