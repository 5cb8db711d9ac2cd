"""X (formerly Twitter): the API v2 recent search, with an app-only bearer token."""
