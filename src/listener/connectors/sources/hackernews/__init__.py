"""Hacker News, through Algolia's search API (``search_by_date``)."""
