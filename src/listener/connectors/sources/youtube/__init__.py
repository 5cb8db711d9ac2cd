"""YouTube: comment threads on videos and channels, through the Data API v3."""
