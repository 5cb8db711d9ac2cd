"""Facebook Pages: the page's feed and the comments under its posts, polled through the
Graph API, and pushed by Facebook's Webhooks (the ``feed`` field)."""
