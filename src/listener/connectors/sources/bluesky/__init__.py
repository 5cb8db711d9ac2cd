"""Bluesky: Jetstream over a WebSocket (live, replayable from a cursor), with the AppView's
``searchPosts`` to fill what the stream can no longer replay."""
