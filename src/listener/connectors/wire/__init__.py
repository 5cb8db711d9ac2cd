"""Talking to sources over HTTP, both ways: the one client every connector reads through
(its throttle, its bounded reads, its errors), the walks and streams it reads with, and
the door and endpoints of the sources that push."""
