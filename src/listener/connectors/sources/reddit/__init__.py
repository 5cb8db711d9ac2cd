"""Reddit, through its OAuth API with an application-only (client credentials) token."""
