"""Mastodon hashtags: the streaming API, with the REST timeline to catch up and fall back."""
